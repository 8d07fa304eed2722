#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Write the seed corpus of fuzz_gtpu_parse into fuzz/corpus/ (or the
# directory given as the only argument).  Deterministic: running it again
# rewrites the same files byte for byte.
#
# Every seed is three control bytes followed by a UDP payload, as
# fuzz_gtpu_parse.c reads it:
#   ctl[0] & 3: 0 kernel call (udp_plen = payload length, buf_len =
#                 min(udp_plen, 256))
#               1 short buffer (buf_len = min(payload length, ctl[1]))
#               2 long payload (udp_plen = payload length + be16(ctl[1:3]))
#               3 caller error (udp_plen < buf_len)
# The GTP-U headers are built by hand from TS 29.281 (v1), GSM 09.60 (v0)
# and TS 38.415 (PDU Session Container), no scapy needed.

import os
import struct
import sys

# GTPv1 flags octet: version 1 (0x20), PT (0x10), E 0x04, S 0x02, PN 0x01
V1 = 0x20 | 0x10
E, S, PN = 0x04, 0x02, 0x01
TPDU, ECHO_REQ, ECHO_RSP, ERROR_IND, END_MARKER = 255, 1, 2, 26, 254
EXT_PDU_SESSION, EXT_UDP_PORT, EXT_PDCP, EXT_LONG_PDCP = 0x85, 0x40, 0xc0, 0x82
EXT_SCI, EXT_LONG_PDCP_NR = 0x20, 0x03

# A minimal IPv4/UDP inner packet (20 + 8 bytes), payload of a T-PDU.
INNER = bytes.fromhex("4500001c00010000401100000a0000010a000002"
                      "303930390008" "0000")

KERNEL, SHORT, LONG, CALLER_ERR = 0, 1, 2, 3


def ctl(mode=KERNEL, a=0, b=0):
    return bytes([mode, a, b])


