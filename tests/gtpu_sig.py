#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""GTP-U signalling peer for the selftests, built on scapy's GTP layers.

  gtpu_sig.py send LADDR RADDR KIND[,KIND...] [TEID] [--count N] [--wait S]
      send each KIND in turn from LADDR port 2152 to RADDR port 2152
      through a UDP socket, then print every GTP-U message that comes back
      within S seconds (default 2) as one line, decoded by scapy:
        echo-response seq=0x1234 recovery=0
        error-indication teid=0x... peer=ADDR udp-port=2152
        ext-notification types=0x82,0x85,0xc0
      and, last, "replies N" (and "sent N in T s" with --count), each
      line prefixed with "KIND: " when several kinds are given.
      KIND: echo, echo-bad-length, echo-truncated, echo-v2, echo-no-seq,
      echo-teid, tpdu, tpdu-empty (no payload: shorter than its Error
      Indication would be), tpdu-unsupported-ext, end-marker.
  gtpu_sig.py serve
      run commands over and over, without paying for Python and scapy's
      start (seconds in an emulated guest) each time: read one command
      line at a time from standard input and answer with its output
      followed by a line "done".  The commands:
        send LADDR RADDR KIND... as above
        frames GW_NS GW_MAC: Echo Requests from forged or otherwise
          unanswerable sources (loopback, the gateway's own addresses, a
          link-layer broadcast, port 0, another destination), and from
          the peer itself, sent as Ethernet frames on acc-tr; one line
          "SRC HOW R/A/D" each, R, A and D how much GW_NS's counters
          reply_refused, echo_response and Ip6InHdrErrors grew
        listen GW_NS LADDR: a daemon's socket, bound in GW_NS to LADDR
          port 2152, that receives from now on
        received LADDR: the type of every GTP-U message the socket of
          "listen LADDR" received, one line each, waiting until it has
          been quiet for a second; the socket is closed
"""
import ipaddress
import select
import socket
import sys
import time

from scapy.contrib.gtp import (GTPEchoRequest, GTPErrorIndication, GTPHeader,
                               GTP_UDPPort_ExtensionHeader, IE_GSNAddress,
                               IE_Recovery, IE_TEIDI)
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.sendrecv import sendp

sys.dont_write_bytecode = True    # no __pycache__ in the source tree
from netns import in_netns  # noqa: E402

PORT = 2152
MS4, PDN4 = "10.45.0.2", "198.51.100.2"
TYPES = {2: "echo-response", 26: "error-indication",
         31: "ext-notification", 1: "echo-request", 254: "end-marker",
         255: "t-pdu"}


def tpdu(teid):
    # 46 octets: no shorter than an Error Indication over IPv6 (40).
    return bytes(GTPHeader(gtp_type=255, teid=teid) /
                 IP(src=MS4, dst=PDN4) / ICMP() / Raw(b"signalling"))


def message(kind, teid):
    echo = bytes(GTPHeader(S=1, seq=0x1234, gtp_type=1, teid=0) /
                 GTPEchoRequest())
    if kind == "echo":
        return echo
    if kind == "echo-bad-length":
        return echo[:2] + (len(echo) - 8 + 1).to_bytes(2, "big") + echo[4:]
    if kind == "echo-truncated":
        return echo[:6]
    if kind == "echo-v2":
        return bytes([0x40 | (echo[0] & 0x1f)]) + echo[1:]
    if kind == "echo-no-seq":
        # No S flag, so no optional fields: scapy's header always has them.
        return bytes([0x30, 1, 0, 0, 0, 0, 0, 0])
    if kind == "echo-teid":
        return bytes(GTPHeader(S=1, seq=1, gtp_type=1, teid=7) /
                     GTPEchoRequest())
    if kind == "tpdu":
        return tpdu(teid)
    if kind == "tpdu-empty":
        return bytes(GTPHeader(gtp_type=255, teid=teid))
    if kind == "tpdu-unsupported-ext":
        # E set, one extension of type 0xa0: unknown, bit 8 set
        # (comprehension required by the receiving endpoint).
        inner = bytes(IP(src=MS4, dst=PDN4) / ICMP() / Raw(b"sig"))
        opt = bytes([0, 0, 0, 0xa0]) + bytes([1, 0xab, 0xcd, 0])
        hdr = bytes(GTPHeader(E=1, gtp_type=255, teid=teid,
                              length=len(opt) + len(inner)))[:8]
        return hdr + opt + inner
    if kind == "end-marker":
        return bytes(GTPHeader(gtp_type=254, teid=teid))
    raise SystemExit(f"unknown kind {kind}")


def describe(data):
    """One line for a received message, from scapy's decoding."""
    pkt = GTPHeader(data)
    name = TYPES.get(pkt.gtp_type, f"type-{pkt.gtp_type}")
    body = pkt.payload
    port = None
    if GTP_UDPPort_ExtensionHeader in pkt:
        # scapy stops after an extension header: decode what follows.
        ext = pkt[GTP_UDPPort_ExtensionHeader]
        port = ext.udp_port
        body = GTPErrorIndication(bytes(ext.payload))
    ies = getattr(body, "IE_list", None) or []
    if pkt.gtp_type == 2:
        rec = [ie.restart_counter for ie in ies if isinstance(ie, IE_Recovery)]
        return f"{name} seq=0x{pkt.seq:04x} teid={pkt.teid} " \
               f"recovery={rec[0] if rec else 'none'}"
    if pkt.gtp_type == 26:
        teid = [ie.TEIDI for ie in ies if isinstance(ie, IE_TEIDI)]
        peer = [ie.ipv4_address if ie.length == 4 else ie.ipv6_address
                for ie in ies if isinstance(ie, IE_GSNAddress)]
        return (f"{name} teid=0x{teid[0]:x} " if teid else f"{name} teid=none ") + \
            f"peer={peer[0] if peer else 'none'} udp-port={port}"
    if pkt.gtp_type == 31:
        # scapy 2.5 gives IE 141 a two-octet length; TS 29.281 8.5 (and
        # tshark) one octet: decode it by hand.
        ie = bytes(pkt.payload)
        if len(ie) < 2 or ie[0] != 141 or len(ie) != 2 + ie[1]:
            return f"{name} malformed"
        return f"{name} types=" + ",".join(f"0x{t:02x}" for t in ie[2:])
    return name


