#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Scapy as an independent GTP-U peer, and the runner of the bad-packet corpus.

Both commands join the gateway's network namespace GW_NS and send from
the peer's PEER_NS (names under /run/netns) through packet sockets opened
there, so that one process sends, reads
/proc/net/nf_gtpu between packets, captures what the gateway's apn0
delivers, what continues in its ruleset (NFLOG group 7) and what reaches
a GTP-U "daemon" socket on ports 2152 and 3386.

  gtpu_scapy.py conformance GW_NS PEER_NS
      every combination of the S, PN and E flags with extension chains,
      message types and GTPv0, built with scapy's own GTP layers
      (scapy.contrib.gtp, and gtpu_layers.py), each checked against the
      outcome docs/packet-path.md defines
  gtpu_scapy.py corpus GW_NS PEER_NS DIR HOOK
      send the cases of DIR/MANIFEST whose hook column is HOOK (pre:
      the iptables rules in PREROUTING, ingress: the nft netdev rule)

Prints PASS:/FAIL:/XFAIL:/NOTE: lines; exits 1 if anything failed.

The gateway the shell scripts build (gtpu_conformance.sh, gtpu_corpus.sh):

  peer p0 02:00:00:00:00:01 ------ g0 02:00:00:00:00:02 gw, apn0
       192.0.2.1                       192.0.2.2
       2001:db8:1::1                   2001:db8:1::2

  GTPv1 TEID 0x1234 -> apn0, MS 10.45.0.2        (iptables and ip6tables,
  GTPv1 TEID 0x1236 -> apn0, MS 2001:db8:45::2    raw PREROUTING, -i g0 -p
  GTPv0 TID ...7788 -> apn0, MS 10.45.0.2         udp, in this order)
  GTPv0 TID ...7789 -> apn0, MS 2001:db8:45::2
  NFLOG group 7 (after them: what they left to the ruleset)
"""
import os
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True    # no __pycache__ in the source tree

from netns import enter_netns, gtpu_counters, in_netns  # noqa: E402

PEER_IF, GW_IF, APN = "p0", "g0", "apn0"
PEER_MAC, GW_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
PEER = {4: "192.0.2.1", 6: "2001:db8:1::1"}
GW = {4: "192.0.2.2", 6: "2001:db8:1::2"}
MS = {4: "10.45.0.2", 6: "2001:db8:45::2"}
PDN = {4: "198.51.100.2", 6: "2001:db8:100::2"}
TEID = {4: 0x1234, 6: 0x1236}          # by inner family
TID = {4: 0x1122334455667788, 6: 0x1122334455667789}
NFLOG_GROUP = 7
V1_RULES = V0_RULES = 2                # decap rules each message crosses

# ---------------------------------------------------------------------------
# Namespaces, sockets, counters

SOL_PACKET, PACKET_VNET_HDR, PACKET_IGNORE_OUTGOING = 263, 15, 23
SO_RCVBUFFORCE = 33
ETH_P_ALL = 0x0003


def read_mibs():
    """/proc/net/snmp ("Udp.InErrors"), netstat ("IpExt.InCsumErrors") and
    snmp6 ("Ip6ReasmTimeout")."""
    mib = {}
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        with open(path) as f:
            lines = f.read().splitlines()
        for names, values in zip(lines[0::2], lines[1::2]):
            proto = names.split(":")[0]
            for k, v in zip(names.split()[1:], values.split()[1:]):
                mib[f"{proto}.{k}"] = int(v)
    with open("/proc/net/snmp6") as f:
        for line in f:
            k, v = line.split()
            mib[k] = int(v)
    return mib


class Gateway:
    """The test's view of the gateway, from inside its namespace."""

    def __init__(self, gw_ns, peer_ns, nflog=False, daemon=True):
        # The process stays in the initial mount namespace (ip netns exec
        # would mount another /sys, hiding tracefs) and joins GW_NS.
        enter_netns(gw_ns)

        def peer_sockets():
            plain = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            plain.bind((PEER_IF, 0))
            vnet = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            vnet.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
            vnet.bind((PEER_IF, 0))
            return plain, vnet
        self.tx, self.tx_vnet = in_netns(peer_ns, peer_sockets)

        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        cap.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        cap.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        cap.bind((APN, ETH_P_ALL))
        self.cap = cap
        self.daemons = []
        if daemon:
            for port in (2152, 3386):
                s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
                s.bind(("::", port))
                self.daemons.append(s)
        self.nflog = Nflog(NFLOG_GROUP) if nflog else None
        self.drain()

    def counters(self):
        return gtpu_counters(APN)

    def send(self, frame, linear=None):
        """Send an Ethernet frame from the peer.  With LINEAR, through a
        socket with a virtio-net header whose hdr_len puts only the first
        LINEAR octets in the skb's linear area (af_packet's packet_snd)."""
        if linear is None:
            self.tx.send(frame)
        else:
            vnet = struct.pack("<BBHHHH", 0, 0, linear, 0, 0, 0)
            self.tx_vnet.send(vnet + frame)

    def drain(self, obs=None):
        """Move whatever the sockets hold into obs (a dict of lists)."""
        socks = [self.cap] + self.daemons + ([self.nflog.sock] if self.nflog else [])
        while True:
            ready, _, _ = select.select(socks, [], [], 0)
            if not ready:
                return
            for s in ready:
                if s is self.cap:
                    data, addr = s.recvfrom(65535)
                    if obs is not None:
                        obs["delivered"].append(data)
                elif self.nflog and s is self.nflog.sock:
                    for pkt in self.nflog.recv():
                        if obs is not None:
                            obs["logged"].append(pkt)
                else:
                    data, addr = s.recvfrom(65535)
                    if obs is not None:
                        obs["daemon"].append((s.getsockname()[1], data))