def ext(next_type, content):
    """One extension header: length octet (4-octet units), content, next
    type.  content is padded with zeros to a multiple of 4 octets."""
    body = bytes(content)
    while (len(body) + 2) % 4:
        body += b"\0"
    return bytes([(len(body) + 2) // 4]) + body + bytes([next_type])


def pdu_session(next_type, pdu_type, qfi, extra=b""):
    """TS 38.415 PDU Session Container: octet 1 PDU type << 4, octet 2
    QFI (DL: PPP, RQI, QFI; UL: spare, QFI)."""
    return ext(next_type, bytes([pdu_type << 4, qfi]) + extra)


def v1(msg_type, teid, rest, flags=0, seq=None, npdu=0, next_type=0,
       exts=b"", length=None):
    """A GTPv1-U message; the optional 4 octets (sequence, N-PDU, next
    type) are present when any of E, S, PN is set in flags."""
    opt = b""
    if flags & (E | S | PN):
        opt = struct.pack(">HBB", seq or 0, npdu, next_type)
    body = opt + exts + rest
    if length is None:
        length = len(body)
    return struct.pack(">BBHI", V1 | flags, msg_type, length, teid) + body


def v0(msg_type, seq, tid, rest, flow=0, length=None):
    """A GTPv0 message: 20-octet header, version 0, PT 1, spare 111, SNN 0,
    type, length (T-PDU only), sequence, flow label, SNDCP N-PDU number,
    3 spare octets, 8-octet TID."""
    if length is None:
        length = len(rest)
    return struct.pack(">BBHHHB3sQ", 0x1e, msg_type, length, seq, flow,
                       0xff, b"\xff\xff\xff", tid) + rest


SEEDS = {
    # --- valid GTPv1-U ---------------------------------------------------
    # Plain T-PDU, 8-octet header, no optional fields.
    "v1-tpdu-plain": ctl() + v1(TPDU, 0x11223344, INNER),
    # S set: sequence number present, next type 0.
    "v1-tpdu-seq": ctl() + v1(TPDU, 1, INNER, flags=S, seq=0x1234),
    # PN only: the optional octets are there, N-PDU number 7.
    "v1-tpdu-pn": ctl() + v1(TPDU, 2, INNER, flags=PN, npdu=7),
    # E, S and PN together, next type 0: empty chain.
    "v1-tpdu-e-empty": ctl() + v1(TPDU, 3, INNER, flags=E | S | PN, seq=9),
    # S only with a garbage next-type octet: E clear, so it is ignored.
    "v1-tpdu-s-junk-next": ctl() + v1(TPDU, 4, INNER, flags=S, seq=1,
                                     next_type=0xff),
    # PDU Session Container, UL (type 1), QFI 9.
    "v1-pdu-session-ul": ctl() + v1(TPDU, 5, INNER, flags=E,
                                    next_type=EXT_PDU_SESSION,
                                    exts=pdu_session(0, 1, 9)),
    # PDU Session Container, DL (type 0), PPP and RQI bits set, QFI 63.
    "v1-pdu-session-dl": ctl() + v1(TPDU, 6, INNER, flags=E | S, seq=2,
                                    next_type=EXT_PDU_SESSION,
                                    exts=pdu_session(0, 0, 0xc0 | 63)),
    # DL container 8 octets long (PPI etc. in the second word).
    "v1-pdu-session-dl-long": ctl() + v1(TPDU, 7, INNER, flags=E,
                                         next_type=EXT_PDU_SESSION,
                                         exts=pdu_session(0, 0, 5,
                                                          b"\xa0\0\0\0")),
    # Chain: UDP port, PDCP PDU number, PDU Session Container.
    "v1-chain-3": ctl() + v1(TPDU, 8, INNER, flags=E, next_type=EXT_UDP_PORT,
                             exts=ext(EXT_PDCP, b"\x08\x68") +
                             ext(EXT_PDU_SESSION, b"\x00\x2a") +
                             pdu_session(0, 1, 1)),
    # Chain of every supported type, then an unknown type without the
    # comprehension bit (0x01), which must be skipped.
    "v1-chain-all": ctl() + v1(TPDU, 9, INNER, flags=E | S, seq=3,
                               next_type=EXT_SCI,
                               exts=ext(EXT_LONG_PDCP_NR, b"\x01\x02") +
                               ext(EXT_LONG_PDCP, b"\x00\x01\x02\x03\x04\x05") +
                               ext(EXT_UDP_PORT, b"\x00\x01\x02\x03\x04\x05") +
                               ext(EXT_PDCP, b"\x08\x68") +
                               ext(EXT_PDU_SESSION, b"\x12\x34") +
                               ext(0x01, bytes([0x10, 3])) +
                               ext(0, b"\xde\xad")),
    # Two PDU Session Containers: the last one wins.
    "v1-two-pdu-sessions": ctl() + v1(TPDU, 10, INNER, flags=E,
                                      next_type=EXT_PDU_SESSION,
                                      exts=pdu_session(EXT_PDU_SESSION, 0, 4) +
                                      pdu_session(0, 1, 8)),
    # Echo request with sequence number, no payload (TS 29.281 7.2.1).
    "v1-echo-req": ctl() + v1(ECHO_REQ, 0, b"", flags=S, seq=0x4242),
    # Echo response with a Recovery IE.
    "v1-echo-rsp": ctl() + v1(ECHO_RSP, 0, b"\x0e\x00", flags=S, seq=0x4242),
    # End marker: header only, length 0.
    "v1-end-marker": ctl() + v1(END_MARKER, 0xabcdef01, b""),
    # Error indication with TEID Data I and GSN address IEs.
    "v1-error-ind": ctl() + v1(ERROR_IND, 0, b"\x10\x00\x00\x00\x05"
                               b"\x85\x00\x04\x0a\x00\x00\x01", flags=S),
    # T-PDU of 300 octets: UDP payload longer than the 256-octet window.
    "v1-tpdu-big": ctl() + v1(TPDU, 11, bytes(range(256)) + bytes(44)),

    # --- valid GTPv0 -----------------------------------------------------
    # GTPv0 T-PDU on port 3386: 20-octet header, TID 0x0102030405060708.
    "v0-tpdu": ctl() + v0(TPDU, 1, 0x0102030405060708, INNER),
    # GTPv0 echo request, header only.
    "v0-echo-req": ctl() + v0(ECHO_REQ, 77, 0, b""),

    # --- other caller views of valid packets ----------------------------
    # Chain of 3 in a 20-octet window: the chain runs past what the caller
    # made available (GTPU_ERR_EXT_CHAIN).
    "short-buf-chain": ctl(SHORT, 20) + v1(TPDU, 12, INNER, flags=E,
                                           next_type=EXT_UDP_PORT,
                                           exts=ext(EXT_PDCP, b"\0\1") +
                                           ext(EXT_PDU_SESSION, b"\0\2") +
                                           pdu_session(0, 1, 1)),
    # 10-octet window on a header with optional fields: truncated.
    "short-buf-opt": ctl(SHORT, 10) + v1(TPDU, 13, INNER, flags=S, seq=1),
    # Only the 12-octet header is available, the UDP payload is 1000
    # octets longer: length field says so.
    "long-payload": ctl(LONG, 0x03, 0xe8) +
    v1(TPDU, 14, b"", flags=S, seq=5, length=4 + 1000),
    # udp_plen smaller than buf_len: the parser must refuse.
    "caller-err": ctl(CALLER_ERR, 3) + v1(TPDU, 15, INNER),

    # --- bad headers -----------------------------------------------------
    # 7 octets: shorter than the mandatory header.
    "bad-truncated-7": ctl() + v1(TPDU, 1, b"")[:7],
    # Optional fields announced, but the length field (2) leaves room for
    # only 10 octets: GTPU_ERR_LENGTH.
    "bad-truncated-opt": ctl() + v1(TPDU, 1, b"", flags=S, length=2)[:10],
    # Version 2 (GTPv2-C on the user-plane port).
    "bad-version-2": ctl() + bytes([0x48, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]),
    # PT clear: GTP'.
    "bad-gtp-prime": ctl() + bytes([0x20 | S, 1]) + v1(TPDU, 0, b"")[2:],
    # Length field one more than the payload.
    "bad-length": ctl() + v1(TPDU, 16, INNER, length=len(INNER) + 1),
    # Extension with length 0.
    "bad-ext-len-0": ctl() + v1(TPDU, 17, INNER, flags=E,
                                next_type=EXT_PDU_SESSION,
                                exts=b"\x00\x10\x01\x00"),
    # Extension claiming 8 units (32 octets) at the end of the packet.
    "bad-ext-overrun": ctl() + v1(TPDU, 18, b"", flags=E,
                                  next_type=EXT_PDU_SESSION,
                                  exts=b"\x08\x10\x01\x00"),
    # Chain whose last next-type points past the end of the header.
    "bad-ext-dangling": ctl() + v1(TPDU, 19, b"", flags=E,
                                   next_type=EXT_PDCP,
                                   exts=ext(EXT_PDU_SESSION, b"\0\1")),
    # PDU Session Container with PDU type 2: malformed content.
    "bad-pdu-type-2": ctl() + v1(TPDU, 20, INNER, flags=E,
                                 next_type=EXT_PDU_SESSION,
                                 exts=pdu_session(0, 2, 1)),
    # Unknown comprehension-required extension 0x81.
    "bad-ext-unsupported": ctl() + v1(TPDU, 21, INNER, flags=E,
                                      next_type=0x81,
                                      exts=ext(0, b"\0\0")),
    # 70 extensions of 4 octets in a 300-octet payload: longer than 256.
    "bad-chain-too-long": ctl() + v1(TPDU, 22, bytes(8), flags=E,
                                     next_type=EXT_UDP_PORT,
                                     exts=ext(EXT_UDP_PORT, b"\0\0") * 69 +
                                     ext(0, b"\0\0")),
    # GTPv0 with its length field counting the header too.
    "bad-v0-length": ctl() + v0(TPDU, 1, 1, INNER, length=20 + len(INNER)),
    # GTPv0 cut to 16 octets.
    "bad-v0-truncated": ctl() + v0(TPDU, 1, 1, b"", length=0)[:16],
}


def write_corpus(out, seeds):
    """One file a seed; make-pfcp-seeds.py writes its corpus with it too."""
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {out}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    write_corpus(out, SEEDS)


if __name__ == "__main__":
    main()
