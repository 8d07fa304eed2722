#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check captured GTP-U T-PDUs byte by byte, without scapy.

  gtpu_wire.py PCAP TEID [QFI]
      every GTP-U packet (UDP port 2152) in PCAP, an Ethernet capture
      as tcpdump writes it, must have flags 0x30 (0x34 with QFI: a PDU
      Session Container carrying QFI), type 255, the length of what
      follows its first 8 octets, TEID, an IP packet inside, the UDP
      length of its datagram and a correct UDP checksum (zero allowed
      over IPv4 only); prints "checked N GTP-U packets", or the first
      mismatch and exits 1

Parsed from the bytes up with struct, as RFC 768, RFC 8200 8.1 and TS
29.281 5.1-5.2 lay them out: importing scapy takes tens of seconds in
the emulated test VM, and this check runs after every test's traffic.
"""
import struct
import sys

GTPU_PORT = 2152
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86dd
IPPROTO_UDP = 17


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    end = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
           b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}[magic]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "IIII", data[off:off + 16])[2]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def udp_of(frame):
    """(pseudo-header, UDP datagram, is IPv6) of an Ethernet frame, or None."""
    etype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if etype == ETH_P_IP:
        ihl = (ip[0] & 0x0f) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != IPPROTO_UDP or struct.unpack("!H", ip[6:8])[0] & 0x3fff:
            return None                    # not UDP, or a fragment
        udp = ip[ihl:total]
        pseudo = ip[12:20] + struct.pack("!BBH", 0, IPPROTO_UDP, len(udp))
        return pseudo, udp, False
    if etype == ETH_P_IPV6:
        if ip[6] != IPPROTO_UDP:
            return None                    # extension headers: not ours
        udp = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
        pseudo = ip[8:40] + struct.pack("!IxxxB", len(udp), IPPROTO_UDP)
        return pseudo, udp, True
    return None


def check(path, teid, qfi=None):
    n = 0
    for frame in pcap_frames(path):
        got = udp_of(frame)
        if not got:
            continue
        pseudo, udp, v6 = got
        sport, dport, ulen, ucsum = struct.unpack("!HHHH", udp[:8])
        if dport != GTPU_PORT:
            continue
        raw = udp[8:]
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
        assert ulen == len(udp), "udp length"
        if ucsum:
            assert csum(pseudo + udp) == 0xffff, f"bad UDP checksum {ucsum:#x}"
        else:
            assert not v6, "zero UDP checksum over IPv6"
    assert n > 0, "no GTP-U packet captured"
    print(f"checked {n} GTP-U packets")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    try:
        check(sys.argv[1], int(sys.argv[2], 0),
              int(sys.argv[3]) if len(sys.argv) > 3 else None)
    except AssertionError as e:
        sys.exit(f"AssertionError: {e}")