class Nflog:
    """Just enough of nfnetlink_log to receive copies of packets."""
    NFNL_SUBSYS_ULOG, MSG_PACKET, MSG_CONFIG = 4, 0, 1
    CFG_CMD, CFG_MODE, CFG_QTHRESH = 1, 2, 4
    CMD_BIND, COPY_PACKET, NFULA_PAYLOAD = 1, 2, 9

    def __init__(self, group):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        self.sock.bind((0, 0))
        self.group = group
        self._config(self._attr(self.CFG_CMD, bytes([self.CMD_BIND])))
        self._config(self._attr(self.CFG_MODE, struct.pack("!IBB", 0xffff, self.COPY_PACKET, 0)) +
                     self._attr(self.CFG_QTHRESH, struct.pack("!I", 1)))

    @staticmethod
    def _attr(kind, data):
        a = struct.pack("=HH", 4 + len(data), kind) + data
        return a + b"\0" * (-len(a) % 4)

    def _config(self, attrs):
        body = struct.pack("!BBH", socket.AF_UNSPEC, 0, self.group) + attrs
        hdr = struct.pack("=IHHII", 16 + len(body), self.NFNL_SUBSYS_ULOG << 8 | self.MSG_CONFIG,
                          0x1 | 0x4, 1, 0)           # NLM_F_REQUEST | NLM_F_ACK
        self.sock.send(hdr + body)
        ans = self.sock.recv(65535)
        kind = struct.unpack("=H", ans[4:6])[0]
        if kind == 2:                                # NLMSG_ERROR
            err = struct.unpack("=i", ans[16:20])[0]
            if err:
                raise OSError(-err, f"nfnetlink_log config: {os.strerror(-err)}")

    def recv(self):
        pkts = []
        data = self.sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack("=IH", data[off:off + 6])
            if kind == self.NFNL_SUBSYS_ULOG << 8 | self.MSG_PACKET:
                a = off + 20
                while a + 4 <= off + length:
                    alen, atype = struct.unpack("=HH", data[a:a + 4])
                    if alen < 4:
                        break
                    if atype & 0x3fff == self.NFULA_PAYLOAD:
                        pkts.append(data[a + 4:a + alen])
                    a += (alen + 3) & ~3
            off += (length + 3) & ~3
        return pkts


# ---------------------------------------------------------------------------
# Expected outcomes and their check