def udp_socket(laddr):
    fam = socket.AF_INET6 if ipaddress.ip_address(laddr).version == 6 \
        else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((laddr, PORT))
    return s


def exchange(s, raddr, kind, teid, count, wait, prefix):
    data = message(kind, teid)
    start = time.monotonic()
    for _ in range(count):
        s.sendto(data, (raddr, PORT))
    sent_time = time.monotonic() - start
    replies = 0
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        reply, src = s.recvfrom(65535)
        replies += 1
        if replies <= 10:
            print(f"{prefix}{describe(reply)} from={src[0]}:{src[1]}")
    if count > 1:
        print(f"{prefix}sent {count} in {sent_time:.2f} s")
    print(f"{prefix}replies {replies}")


def send(argv):
    laddr, raddr, kinds = argv[:3]
    teid = int(argv[3], 0) if len(argv) > 3 and not argv[3].startswith("--") else 0
    count = int(argv[argv.index("--count") + 1]) if "--count" in argv else 1
    wait = float(argv[argv.index("--wait") + 1]) if "--wait" in argv else 2.0
    kinds = kinds.split(",")
    with udp_socket(laddr) as s:
        for kind in kinds:
            exchange(s, raddr, kind, teid, count, wait,
                     f"{kind}: " if len(kinds) > 1 else "")


FORGED = [("127.0.0.1", "192.0.2.2", "to"), ("192.0.2.2", "192.0.2.2", "to"),
          ("198.51.100.1", "192.0.2.2", "to"), ("::1", "2001:db8:1::2", "to"),
          ("2001:db8:1::2", "2001:db8:1::2", "to"),
          ("2001:db8:100::1", "2001:db8:1::2", "to"),
          ("192.0.2.1", "192.0.2.2", "broadcast"),
          ("2001:db8:1::1", "2001:db8:1::2", "broadcast"),
          ("192.0.2.1", "192.0.2.2", "sport0"),
          ("2001:db8:1::1", "2001:db8:1::2", "sport0"),
          ("192.0.2.7", "203.0.113.9", "transit"),
          ("2001:db8:1::7", "2001:db8:ff::9", "transit"),
          ("192.0.2.7", "192.0.2.255", "subnet-broadcast"),
          ("192.0.2.1", "192.0.2.2", "peer"),
          ("2001:db8:1::1", "2001:db8:1::2", "peer")]


def reply_counters():
    """reply_refused, echo_response and Ip6InHdrErrors of this namespace."""
    c = {}
    for path in ("/proc/net/nf_gtpu", "/proc/net/snmp6"):
        with open(path) as f:
            for line in f:
                k, v = line.split()
                c[k] = int(v)
    return (c["reply_refused"], c["echo_response"], c["Ip6InHdrErrors"])


def frames(argv):
    gw_ns, mac = argv
    for src, dst, how in FORGED:
        ip = IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)
        before = in_netns(gw_ns, reply_counters)
        sendp(Ether(dst="ff:ff:ff:ff:ff:ff" if how == "broadcast" else mac) / ip /
              UDP(sport=0 if how == "sport0" else 5555, dport=PORT) /
              GTPHeader(S=1, seq=0x4321, gtp_type=1, teid=0) / GTPEchoRequest(),
              iface="acc-tr", verbose=False)
        end = time.monotonic() + 5
        while (now := in_netns(gw_ns, reply_counters)) == before and \
                time.monotonic() < end:
            time.sleep(0.05)
        delta = "/".join(str(n - b) for n, b in zip(now, before))
        print(f"{src} {how} {delta}")


listeners = {}


def listen(argv):
    gw_ns, laddr = argv
    listeners[laddr] = in_netns(gw_ns, lambda: udp_socket(laddr))


def received(argv):
    with listeners.pop(argv[0]) as s:
        while select.select([s], [], [], 1.0)[0]:
            print(TYPES.get(s.recv(65535)[1], "unknown"))


COMMANDS = {"send": send, "frames": frames, "listen": listen, "received": received}


def serve(argv):
    sys.stdout.reconfigure(line_buffering=True)
    for line in sys.stdin:
        cmd, *args = line.split()
        try:
            COMMANDS[cmd](args)
        except (OSError, ValueError, KeyError) as e:
            print(f"error: {e!r}")
        print("done")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("send", "serve"):
        sys.exit(__doc__)
    {"send": send, "serve": serve}[sys.argv[1]](sys.argv[2:])
