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
      "send" over and over, without paying for Python and scapy's start
      (seconds in an emulated guest) each time: read one line of send's
      arguments (LADDR RADDR KIND... as above) at a time from standard
      input and answer with send's output followed by a line "done".
  gtpu_sig.py listen LADDR OUT SECONDS
      a daemon's socket: bind LADDR port 2152 and write the type of every
      GTP-U message received to OUT, one line each, for SECONDS.
"""
import ipaddress
import select
import socket
import sys
import time

from scapy.contrib.gtp import (GTPEchoRequest, GTPErrorIndication, GTPHeader,
                               GTP_UDPPort_ExtensionHeader, IE_GSNAddress,
                               IE_Recovery, IE_TEIDI)
from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

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


def serve(argv):
    sys.stdout.reconfigure(line_buffering=True)
    for line in sys.stdin:
        try:
            send(line.split())
        except (OSError, ValueError) as e:
            print(f"error: {e}")
        print("done")


def listen(argv):
    laddr, out, seconds = argv[0], argv[1], float(argv[2])
    s = udp_socket(laddr)
    end = time.monotonic() + seconds
    with open(out, "w", buffering=1) as f:
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            data, src = s.recvfrom(65535)
            f.write(f"{describe(data)} from={src[0]}\n")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("send", "serve", "listen"):
        sys.exit(__doc__)
    {"send": send, "serve": serve, "listen": listen}[sys.argv[1]](sys.argv[2:])