class Expect:
    """What one case must do.  stats: nf_gtpu statistics that rise (all
    others must not move); delivered: the packets apn0 must deliver, in
    order; logged: the packets the NFLOG rule must see (left to the
    ruleset, unchanged); daemon: (port, UDP payload) the GTP-U daemon
    socket must receive; mib: kernel MIB counters that must rise."""

    def __init__(self, stats=None, delivered=(), logged=(), daemon=None, mib=None):
        self.stats = dict(stats or {})
        self.delivered = list(delivered)
        if self.delivered:
            self.stats["decap"] = len(self.delivered)
        self.logged = list(logged)
        self.daemon = None if daemon is None else list(daemon)
        self.mib = dict(mib or {})

    def events(self):
        return (sum(self.stats.values()) + len(self.delivered) + len(self.logged) +
                len(self.daemon or ()) + sum(self.mib.values()))

    def met(self, d, obs):
        """Everything expected has happened (perhaps more)."""
        return (all(d.get(k, 0) >= n for k, n in self.stats.items()) and
                len(obs["delivered"]) >= len(self.delivered) and
                len(obs["logged"]) >= len(self.logged) and
                len(obs["daemon"]) >= len(self.daemon or ()) and
                all(d.get(k, 0) >= n for k, n in self.mib.items()))

    def mismatch(self, d, obs):
        """Why the observation differs, or None."""
        why = []
        for k, v in sorted(d.items()):
            if k in ("apn0_rx",) or k.startswith("mib:"):
                continue
            if v != self.stats.get(k, 0):
                why.append(f"{k} +{v} (want +{self.stats.get(k, 0)})")
        for k in sorted(self.stats):
            if k not in d and self.stats[k]:
                why.append(f"{k} +0 (want +{self.stats[k]})")
        if d.get("apn0_rx", 0) != len(self.delivered):
            why.append(f"apn0 rx_packets +{d.get('apn0_rx', 0)} (want +{len(self.delivered)})")
        if obs["delivered"] != self.delivered:
            why.append("apn0 delivered " + describe(obs["delivered"], self.delivered))
        if obs["logged"] != self.logged:
            why.append("left to the ruleset (NFLOG) " + describe(obs["logged"], self.logged))
        if self.daemon is not None and obs["daemon"] != self.daemon:
            why.append("daemon received " + describe([p for _, p in obs["daemon"]],
                                                     [p for _, p in self.daemon]))
        for k, n in self.mib.items():
            if d.get("mib:" + k, 0) != n:
                why.append(f"{k} +{d.get('mib:' + k, 0)} (want +{n})")
        return "; ".join(why) or None


def describe(got, want):
    if len(got) != len(want):
        return f"{len(got)} packets (want {len(want)})"
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            n = next((j for j in range(min(len(g), len(w))) if g[j] != w[j]), min(len(g), len(w)))
            return (f"packet {i} differs at octet {n}: {len(g)} octets {g[max(0, n - 4):n + 8].hex()}"
                    f" vs {len(w)} octets {w[max(0, n - 4):n + 8].hex()}")
    return "identical"


class Runner:
    QUIET = 0.3         # how long "nothing happens" is watched for
    TIMEOUT = 3.0

    def __init__(self, gw):
        self.gw = gw
        self.failed = self.passed = self.xfailed = 0

    def snapshot(self, mib_keys=()):
        c = self.gw.counters()
        if mib_keys:                    # parsing them all is slow in the VM
            mib = read_mibs()
            for k in mib_keys:
                c["mib:" + k] = mib.get(k, 0)
        return c

    def observe(self, frames, expect, quiet=None, known=None):
        """Send FRAMES [(frame, linear)], return (deltas, observations);
        wait for what EXPECT (or KNOWN) says will happen."""
        keys = set(expect.mib) | set(known.mib if known else ())
        before = self.snapshot(keys)
        obs = {"delivered": [], "logged": [], "daemon": []}
        for frame, linear in frames:
            self.gw.send(frame, linear)
        deadline = time.monotonic() + self.TIMEOUT
        wait = quiet if quiet is not None else (self.QUIET if not expect.events() else 0)
        settle = time.monotonic() + wait
        while True:
            self.gw.drain(obs)
            after = self.snapshot(keys)
            d = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
            now = time.monotonic()
            if expect.events() and expect.met(d, obs) and now >= settle:
                break
            if known is not None and known.events() and known.met(d, obs):
                break
            if not expect.events() and now >= settle:
                break
            if now > deadline:
                break
            select.select([self.gw.cap] + self.gw.daemons +
                          ([self.gw.nflog.sock] if self.gw.nflog else []), [], [], 0.005)
        return d, obs

    def case(self, name, frames, expect, known=None, why_known=""):
        d, obs = self.observe(frames, expect, known=known)
        bad = expect.mismatch(d, obs)
        if not bad:
            self.passed += 1
            print(f"PASS: {name}", flush=True)
            return "pass"
        if known is not None and not known.mismatch(d, obs):
            self.xfailed += 1
            print(f"XFAIL: {name}: {why_known}", flush=True)
            return "xfail"
        self.failed += 1
        print(f"FAIL: {name}: {bad}", flush=True)
        return "fail"


