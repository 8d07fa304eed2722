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
  gtpu_pkt.py delivered PCAP TEID MS PDN
      assert that PCAP, captured on the APN device during "corpus" over
      IPv4 and then IPv6, holds exactly the inner packets of the valid
      cases, byte for byte, in order
  gtpu_pkt.py check PCAP TEID [QFI]
      assert every GTP-U packet in PCAP byte by byte: flags, type,
      length, TEID, the PDU Session Container when QFI is given, and a
      correct UDP checksum
  gtpu_pkt.py serve
      run the commands above over and over, without paying for Python
      and scapy's start (seconds in an emulated guest) each time: read
      one command line at a time from standard input, answer with its
      output (a failed assertion as "AssertionError: ...") and a line
      "done STATUS", STATUS being the exit status it would have had
"""
import socket
import struct
import subprocess
import sys
import time

from scapy.all import IP, IPv6, UDP, ICMP, ICMPv6EchoRequest, Raw, rdpcap
from scapy.layers.inet import in4_chksum
from scapy.layers.inet6 import in6_chksum

GTPU_PORT = 2152


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
    payload = build(case, teid, ms, pdn)
    outer = IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)
    udp = UDP(sport=GTPU_PORT, dport=GTPU_PORT)
    pkt = outer / udp / Raw(payload)
    pkt = pkt.__class__(bytes(pkt))          # fills in lengths and checksums
    if case == "bad_udp_checksum":
        pkt[UDP].chksum ^= 0x5555
    elif case == "zero_udp_checksum":
        pkt[UDP].chksum = 0
    elif case == "udp_length_too_long":
        pkt[UDP].len += 8
        del pkt[UDP].chksum
        pkt = pkt.__class__(bytes(pkt))
    return pkt


def gw_counters(ns):
    out = subprocess.run(["ip", "netns", "exec", ns, "sh", "-c",
                          "cat /proc/net/nf_gtpu; echo rx_apn0 $(cat /sys/class/net/apn0/statistics/rx_packets)"],
                         capture_output=True, text=True, check=True).stdout
    return {k: int(v) for k, v in (l.split() for l in out.splitlines())}


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
        got, rx = after[stat] - before[stat], after["rx_apn0"] - before["rx_apn0"]
        others = [k for k in after if k not in (stat, "rx_apn0") and after[k] != before[k]]
        if got == 1 and rx == want_rx and not others:
            print(f"PASS: IPv{fam} {case}: {stat}")
        else:
            failed += 1
            print(f"FAIL: IPv{fam} {case}: {stat} +{got} (want 1), apn0 rx +{rx}"
                  f" (want {want_rx}), other counters moved: {others}")
    return failed


def check_pcap(path, teid, qfi=None):
    n = 0
    for p in rdpcap(path):
        l3 = p[IPv6] if IPv6 in p else p[IP]
        if UDP not in l3 or l3[UDP].dport != GTPU_PORT:
            continue
        udp = l3[UDP]
        raw = bytes(udp.payload)
        n += 1
        flags, mtype, length, got_teid = struct.unpack("!BBHI", raw[:8])
        want_flags = 0x34 if qfi is not None else 0x30
        assert flags == want_flags, f"flags {flags:#x} != {want_flags:#x}"
        assert mtype == 255, f"type {mtype}"
        assert length == len(raw) - 8, f"length {length} != {len(raw) - 8}"
        assert got_teid == teid, f"teid {got_teid:#x} != {teid:#x}"
        hlen = 8
        if qfi is not None:
            assert raw[8:12] == b"\0\0\0\x85", f"optional fields {raw[8:12].hex()}"
            assert raw[12:16] == bytes([1, 0x00, qfi, 0]), f"container {raw[12:16].hex()}"
            hlen = 16
        assert raw[hlen] >> 4 in (4, 6), "inner is not IP"
        assert udp.len == len(raw) + 8, "udp length"
        if udp.chksum:
            proto = 17
            chk = (in6_chksum(proto, l3, bytes(udp)) if IPv6 in p
                   else in4_chksum(proto, l3, bytes(udp)))
            assert chk == 0, f"bad UDP checksum {udp.chksum:#x}"
        elif IPv6 in p:
            raise AssertionError("zero UDP checksum over IPv6")
    assert n > 0, "no GTP-U packet captured"
    print(f"checked {n} GTP-U packets")


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
    elif argv[1] == "delivered":
        check_delivered(argv[2], int(argv[3], 0), argv[4], argv[5])
    elif argv[1] == "check":
        check_pcap(argv[2], int(argv[3], 0), int(argv[4]) if len(argv) > 4 else None)
    elif argv[1] == "serve":
        serve()
    else:
        sys.exit(__doc__)


def serve():
    sys.stdout.reconfigure(line_buffering=True)
    for line in sys.stdin:
        status = 0
        try:
            main([sys.argv[0]] + line.split())
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except (AssertionError, OSError, ValueError, IndexError) as e:
            print(f"{type(e).__name__}: {e}")
            status = 1
        print(f"done {status}")


if __name__ == "__main__":
    main(sys.argv)
