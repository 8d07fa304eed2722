#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""GTP-U packets for the selftests, built with scapy from the bytes up.

  gtpu_pkt.py cases
      list the cases with the statistic each must increment
  gtpu_pkt.py send CASE SRC DST TEID MS PDN
      send one case of the corpus
  gtpu_pkt.py corpus GW_NS SRC DST TEID MS PDN
      send every case from this namespace and check, in GW_NS, that each
      incremented its statistic in /proc/net/nf_gtpu and that only valid
      ones reached apn0; prints PASS/FAIL lines, exits 1 on a failure
  gtpu_pkt.py frags inorder|overlap SRC DST TEID MS PDN
      send a T-PDU (outer IPv4) in 256-octet fragments, last first;
      "overlap" adds a fragment that overwrites part of the second
  gtpu_pkt.py gso SRC DST TEID,TEID,... MS PDN
      one T-PDU per TEID, all the same size, sent from port 2152 in a
      single send with UDP GSO (UDP_SEGMENT): one skb holding all of the
      datagrams, as GRO would have merged them, reaches DST across a veth
  gtpu_pkt.py inner-csum TAG
      for each outer and inner family a T-PDU (TEID 0x100 for inner
      IPv4, 0x101 for IPv6) from the access node of lib.sh's network
      whose inner UDP datagram to port 5555 of the gateway has a wrong
      checksum, then one for each with a right one; the payload names
      which (TAG-o4-i6-bad...)
  gtpu_pkt.py delivered PCAP TEID MS PDN
      assert that PCAP, captured on the APN device during "corpus" over
      IPv4 and then IPv6, holds exactly the inner packets of the valid
      cases, byte for byte, in order
  gtpu_pkt.py serve
      run the commands above over and over, without paying for Python
      and scapy's start (seconds in an emulated guest) each time: read
      one line "NS COMMAND ARGS..." at a time from standard input, run
      COMMAND in network namespace NS (a name under /run/netns; "." for
      this process's own) and answer with its output (a failed
      assertion as "AssertionError: ...") and a line "done STATUS",
      STATUS being the exit status it would have had