# ---------------------------------------------------------------------------
# The corpus (corpus/MANIFEST, see corpus/generate.py)

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xa1b2c3d4, f"{path}: not a little-endian pcap"
    out, off = [], 24
    while off < len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def parse_outcome(text, frames, delivered):
    """An Expect from the MANIFEST grammar; consumes DELIVERED (an iterator)."""
    if text == "-":
        return None, {}
    stats, mib, later = {}, {}, {}
    dlv, logged = [], []
    for tok in text.split(","):
        kind, _, arg = tok.partition(":")
        name, _, n = arg.partition("*")
        n = int(n or 1)
        if kind == "stat":
            stats[name] = stats.get(name, 0) + n
        elif kind == "mib":
            mib[name] = mib.get(name, 0) + n
        elif kind == "timeout":
            later[name] = later.get(name, 0) + n
        elif kind == "decap":
            dlv.append(next(delivered))
        elif kind == "pass":
            logged.append(frames[-1][14:])
        elif kind != "none":
            raise ValueError(f"unknown outcome {tok!r}")
    return Expect(stats, dlv, logged, None, mib), later


class Tracer:
    """net:netif_rx_entry on g0: how much of each received skb is paged."""
    ROOT = "/sys/kernel/tracing"

    def __init__(self):
        self.ok = os.path.exists(f"{self.ROOT}/events/net/netif_rx_entry/enable")
        if self.ok:
            self._w("events/net/netif_rx_entry/filter", f'name == "{GW_IF}"')
            self._w("events/net/netif_rx_entry/enable", "1")
            self._w("trace", "")

    def _w(self, path, value):
        with open(f"{self.ROOT}/{path}", "w") as f:
            f.write(value)

    def take(self):
        """(len, data_len) of the skbs received since the last call."""
        with open(f"{self.ROOT}/trace") as f:
            text = f.read()
        self._w("trace", "")
        out = []
        for line in text.splitlines():
            if "netif_rx_entry:" in line:
                fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
                out.append((int(fields["len"]), int(fields["data_len"])))
        return out

    def close(self):
        if self.ok:
            self._w("events/net/netif_rx_entry/enable", "0")
            self._w("events/net/netif_rx_entry/filter", "0")


def run_corpus(gw_ns, peer_ns, cdir, hook):
    t0 = time.monotonic()
    families = {"ipv4": 4, "ipv6": 6}
    frames = {f: iter(read_pcap(f"{cdir}/{f}.pcap")) for f in families}
    delivered = {f: iter(read_pcap(f"{cdir}/{f}-apn0.pcap")) for f in families}
    cases = []
    with open(f"{cdir}/MANIFEST") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cid, fam, chook, nfr, linear, expect, known, rest = line.split(None, 7)
            fr = [next(frames[fam]) for _ in range(int(nfr))]
            exp, later = parse_outcome(expect, fr, delivered[fam])
            kn, later_kn = parse_outcome(known, fr, delivered[fam])
            if chook != hook:
                continue
            name = rest.split(":")[0]
            lin = None if linear == "-" else int(linear)
            cases.append((f"{cid} {fam} {name}", fr, lin, exp, kn, (later, later_kn),
                          rest.split(": ", 1)[1].strip() if ": " in rest else ""))
    for f in families:
        assert next(frames[f], None) is None, f"{f}.pcap has frames MANIFEST does not use"
        assert next(delivered[f], None) is None, f"{f}-apn0.pcap has packets MANIFEST does not use"

    gw = Gateway(gw_ns, peer_ns, nflog=True)
    runner = Runner(gw)
    tracer = Tracer()
    if not tracer.ok:
        print("NOTE: no tracefs: the paged cases run, but that their skbs are "
              "non-linear is not checked")
    start_mib = read_mibs()
    later_total = {}
    paged = paged_bad = 0
    for name, fr, lin, exp, kn, later, why in cases:
        # A plain packet socket send; or, for a split inside the headers, a
        # virtio-net header whose hdr_len is the length of the linear area.
        sends = [(x, None if lin in (None, 14) else lin) for x in fr]
        if tracer.ok and lin is not None:
            tracer.take()
        res = runner.case(name, sends, exp, kn, f"the module today: {why}")
        # Queues the IP layer times out: those of the outcome seen.
        for k, n in later[res == "xfail"].items():
            later_total[k] = later_total.get(k, 0) + n
        if tracer.ok and lin is not None:
            paged += 1
            got = tracer.take()
            want = [(len(x) - 14, len(x) - lin) for x in fr]
            if not all(w in got for w in want):
                paged_bad += 1
                print(f"FAIL: {name}: received skb (len, data_len) {got}, expected {want}: "
                      "not the non-linear skb the case is about")
                runner.failed += 1
    tracer.close()
    if paged:
        print(f"{'PASS' if not paged_bad else 'FAIL'}: {paged - paged_bad} of {paged} paged "
              "cases reached g0 as non-linear skbs with the linear area expected")
    if later_total:
        # Fragment queues expire after the reassembly timeouts the test set;
        # a slow kernel (TEST_TIME_SCALE, as in tests/lib.sh) gets longer.
        scale = int(os.environ.get("TEST_TIME_SCALE", "1"))
        deadline = time.monotonic() + 15 * scale
        while True:
            mib = read_mibs()
            d = {k: mib.get(k, 0) - start_mib.get(k, 0) for k in later_total}
            if d == later_total or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for k, n in sorted(later_total.items()):
            if d[k] == n:
                runner.passed += 1
                print(f"PASS: {k} +{n}: the incomplete fragment queues timed out")
            else:
                runner.failed += 1
                print(f"FAIL: {k} +{d[k]} after the reassembly timeout, expected +{n}")
    # Anything arriving after the last case was not expected by any.
    time.sleep(Runner.QUIET)
    late = {"delivered": [], "logged": [], "daemon": []}
    gw.drain(late)
    if late["delivered"] or late["logged"]:
        runner.failed += 1
        print(f"FAIL: late arrivals: {len(late['delivered'])} delivered, {len(late['logged'])} logged")
    print(f"corpus, hook {hook}: {len(cases)} cases, {runner.passed} passed, "
          f"{runner.xfailed} known deviations (XFAIL), {runner.failed} failed, "
          f"{time.monotonic() - t0:.0f} s")
    return runner.failed



# ---------------------------------------------------------------------------
# Conformance: scapy builds, the defined behaviour judges

def conformance_chains(L):
    """(name, extension chain, outcome): decap, or the statistic of a drop.
    The PDU Session Container is scapy's (with the padding fix of
    gtpu_layers.PDUSessionContainer), so are the PDCP PDU Number and UDP
    Port headers; the others are declared in gtpu_layers.py."""
    PSC, U = L.PDUSessionContainer, L.UnknownExtension
    psc_dl_ppp = (0x85, PSC(type=0, QFI=17, PPP=1, PPI=5, RQI=1))
    psc_dl_qmp = (0x85, PSC(type=0, QFI=1, QMP=1, SNP=1, dlSendTime=0x0102030405060708,
                            dlQFISeqNum=0xabcdef))
    psc_ul_all = (0x85, PSC(type=1, QFI=2, QMP=1, dlDelayInd=1, ulDelayInd=1, SNP=1,
                            N3N9DelayInd=1, dlSendTimeRpt=1, dlRecvTime=2, ulSendTime=3,
                            dlDelayRslt=4, ulDelayRslt=5, UlQFISeqNum=6, N3N9DelayRslt=7))
    pdcp = (0xc0, L.GTP_PDCP_PDU_ExtensionHeader(pdcp_pdu=0x1234))
    udp_port = (0x40, L.GTP_UDPPort_ExtensionHeader(udp_port=2152))
    long82 = (0x82, L.LongPDCPPDUNumber(pdcp=0x2abcd))
    long03 = (0x03, L.LongPDCPPDUNumber(pdcp=7))
    sci = (0x20, L.ServiceClassIndicator(sci=0x42))
    D, UNS = "decap", "unsupported_extension"
    chains = [
        ("PDU Session Container UL QFI 0", [(0x85, PSC(type=1, QFI=0))], D),
        ("PDU Session Container UL QFI 63", [(0x85, PSC(type=1, QFI=63))], D),
        ("PDU Session Container DL QFI 9", [(0x85, PSC(type=0, QFI=9))], D),
        ("PDU Session Container DL, PPI and RQI", [psc_dl_ppp], D),
        ("PDU Session Container DL, send time and sequence number", [psc_dl_qmp], D),
        ("PDU Session Container UL, every optional field", [psc_ul_all], D),
        ("PDCP PDU Number", [pdcp], D),
        ("Long PDCP PDU Number (0x82)", [long82], D),
        ("Long PDCP PDU Number (0x03)", [long03], D),
        ("UDP Port", [udp_port], D),
        ("Service Class Indicator", [sci], D),
        ("unknown type 0x01", [(0x01, U(content=b"\1\2"))], D),
        ("unknown type 0x3f", [(0x3f, U(content=b"\1\2"))], D),
        ("unknown type 0x7f, 3 units", [(0x7f, U(content=bytes(range(10))))], D),
        ("unknown type 0x81 (RAN Container)", [(0x81, U(content=b"\1\2"))], UNS),
        ("unknown type 0x83 (Xw RAN Container)", [(0x83, U(content=b"\1\2"))], UNS),
        ("unknown type 0x84 (NR RAN Container)", [(0x84, U(content=bytes(6)))], UNS),
        ("unknown type 0xa5", [(0xa5, U(content=b"\1\2"))], UNS),
        ("unknown type 0xc1", [(0xc1, U(content=b"\1\2"))], UNS),
        ("unknown type 0xff", [(0xff, U(content=b"\1\2"))], UNS),
        ("UDP Port, PDCP PDU Number, PDU Session Container UL",
         [udp_port, pdcp, (0x85, PSC(type=1, QFI=5))], D),
        ("0x3f, Long PDCP, PDU Session Container DL with PPI, 0x7f",
         [(0x3f, U(content=b"\1\2")), long82, psc_dl_ppp, (0x7f, U(content=bytes(6)))], D),
        ("PDCP, UDP Port, SCI, Long PDCP 0x03, PDU Session Container DL with send time, 0x10",
         [pdcp, udp_port, sci, long03, psc_dl_qmp, (0x10, U(content=b"\0\0"))], D),
        ("PDU Session Container UL, then 0x84", [(0x85, PSC(type=1, QFI=5)),
                                                 (0x84, U(content=bytes(6)))], UNS),
        ("0x3f, then 0xc1", [(0x3f, U(content=b"\1\2")), (0xc1, U(content=b"\1\2"))], UNS),
        ("61 headers of type 0x3f: a 256-octet GTP-U header",
         [(0x3f, U(content=bytes([k, 0]))) for k in range(61)], D),
    ]
    return chains