"""
import socket
import struct
import sys
import time

# Only the layers used: all of scapy takes longer still to import.
from scapy.layers.inet import ICMP, IP, UDP, fragment
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.packet import Raw
from scapy.utils import rdpcap

sys.dont_write_bytecode = True    # no __pycache__ in the source tree
from netns import gtpu_counters, in_netns  # noqa: E402

GTPU_PORT = 2152
UDP_SEGMENT = 103       # linux/udp.h: the GSO size of a send


def gtp1(teid, payload, mtype=255, flags=0x30, opt=b"", length=None):
    body = opt + payload
    if length is None:
        length = len(body)
    return struct.pack("!BBHI", flags, mtype, length, teid) + body


def ext(etype_next, content):
    """One extension header: length octet, content, next type."""
    assert (len(content) + 2) % 4 == 0
    return bytes([(len(content) + 2) // 4]) + content + bytes([etype_next])


def inner(ms, pdn, payload=b"x" * 8):
    if ":" in ms:
        return bytes(IPv6(src=ms, dst=pdn) / ICMPv6EchoRequest(data=payload))
    return bytes(IP(src=ms, dst=pdn) / ICMP() / Raw(payload))


def pdu_session_ul(qfi, nxt=0):
    return ext(nxt, bytes([0x10, qfi & 0x3F]))


def build(case, teid, ms, pdn):
    """Return (GTP payload bytes, UDP overrides) for a corpus case."""
    ip = inner(ms, pdn)
    opt_e = lambda first: struct.pack("!HBB", 0, 0, first)
    cases = {
        "valid": lambda: gtp1(teid, ip),
        "valid_seq": lambda: gtp1(teid, ip, flags=0x32, opt=struct.pack("!HBB", 7, 0, 0)),
        "valid_qfi": lambda: gtp1(teid, ip, flags=0x34, opt=opt_e(0x85) + pdu_session_ul(9)),
        "valid_ext_not_required": lambda: gtp1(teid, ip, flags=0x34,
                                               opt=opt_e(0x0F) + ext(0, b"\0\0")),
        "truncated_header": lambda: gtp1(teid, b"")[:6],
        "version_2": lambda: gtp1(teid, ip, flags=0x50),
        "protocol_type_0": lambda: gtp1(teid, ip, flags=0x20),
        "length_too_long": lambda: gtp1(teid, ip, length=len(ip) + 1),
        "length_too_short": lambda: gtp1(teid, ip, length=len(ip) - 1),
        "opt_length_short": lambda: gtp1(teid, b"", flags=0x32, opt=b"\0\0"),
        "ext_length_zero": lambda: gtp1(teid, ip, flags=0x34, opt=opt_e(0x85) + b"\x00\x10\x09\x00"),
        "ext_past_end": lambda: gtp1(teid, b"", flags=0x34, opt=opt_e(0x85) + b"\x05\x10\x09\x00"),
        "ext_chain_too_long": lambda: gtp1(teid, ip, flags=0x34,
                                           opt=opt_e(0x0F) + b"".join(ext(0x0F, b"\0\0") for _ in range(70)) + ext(0, b"\0\0")),
        "ext_unknown_required": lambda: gtp1(teid, ip, flags=0x34, opt=opt_e(0x8F) + ext(0, b"\0\0")),
        "ext_pdu_type_bad": lambda: gtp1(teid, ip, flags=0x34, opt=opt_e(0x85) + ext(0, b"\x70\x09")),
        "inner_not_ip": lambda: gtp1(teid, b"\x00" * 40),
        "inner_empty": lambda: gtp1(teid, b""),
        "inner_truncated": lambda: gtp1(teid, ip[:-4]),
        "inner_bad_ihl": lambda: gtp1(teid, bytes([0x43]) + ip[1:]) if ":" not in ms else gtp1(teid, bytes([0x70]) + ip[1:]),
        "spoofed_source": lambda: gtp1(teid, inner("10.99.0.9" if ":" not in ms else "2001:db8:99::9", pdn)),
        "echo_request": lambda: gtp1(0, b"", mtype=1, flags=0x32, opt=struct.pack("!HBB", 1, 0, 0)),
        "end_marker": lambda: gtp1(teid, b"", mtype=254),
        "bad_udp_checksum": lambda: gtp1(teid, ip),
        "zero_udp_checksum": lambda: gtp1(teid, ip),
        "udp_length_too_long": lambda: gtp1(teid, ip),
    }
    return cases[case]()


# case -> statistic of /proc/net/nf_gtpu it must increment ("decap" means
# delivered), for an IPv4 outer header
CASES = {
    "valid": "decap",
    "valid_seq": "decap",
    "valid_qfi": "decap",
    "valid_ext_not_required": "decap",
    "truncated_header": "bad_header",
    "version_2": "bad_header",
    "protocol_type_0": "bad_header",
    "length_too_long": "bad_header",
    "length_too_short": "bad_header",
    "opt_length_short": "bad_header",
    "ext_length_zero": "bad_extension",
    "ext_past_end": "bad_extension",
    "ext_chain_too_long": "bad_extension",
    "ext_unknown_required": "unsupported_extension",
    "ext_pdu_type_bad": "bad_extension",
    "inner_not_ip": "bad_inner",
    "inner_empty": "bad_inner",
    "inner_truncated": "bad_inner",
    "inner_bad_ihl": "bad_inner",
    "spoofed_source": "spoofed",
    "echo_request": "not_tpdu",
    "end_marker": "not_tpdu",
    "bad_udp_checksum": "bad_udp_checksum",
    "zero_udp_checksum": "decap",
    "udp_length_too_long": "bad_udp_length",
}


def raw_send(pkt):
    """Send a complete IP packet as is, through a raw socket."""
    fam = socket.AF_INET6 if IPv6 in pkt else socket.AF_INET
    with socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        s.sendto(bytes(pkt), (pkt.dst, 0))


def case_packet(case, src, dst, teid, ms, pdn):
    # udp_trailer: a valid T-PDU in a UDP datagram shorter than the IP
    # payload, 16 octets of which follow it (RFC 768: not part of it)
    trailer = case == "udp_trailer"
    payload = build("valid" if trailer else case, teid, ms, pdn)
    outer = IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)
    udp = UDP(sport=GTPU_PORT, dport=GTPU_PORT)
    pkt = outer / udp / Raw(payload)
    pkt = pkt.__class__(bytes(pkt))          # fills in lengths and checksums
    if trailer:
        datagram = bytes(pkt[UDP])
        if IPv6 in pkt:
            pkt = IPv6(src=src, dst=dst, nh=17) / Raw(datagram + b"T" * 16)
        else:
            pkt = IP(src=src, dst=dst, proto=17) / Raw(datagram + b"T" * 16)
        pkt = pkt.__class__(bytes(pkt))
    if case == "bad_udp_checksum":
        pkt[UDP].chksum ^= 0x5555
    elif case == "zero_udp_checksum":
        pkt[UDP].chksum = 0
    elif case == "udp_length_too_long":
        pkt[UDP].len += 8
        del pkt[UDP].chksum
        pkt = pkt.__class__(bytes(pkt))
    return pkt


def send_gso(src, dst, teids, ms, pdn):
    datagrams = [gtp1(teid, inner(ms, pdn)) for teid in teids]
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.bind((src, GTPU_PORT))
        s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, len(datagrams[0]))
        s.sendto(b"".join(datagrams), (dst, GTPU_PORT))


def send_fragments(how, src, dst, teid, ms, pdn):
    inner = bytes(IP(src=ms, dst=pdn) / ICMP() / Raw(b"y" * 600))
    gtp = struct.pack("!BBHI", 0x30, 255, len(inner), teid) + inner
    pkt = IP(src=src, dst=dst, id=4242) / UDP(sport=GTPU_PORT, dport=GTPU_PORT) / Raw(gtp)
    frags = fragment(IP(bytes(pkt)), fragsize=256)
    if how == "overlap":
        bad = frags[1].copy()
        bad.frag -= 8
        bad[Raw].load = b"Z" * len(bad[Raw].load)
        frags.insert(2, bad)
    for f in frags[::-1]:
        raw_send(f)


def send_inner_csum(tag):
    outer_addrs = {4: ("192.0.2.1", "192.0.2.2"), 6: ("2001:db8:1::1", "2001:db8:1::2")}
    inner_addrs = {4: ("10.45.0.2", "198.51.100.1", 0x100),
                   6: ("2001:db8:45::2", "2001:db8:100::1", 0x101)}

    def ip(fam, src, dst):
        return IP(src=src, dst=dst) if fam == 4 else IPv6(src=src, dst=dst)

    for good in (False, True):
        for outer in (4, 6):
            for fam in (4, 6):
                ms, dst, teid = inner_addrs[fam]
                data = f"{tag}-o{outer}-i{fam}-{'good' if good else 'bad'}\n"
                pkt = ip(fam, ms, dst) / UDP(sport=4000, dport=5555) / Raw(data.encode())
                if not good:
                    right = pkt.__class__(bytes(pkt))[UDP].chksum
                    pkt[UDP].chksum = 0xdead if right != 0xdead else 0xbeef
                raw_send(ip(outer, *outer_addrs[outer]) /
                         UDP(sport=GTPU_PORT, dport=GTPU_PORT) / Raw(gtp1(teid, bytes(pkt))))


def gw_counters(ns):
    return in_netns(ns, lambda: gtpu_counters("apn0"))


def run_corpus(ns, src, dst, teid, ms, pdn):
    failed = 0
    fam = 6 if ":" in dst else 4
    for case, stat in CASES.items():
        if fam == 6 and case == "zero_udp_checksum":
            stat = "bad_udp_checksum"     # RFC 8200 8.1: mandatory over IPv6
        before = gw_counters(ns)
        raw_send(case_packet(case, src, dst, teid, ms, pdn))
        deadline = time.time() + 5
        while True:
            after = gw_counters(ns)
            if after[stat] != before[stat] or time.time() > deadline:
                break
            time.sleep(0.05)
        want_rx = 1 if stat == "decap" else 0
        got, rx = after[stat] - before[stat], after["apn0_rx"] - before["apn0_rx"]
        others = [k for k in after if k not in (stat, "apn0_rx") and after[k] != before[k]]
        if got == 1 and rx == want_rx and not others:
            print(f"PASS: IPv{fam} {case}: {stat}")
        else:
            failed += 1
            print(f"FAIL: IPv{fam} {case}: {stat} +{got} (want 1), apn0 rx +{rx}"
                  f" (want {want_rx}), other counters moved: {others}")
    return failed


def check_delivered(path, teid, ms, pdn):
    valid = [c for c, stat in CASES.items() if stat == "decap"]
    want = [gtp_payload(bytes(case_packet(c, "192.0.2.1", "192.0.2.2", teid, ms, pdn)[Raw].load))
            for c in valid]
    # the corpus runs over IPv4, then over IPv6, where no checksum is invalid
    want += [w for c, w in zip(valid, want) if c != "zero_udp_checksum"]
    got = [bytes(p) for p in rdpcap(path)]
    assert len(got) == len(want), f"{len(got)} packets delivered, {len(want)} expected"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"packet {i}: {g.hex()} != {w.hex()}"
    print(f"{len(want)} delivered packets identical to the inner packets sent")


def gtp_payload(gtp):
    """The T-PDU inside a GTP-U message built by gtp1()."""
    flags, _, length, _ = struct.unpack("!BBHI", gtp[:8])
    off = 8
    if flags & 0x07:
        off = 12
        nxt = gtp[11]
        while flags & 0x04 and nxt:
            elen = gtp[off] * 4
            nxt = gtp[off + elen - 1]
            off += elen
    return gtp[off:8 + length]


def main(argv):
    if argv[1] == "cases":
        for c, stat in CASES.items():
            print(c, stat)
    elif argv[1] == "send":
        raw_send(case_packet(argv[2], argv[3], argv[4], int(argv[5], 0), argv[6], argv[7]))
    elif argv[1] == "corpus":
        sys.exit(1 if run_corpus(argv[2], argv[3], argv[4], int(argv[5], 0),
                                 argv[6], argv[7]) else 0)
    elif argv[1] == "frags":
        send_fragments(argv[2], argv[3], argv[4], int(argv[5], 0), argv[6], argv[7])
    elif argv[1] == "gso":
        send_gso(argv[2], argv[3], [int(t, 0) for t in argv[4].split(",")], argv[5], argv[6])
    elif argv[1] == "inner-csum":
        send_inner_csum(argv[2])
    elif argv[1] == "delivered":
        check_delivered(argv[2], int(argv[3], 0), argv[4], argv[5])
    elif argv[1] == "serve":
        serve()
    else:
        sys.exit(__doc__)


def serve():
    sys.stdout.reconfigure(line_buffering=True)
    for line in sys.stdin:
        ns, *args = line.split()
        status = 0
        try:
            if ns == ".":
                main([sys.argv[0]] + args)
            else:
                in_netns(ns, lambda: main([sys.argv[0]] + args))
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except (AssertionError, OSError, ValueError, IndexError) as e:
            print(f"{type(e).__name__}: {e}")
            status = 1
        print(f"done {status}")


if __name__ == "__main__":
    main(sys.argv)