def run_conformance(gw_ns, peer_ns):
    t0 = time.monotonic()
    import gtpu_layers as L        # scapy: slow to import, only here
    print(f"NOTE: scapy imported in {time.monotonic() - t0:.0f} s", flush=True)
    gw = Gateway(gw_ns, peer_ns)
    r = Runner(gw)
    Raw = L.Raw
    counter = [0]

    def inner(i, size=16, proto="icmp", src=None):
        counter[0] += 1
        return bytes(L.inner_packet(i, src or MS[i], PDN[i], counter[0], size, proto))

    def send(name, f, msg, expect, dport=2152, csum=None, ecn=0):
        o = (L.IP(src=PEER[f], dst=GW[f], tos=ecn) if f == 4 else
             L.IPv6(src=PEER[f], dst=GW[f], tc=ecn))
        frame = bytearray(bytes(L.Ether(src=PEER_MAC, dst=GW_MAC) / o /
                                L.UDP(sport=2152, dport=dport) / msg))
        udp = 14 + (20 if f == 4 else 40)
        if csum is not None:
            frame[udp + 6:udp + 8] = struct.pack("!H", csum)
        if expect.daemon:                       # the message as it went out
            expect.daemon = [(p, bytes(frame[udp + 8:])) for p, _ in expect.daemon]
        r.case(f"outer IPv{f}: {name}", [(bytes(frame), None)], expect)

    def decap(ip):
        return Expect(delivered=[ip], daemon=[])

    def drop(stat):
        return Expect({stat: 1}, daemon=[])

    def with_ecn(ip, ecn):
        """The inner packet with its ECN field set to ecn."""
        p = L.IP(ip) if ip[0] >> 4 == 4 else L.IPv6(ip)
        if L.IP in p:
            p.tos, p.chksum = (p.tos & ~3) | ecn, None
        else:
            p.tc = (p.tc & ~3) | ecn
        return bytes(p)

    def passed(port=2152, rules=0):
        return Expect({"not_tpdu": rules} if rules else {}, daemon=[(port, None)])

    def unsupported():
        # Counted by each GTPv1 rule it crosses and left to the ruleset,
        # which may answer it (gtp reply); here it reaches the daemon.
        return Expect({"unsupported_extension": V1_RULES}, daemon=[(2152, None)])

    chains = conformance_chains(L)
    for f in (4, 6):
        for i in (4, 6):
            teid, what = TEID[i], f"inner IPv{i}"
            # E clear: optional fields present with S or PN, the next type
            # octet meaningless (TS 29.281 5.1), the unflagged fields too.
            for S in (0, 1):
                for PN in (0, 1):
                    for nx in ((0, 0x85, 0xff) if S or PN else (None,)):
                        ip = inner(i)
                        msg = L.gtp1(teid, Raw(ip), S=S, PN=PN, E=0,
                                     seq=0x1000 + counter[0] if S else 0xbeef,
                                     npdu=counter[0] & 0xff if PN else 0xa5, next_ex=nx)
                        nxt = "" if nx is None else f", next type octet {nx:#04x}"
                        send(f"{what}, S={S} PN={PN} E=0{nxt}", f, msg, decap(ip))
            # E set: every extension chain with every S and PN.
            for S in (0, 1):
                for PN in (0, 1):
                    for cname, chain, outcome in chains:
                        ip = inner(i)
                        msg = L.gtp1(teid, Raw(ip), chain, S=S, PN=PN,
                                     seq=0x2000 + counter[0] if S else 0xbeef,
                                     npdu=counter[0] & 0xff if PN else 0xa5)
                        send(f"{what}, S={S} PN={PN} E=1: {cname}", f, msg,
                             decap(ip) if outcome == "decap" else
                             unsupported() if outcome == "unsupported_extension"
                             else drop(outcome))
            # Other valid T-PDUs.
            ip = inner(i)
            send(f"{what}, spare flag bit set", f, L.gtp1(teid, Raw(ip), reserved=1), decap(ip))
            for proto in ("udp", "tcp"):
                ip = inner(i, proto=proto)
                send(f"{what}, {proto.upper()}", f, L.gtp1(teid, Raw(ip)), decap(ip))
            ip = inner(i, size=1380)
            send(f"{what}, {len(ip)} octets", f, L.gtp1(teid, Raw(ip)), decap(ip))
            ip = inner(i, size=0)
            send(f"{what}, no payload", f, L.gtp1(teid, Raw(ip)), decap(ip))
            ip = inner(i)
            send(f"{what}, T-PDU 5 octets longer (trimmed)", f,
                 L.gtp1(teid, Raw(ip + b"extra")), decap(ip))
            other = "10.45.0.3" if i == 4 else "2001:db8:46::2"
            send(f"{what}, source {other} (not the MS)", f,
                 L.gtp1(teid, Raw(inner(i, src=other))), drop("spoofed"))
            if i == 6:
                ip = inner(6, src="2001:db8:45::99")
                send(f"{what}, source 2001:db8:45::99 (the MS's /64)", f,
                     L.gtp1(teid, Raw(ip)), decap(ip))
            send(f"{what} on the TEID of an IPv{10 - i} MS", f,
                 L.gtp1(TEID[10 - i], Raw(inner(i))), drop("spoofed"))
            # ECN (RFC 6040 decapsulation): the outer CE mark reaches an
            # ECN-capable inner packet, ECT(1) marks ECT(0) as ECT(1), a CE
            # mark on a packet whose sender does not do ECN drops it;
            # otherwise the inner field stays.
            NOT, ECT1, ECT0, CE = 0, 1, 2, 3
            name = {NOT: "Not-ECT", ECT1: "ECT(1)", ECT0: "ECT(0)", CE: "CE"}
            for outer_ecn, inner_ecn, out in (
                    (CE, ECT0, CE), (CE, ECT1, CE), (CE, CE, CE), (CE, NOT, None),
                    (ECT1, ECT0, ECT1), (ECT0, NOT, NOT), (NOT, CE, CE)):
                ip = with_ecn(inner(i), inner_ecn)
                send(f"{what}, outer {name[outer_ecn]}, inner {name[inner_ecn]}", f,
                     L.gtp1(teid, Raw(ip)),
                     drop("bad_ecn") if out is None else decap(with_ecn(ip, out)),
                     ecn=outer_ecn)

        # Messages that are not T-PDUs: counted by each GTPv1 rule they
        # cross, left to the ruleset and up the stack to the daemon.
        msgs = [
            ("Echo Request", L.gtp1(0, L.GTPEchoRequest(), gtp_type=1, S=1, seq=1)),
            ("Echo Request with a private extension IE",
             L.gtp1(0, Raw(L.private_extension(110, b"nf-gtpu")), gtp_type=1, S=1, seq=2)),
            ("Echo Response", L.gtp1(0, Raw(bytes(L.IE_Recovery(restart_counter=0))),
                                     gtp_type=2, S=1, seq=2)),
            ("Error Indication", L.gtp1(0, L.GTPErrorIndication(IE_list=[
                L.IE_TEIDI(TEIDI=TEID[4]), L.IE_GSNAddress(ipv4_address=PEER[4])]),
                gtp_type=26, S=1)),
            ("Error Indication with a UDP Port extension header", L.gtp1(
                0, L.GTPErrorIndication(IE_list=[L.IE_TEIDI(TEIDI=TEID[4]),
                                                 L.IE_GSNAddress(ipv4_address=PEER[4])]),
                [(0x40, L.GTP_UDPPort_ExtensionHeader(udp_port=2152))], gtp_type=26, S=1)),
            ("Supported Extension Headers Notification", L.gtp1(
                0, Raw(L.extension_header_type_list([0x85, 0xc0])), gtp_type=31, S=1)),
            ("End Marker", L.gtp1(TEID[4], None, gtp_type=254)),
            ("End Marker with a PDU Session Container", L.gtp1(
                TEID[4], None, [(0x85, L.PDUSessionContainer(type=0, QFI=9))], gtp_type=254)),
            ("message type 16 (a GTP-C type)", L.gtp1(TEID[4], Raw(bytes(8)), gtp_type=16)),
        ]
        for name, m in msgs:
            send(name, f, m, passed(rules=V1_RULES))
        send("Echo Request with an NR RAN Container (0x84)", f,
             L.gtp1(0, None, [(0x84, L.UnknownExtension(content=bytes(6)))], gtp_type=1, S=1),
             unsupported())
        send("T-PDU for TEID 0x4321, which no rule has", f,
             L.gtp1(0x4321, Raw(inner(4))), passed())
        send("GTPv1 T-PDU to port 3386", f, L.gtp1(TEID[4], Raw(inner(4))),
             drop("bad_header"), dport=3386)
        ip = inner(4)
        send("UDP checksum 0", f, L.gtp1(TEID[4], Raw(ip)),
             decap(ip) if f == 4 else drop("bad_udp_checksum"), csum=0)

        # GTPv0 (GSM 09.60) on port 3386: the 20-octet header, 64-bit TID.
        for i in (4, 6):
            ip = inner(i)
            send(f"GTPv0 T-PDU, inner IPv{i}", f, L.gtp0(TID[i], Raw(ip)), decap(ip), dport=3386)
        ip = inner(4)
        send("GTPv0 T-PDU, SNDCP N-PDU number flag, sequence and flow label", f,
             L.gtp0(TID[4], Raw(ip), SNN=1, sndcp=5, seq=77, flow_label=0x1234),
             decap(ip), dport=3386)
        ip = inner(4)
        send("GTPv0 T-PDU 3 octets longer (trimmed)", f, L.gtp0(TID[4], Raw(ip + b"abc")),
             decap(ip), dport=3386)
        send("GTPv0 Echo Request", f, L.gtp0(0, None, gtp_type=1, seq=9),
             passed(3386, V0_RULES), dport=3386)
        send("GTPv0 T-PDU for TID 0x99, which no rule has", f, L.gtp0(0x99, Raw(inner(4))),
             passed(3386), dport=3386)
        send("GTPv0 T-PDU to port 2152", f, L.gtp0(TID[4], Raw(inner(4))), drop("bad_header"))
        send("GTPv0 with protocol type 0", f, L.gtp0(TID[4], Raw(inner(4)), PT=0),
             drop("bad_header"), dport=3386)
        send("GTPv0, inner IPv6 on the TID of an IPv4 MS", f, L.gtp0(TID[4], Raw(inner(6))),
             drop("spoofed"), dport=3386)

    time.sleep(Runner.QUIET)
    late = {"delivered": [], "logged": [], "daemon": []}
    gw.drain(late)
    if late["delivered"] or late["daemon"]:
        r.failed += 1
        print(f"FAIL: late arrivals: {len(late['delivered'])} delivered, "
              f"{len(late['daemon'])} at the daemon")
    print(f"conformance: {r.passed + r.failed} cases, {r.passed} passed, {r.failed} failed, "
          f"{time.monotonic() - t0:.0f} s")
    return r.failed


def main(argv):
    if len(argv) >= 5 and argv[1] == "corpus":
        return 1 if run_corpus(argv[2], argv[3], argv[4], argv[5] if len(argv) > 5 else "pre") else 0
    if len(argv) >= 4 and argv[1] == "conformance":
        return 1 if run_conformance(argv[2], argv[3]) else 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
