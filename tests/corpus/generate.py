#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generate the malformed GTP-U corpus that tests/gtpu_corpus.sh sends.

  generate.py [--out DIR]     write ipv4.pcap, ipv6.pcap, ipv4-apn0.pcap,
                              ipv6-apn0.pcap and MANIFEST (default: here)
  generate.py --check [DIR]   regenerate in memory, compare with DIR

Deterministic: no random values, no clock; every pcap record carries the
case number as its timestamp.  Packets are built with scapy (outer IP/IPv6,
UDP, the inner packets, scapy.contrib.gtp's GTP-U header and extension
layers, tests/gtpu_layers.py for the rest), then broken on purpose.

FAMILY.pcap holds the Ethernet frames sent from the peer (02:00:00:00:00:01,
192.0.2.1 / 2001:db8:1::1) to the gateway (02:00:00:00:00:02, 192.0.2.2 /
2001:db8:1::2), in MANIFEST order; FAMILY-apn0.pcap (raw IP) the packets
apn0 must deliver, one for each "decap" in the expect or known columns,
in the same order.  MANIFEST's header says what its columns mean.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.dont_write_bytecode = True    # no __pycache__ in the source tree

from gtpu_layers import (GTP_PDCP_PDU_ExtensionHeader,  # noqa: E402
                         GTP_UDPPort_ExtensionHeader, GTPErrorIndication,
                         IE_GSNAddress, IE_Recovery,
                         IE_TEIDI, IP, UDP, Ether, IPOption, IPv6,
                         LongPDCPPDUNumber, PDUSessionContainer, Raw,
                         UnknownExtension, gtp0, gtp1, inner_packet,
                         private_extension)
from scapy.layers.inet import fragment  # noqa: E402
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_RS,  # noqa: E402
                                ICMPv6NDOptSrcLLAddr, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                IPv6ExtHdrRouting, PadN, RouterAlert,
                                fragment6)

PEER_MAC, GW_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
OTHER_MAC = "02:00:00:00:00:99"
PEER = {4: "192.0.2.1", 6: "2001:db8:1::1"}
GW = {4: "192.0.2.2", 6: "2001:db8:1::2"}
MS = {4: "10.45.0.2", 6: "2001:db8:45::2"}
PDN = {4: "198.51.100.2", 6: "2001:db8:100::2"}
TEID = {4: 0x1234, 6: 0x1236}
TID = {4: 0x1122334455667788, 6: 0x1122334455667789}
NOCTX = 0x9999
V1, V0 = 2152, 3386
RULES = 2           # decap rules on each port: not_tpdu counts per rule

HEADER = """\
# The malformed GTP-U corpus of tests/gtpu_corpus.sh, made by generate.py.
# Do not edit: change generate.py and run it (make check checks, on the
# host, that the files are what it generates).
#
# The gateway (see gtpu_corpus.sh): in raw PREROUTING of iptables and of
# ip6tables, "-i g0 -p udp -j GTPU --decap" rules for TEID 0x1234 (MS
# 10.45.0.2), TEID 0x1236 (MS 2001:db8:45::2), GTPv0 TID 0x1122334455667788
# (MS 10.45.0.2) and TID ...7789 (MS 2001:db8:45::2), all to apn0, then an
# NFLOG rule (hook "pre"); or one nft netdev ingress rule on g0, "gtp decap
# to apn0 . 10.45.0.2", then a log rule (hook "ingress").
#
# columns:
#   id       case number (also the pcap timestamp, in seconds)
#   family   outer header: ipv4 (frames in ipv4.pcap) or ipv6
#   hook     pre or ingress, as above
#   frames   how many consecutive frames of FAMILY.pcap the case sends
#   linear   -: sent through a plain packet socket; N: the skb holds only
#            the first N octets of the frame in its linear area, the rest
#            in page fragments (see gtpu_corpus.sh)
#   expect   what must happen, comma-separated:
#              stat:NAME[*N]  /proc/net/nf_gtpu NAME rises by N (default 1);
#                             every other statistic stays put
#              decap          delivered on apn0, byte for byte the next
#                             packet of FAMILY-apn0.pcap (decap rises by 1)
#              pass           left to the ruleset unchanged: the NFLOG rule
#                             after the decap rules sees the frame's IP packet
#              mib:KEY[*N]    a kernel MIB counter rises by N (Udp.InErrors,
#                             IpExt.ReasmOverlaps, Udp6InErrors, ...)
#              timeout:KEY    KEY rises once the fragment queues time out
#              none           none of these, and nothing delivered or logged
#   known    -, or what the module does today where that differs from expect
#            (reported as XFAIL; see docs/conformance.md); a timeout there
#            is the IP layer's queue for a fragment the module passed
#   name     category-detail: how it was made
"""

CASES = []


class Case:
    def __init__(self, family, name, frames, expect, known="-", linear="-", hook="pre",
                 delivered=(), desc=""):
        self.family, self.name, self.frames = family, name, [bytes(f) for f in frames]
        self.expect, self.known, self.linear, self.hook = expect, known, linear, hook
        self.delivered = [bytes(d) for d in delivered]
        self.desc = desc
        assert ("decap" in expect.split(",")) + ("decap" in known.split(",")) == len(self.delivered)


def add(*args, **kw):
    CASES.append(Case(*args, **kw))


# --------------------------------------------------------------------------
# Builders

def eth():
    return Ether(src=PEER_MAC, dst=GW_MAC)


def outer(f, **kw):
    if f == 4:
        return IP(src=PEER[f], dst=GW[f], **kw)
    return IPv6(src=PEER[f], dst=GW[f], **kw)


def udp_datagram(f, payload, dport=V1, sport=V1):
    """UDP header and payload with the checksum scapy computes (RFC 768)."""
    pkt = outer(f) / UDP(sport=sport, dport=dport) / Raw(bytes(payload))
    return bytes(pkt)[20 if f == 4 else 40:]


def frame(f, payload=None, dport=V1, udp=None, ulen=None, csum=None, trail=b""):
    """An Ethernet frame carrying UDP (built, or UDP as given), with the
    UDP length or checksum overwritten and octets after the datagram."""
    u = bytearray(udp if udp is not None else udp_datagram(f, payload, dport))
    if ulen is not None and len(u) >= 6:
        u[4:6] = struct.pack("!H", ulen)
    if csum is not None and len(u) >= 8:
        u[6:8] = struct.pack("!H", csum)
    ip = outer(f, proto=17) if f == 4 else outer(f, nh=17)
    return bytes(eth() / ip / Raw(bytes(u) + trail))


def with_outer(f, frm, dst_mac=None, **fields):
    """FRM with outer IP header fields (or the Ethernet destination)
    overwritten; the IPv4 header checksum is recomputed unless given."""
    p = Ether(frm)
    if dst_mac:
        p.dst = dst_mac
    ip = p[IP] if f == 4 else p[IPv6]
    for k, v in fields.items():
        setattr(ip, k, v)
    if f == 4 and "chksum" not in fields:
        del ip.chksum
    return bytes(p)


def inner(f, n=0, size=16, src=None):
    return inner_packet(f, src or MS[f], PDN[f], n, size)


def chain3(pdu_type=1):
    """A PDU Session Container, a PDCP PDU Number and a Long PDCP PDU
    Number: 16 octets of extension headers."""
    return [(0x85, PDUSessionContainer(type=pdu_type, QFI=9)),
            (0xc0, GTP_PDCP_PDU_ExtensionHeader(pdcp_pdu=0x1234)),
            (0x82, LongPDCPPDUNumber(pdcp=0x2abcd))]


def tpdu(f, inner_f=None, n=0, size=16, chain=(), **kw):
    """(GTP-U T-PDU bytes, inner packet bytes) for the context of inner_f."""
    inner_f = inner_f or 4
    ip = bytes(inner(inner_f, n, size))
    return bytes(gtp1(TEID[inner_f], Raw(ip), list(chain), **kw)), ip


def set_len(gtp, length):
    return gtp[:2] + struct.pack("!H", length & 0xffff) + gtp[4:]


def fam(f):
    return f"ipv{f}"


# --------------------------------------------------------------------------
# Categories; each function adds its cases for outer family f.

def udp_trunc(f):
    full = udp_datagram(f, tpdu(f)[0])
    for k in range(8):
        add(f, f"udp-trunc-{k}", [frame(f, udp=full[:k])],
            f"pass,mib:{'Udp.InErrors' if f == 4 else 'Udp6InErrors'}",
            desc=f"IP payload is the first {k} octets of the UDP header: the module "
                 "cannot read the header and leaves it alone, the UDP layer drops it")


def udp_len(f):
    g, ip = tpdu(f, n=1)
    real = 8 + len(g)
    for v, why in ((0, "0"), (1, "1"), (7, "7, shorter than the header"),
                   (real + 1, "one octet past the packet"), (real + 8, "8 octets past the packet"),
                   (0xffff, "0xffff")):
        add(f, f"udp-len-{v}", [frame(f, g, ulen=v)], "stat:bad_udp_length",
            desc=f"UDP length {why}")
    add(f, "udp-len-8", [frame(f, udp=udp_datagram(f, b""))], "stat:bad_header",
        desc="UDP length 8: a UDP header and no GTP-U header at all")
    # The UDP layer (RFC 768) ignores IP payload octets past the UDP length.
    short = udp_datagram(f, g[:-1])
    add(f, "udp-len-short-1", [frame(f, udp=short, trail=g[-1:])], "stat:bad_header",
        desc="UDP length one octet short of the IP payload, checksum over the "
             "UDP length (RFC 768): the GTP-U length then runs past the UDP "
             "payload")
    add(f, "udp-trailer", [frame(f, g, trail=b"TRAIL")], "decap", delivered=[ip],
        desc="a valid datagram followed by 5 octets inside the IP payload but "
             "outside the UDP length, which delimits the datagram")
    if f == 4:
        add(f, "udp-trailer-csum0", [frame(f, g, trail=b"TRAIL", csum=0)], "decap",
            delivered=[ip], desc="the same with no UDP checksum (zero, legal over IPv4)")


def gtp_trunc(f):
    g, ip = tpdu(f, n=2, chain=chain3(), S=1, seq=7)
    assert len(g) == 28 + len(ip)
    for k in range(8):
        add(f, f"gtp-trunc-hdr-{k}", [frame(f, g[:k])], "stat:bad_header",
            desc=f"GTP-U mandatory header cut after {k} octets")
    for k in range(8, 12):
        add(f, f"gtp-trunc-opt-{k}", [frame(f, set_len(g[:k], k - 8))], "stat:bad_header",
            desc=f"S and E set, cut after {k} octets, inside the optional fields, "
                 "the length field saying so")
    for k in range(12, 28):
        where = ("PDU Session Container" if k < 16 else "PDCP PDU Number" if k < 20
                 else "Long PDCP PDU Number")
        add(f, f"gtp-trunc-ext-{k}", [frame(f, set_len(g[:k], k - 8))], "stat:bad_extension",
            desc=f"cut after {k} octets, in or after the {where} extension header, whose "
                 "next type promises more; the length field saying so")
    for k in range(28, 48):
        add(f, f"gtp-trunc-inner-{k - 28}", [frame(f, set_len(g[:k], k - 8))], "stat:bad_inner",
            desc=f"complete GTP-U header, T-PDU cut to {k - 28} octets of the inner "
                 "IPv4 header, the length field saying so")
    for k in (8, 12, 20, 40):
        add(f, f"gtp-trunc-keeplen-{k}", [frame(f, g[:k])], "stat:bad_header",
            desc=f"cut after {k} octets, the length field still that of the whole message")
    v0 = bytes(gtp0(TID[4], Raw(bytes(inner(4, 3)))))
    for k in range(21):
        cut = v0[:k]
        if k >= 4:
            cut = set_len(cut, max(k - 20, 0))
        add(f, f"gtp0-trunc-{k}", [frame(f, cut, dport=V0)],
            "stat:bad_inner" if k == 20 else "stat:bad_header",
            desc=f"GTPv0 message to port 3386 cut after {k} octets"
                 + (" (length field 0): an empty T-PDU" if k == 20 else
                    " of its 20-octet header" + (", the length field saying so" if k >= 4 else "")))


def gtp_length(f):
    g, ip = tpdu(f, n=4)
    n = len(g) - 8
    for v, why in ((0, "0"), (n - 1, "one short"), (n + 1, "one long"), (n + 4, "four long"),
                   (n + 8, "counting the mandatory header"), (0xffff, "0xffff")):
        add(f, f"gtp-len-{v}", [frame(f, set_len(g, v))], "stat:bad_header",
            desc=f"GTPv1 length field {why} ({v}, payload {n})")
    g2, _ = tpdu(f, n=4, S=1, seq=1)
    add(f, "gtp-len-opt-uncounted", [frame(f, set_len(g2, len(g2) - 12))], "stat:bad_header",
        desc="S set, the length field not counting the 4 optional octets")
    v0 = bytes(gtp0(TID[4], Raw(bytes(inner(4, 4)))))
    m = len(v0) - 20
    for v, why in ((0, "0"), (m - 1, "one short"), (m + 1, "one long"), (m + 20, "counting the header")):
        add(f, f"gtp0-len-{v}", [frame(f, set_len(v0, v), dport=V0)], "stat:bad_header",
            desc=f"GTPv0 length field {why} ({v}, payload {m})")


def ext_len(f):
    ip = bytes(inner(4, 5))

    def msg(chain, first=None):
        return bytes(gtp1(TEID[4], Raw(ip), chain, next_ex=first))

    psc = (0x85, PDUSessionContainer(type=1, QFI=9))
    pdcp = (0xc0, GTP_PDCP_PDU_ExtensionHeader(pdcp_pdu=1))
    cases = [
        ("zero-first", [(0x85, PDUSessionContainer(type=1, QFI=9, ExtHdrLen=0))],
         "the first extension header (PDU Session Container) says length 0"),
        ("zero-second", [psc, (0xc0, GTP_PDCP_PDU_ExtensionHeader(length=0, pdcp_pdu=1))],
         "the second extension header (PDCP PDU Number) says length 0"),
        ("zero-unknown", [(0x3f, UnknownExtension(length=0))],
         "an extension of a non-required unknown type says length 0"),
        ("past-end-255", [(0x40, GTP_UDPPort_ExtensionHeader(length=255, udp_port=1))],
         "a UDP Port extension header says 255 units (1020 octets), in a short packet"),
    ]
    for name, chain, why in cases:
        add(f, f"ext-len-{name}", [frame(f, msg(chain))], "stat:bad_extension", desc=why)
    # Lengths that reach exactly to, or just past, the end of the message.
    total = 12 + len(ip)
    units = (total - 12) // 4
    body = bytes(gtp1(TEID[4], None, E=1, next_ex=0x3f))
    exact = bytes([units]) + bytes(units * 4 - 2) + b"\0"
    g = body + exact
    add(f, "ext-len-whole-tpdu", [frame(f, set_len(g, len(g) - 8))], "stat:bad_inner",
        desc="one unknown non-required extension header spanning the whole rest of "
             "the message: a valid chain and an empty T-PDU")
    g = body + bytes([units + 1]) + bytes(units * 4 - 2) + b"\0"
    add(f, "ext-len-past-end-1", [frame(f, set_len(g, len(g) - 8))], "stat:bad_extension",
        desc="an extension header one unit longer than what is left of the message")
    g = body + bytes([units]) + bytes(units * 4 - 2) + b"\x3f"
    add(f, "ext-len-dangling", [frame(f, set_len(g, len(g) - 8))], "stat:bad_extension",
        desc="the last extension header ends the message but names a next one")
    add(f, "ext-len-dangling-into-tpdu",
        [frame(f, bytes(gtp1(TEID[4], Raw(ip), [(0x3f, UnknownExtension(next_ex=0x3f))])))],
        "stat:bad_extension",
        desc="the last extension header names a next one: the T-PDU's first octet "
             "(0x45) is read as a length of 69 units, past the end")
    for t in (2, 3, 15):
        # scapy's container only knows types 0 and 1: the octets by hand
        add(f, f"ext-psc-type-{t}", [frame(f, msg([(0x85, UnknownExtension(content=bytes([t << 4, 1])))]))],
            "stat:bad_extension", desc=f"PDU Session Container of PDU type {t} (only 0 DL, 1 UL exist)")
    add(f, "ext-len-psc-then-zero", [frame(f, msg([psc, pdcp, (0x3f, UnknownExtension(length=0))]))],
        "stat:bad_extension", desc="a valid PDU Session Container and PDCP number, then length 0")


def ext_chain(f):
    ip = bytes(inner(4, 6))

    def unknowns(n):
        return [(0x3f, UnknownExtension(content=bytes([i, 0])))
                for i in range(n)]
    g = bytes(gtp1(TEID[4], Raw(ip), unknowns(61)))
    add(f, "ext-chain-256", [frame(f, g)], "decap", delivered=[ip],
        desc="61 one-unit extension headers: a 256-octet GTP-U header, the longest accepted")
    for n in (62, 70, 200):
        add(f, f"ext-chain-{n}", [frame(f, bytes(gtp1(TEID[4], Raw(ip), unknowns(n))))],
            "stat:bad_extension",
            desc=f"{n} one-unit extension headers: a {12 + 4 * n}-octet header, longer "
                 "than any legal chain (more than 256 octets)")
    big = [(0x3f, UnknownExtension(content=bytes(254)))]
    add(f, "ext-chain-one-256", [frame(f, bytes(gtp1(TEID[4], Raw(ip), big)))],
        "stat:bad_extension", desc="a single 64-unit (256-octet) extension header")
    two = [(0x85, PDUSessionContainer(type=1, QFI=9)), (0x85, PDUSessionContainer(type=1, QFI=10))]
    add(f, "ext-chain-psc-twice", [frame(f, bytes(gtp1(TEID[4], Raw(ip), two)))], "decap",
        delivered=[ip], desc="two PDU Session Containers in one chain")


# An unsupported comprehension-required extension: counted by each decap
# rule the message crosses and left to the ruleset, where "gtp reply" may
# answer it with a Supported Extension Headers Notification.
UNSUPPORTED = "stat:unsupported_extension*2,pass"


def ext_unsupported(f):
    ip = bytes(inner(4, 7))
    for t, what in ((0x81, "RAN Container"), (0x83, "Xw RAN Container"),
                    (0x84, "NR RAN Container"), (0x86, "unassigned"), (0xa0, "unassigned"),
                    (0xbf, "unassigned"), (0xc1, "reserved, control plane"),
                    (0xc2, "reserved, control plane"), (0xff, "unassigned")):
        add(f, f"ext-required-{t:02x}",
            [frame(f, bytes(gtp1(TEID[4], Raw(ip), [(t, UnknownExtension(content=b"\1\2"))])))],
            UNSUPPORTED,
            desc=f"extension type {t:#04x} ({what}), comprehension required, first in the chain")
    chain = [(0x85, PDUSessionContainer(type=1, QFI=9)),
             (0xc0, GTP_PDCP_PDU_ExtensionHeader(pdcp_pdu=1)),
             (0x84, UnknownExtension(content=bytes(6)))]
    add(f, "ext-required-after-known", [frame(f, bytes(gtp1(TEID[4], Raw(ip), chain)))],
        UNSUPPORTED,
        desc="PDU Session Container, PDCP PDU Number, then an NR RAN Container (0x84)")
    chain = [(0x3f, UnknownExtension()), (0xc1, UnknownExtension())]
    add(f, "ext-required-after-optional", [frame(f, bytes(gtp1(TEID[4], Raw(ip), chain)))],
        UNSUPPORTED,
        desc="an unknown type that may be skipped (0x3f), then one that may not (0xc1)")
    echo = bytes(gtp1(0, None, [(0x84, UnknownExtension())], gtp_type=1, S=1, seq=9))
    add(f, "ext-required-echo", [frame(f, echo)], UNSUPPORTED,
        desc="an Echo Request carrying an NR RAN Container: the chain is checked "
             "before the message type")


def version(f):
    g, _ = tpdu(f, n=8)
    for v in range(2, 8):
        add(f, f"version-{v}", [frame(f, bytes([v << 5 | 0x10]) + g[1:])], "stat:bad_header",
            desc=f"version field {v} on port 2152")
    add(f, "version-pt0", [frame(f, bytes([0x20]) + g[1:])], "stat:bad_header",
        desc="GTPv1 with protocol type 0 (GTP')")
    g2, _ = tpdu(f, n=8, S=1, PN=1, chain=chain3())
    add(f, "version-pt0-flags", [frame(f, bytes([g2[0] & ~0x10]) + g2[1:])], "stat:bad_header",
        desc="GTPv1 with protocol type 0 and S, PN, E set")
    v0 = bytes(gtp0(TID[4], Raw(bytes(inner(4, 8)))))
    add(f, "version-0-on-2152", [frame(f, v0)], "stat:bad_header",
        desc="a GTPv0 T-PDU to port 2152")
    add(f, "version-1-on-3386", [frame(f, g, dport=V0)], "stat:bad_header",
        desc="a GTPv1 T-PDU to port 3386")
    add(f, "version-0-pt0", [frame(f, bytes([v0[0] & ~0x10]) + v0[1:], dport=V0)],
        "stat:bad_header", desc="GTPv0 with protocol type 0")
    add(f, "version-2-on-3386", [frame(f, bytes([0x40 | 0x10]) + v0[1:], dport=V0)],
        "stat:bad_header", desc="version field 2 on port 3386")


def not_tpdu(f):
    msgs = [
        ("echo-request", gtp1(0, None, gtp_type=1, S=1, seq=1)),
        ("echo-response", gtp1(0, Raw(bytes(IE_Recovery(restart_counter=0))), gtp_type=2, S=1, seq=1)),
        ("error-indication", gtp1(0, GTPErrorIndication(IE_list=[
            IE_TEIDI(TEIDI=TEID[4]), IE_GSNAddress(ipv4_address=PEER[4])]), gtp_type=26, S=1)),
        ("error-indication-udp-port", gtp1(0, GTPErrorIndication(IE_list=[
            IE_TEIDI(TEIDI=TEID[4]), IE_GSNAddress(ipv4_address=PEER[4])]),
            [(0x40, GTP_UDPPort_ExtensionHeader(udp_port=2152))], gtp_type=26, S=1)),
        ("end-marker", gtp1(TEID[4], None, gtp_type=254)),
        ("type-0", gtp1(TEID[4], Raw(bytes(inner(4, 9))), gtp_type=0)),
        ("type-16", gtp1(TEID[4], Raw(bytes(16)), gtp_type=16)),
        ("type-253", gtp1(TEID[4], Raw(bytes(inner(4, 9))), gtp_type=253)),
    ]
    for name, m in msgs:
        add(f, f"not-tpdu-{name}", [frame(f, bytes(m))], f"stat:not_tpdu*{RULES},pass",
            desc=f"GTPv1 {name.replace('-', ' ')}: counted by each decap rule it crosses, "
                 "left to the ruleset")
    add(f, "not-tpdu-v0-echo", [frame(f, bytes(gtp0(0, None, gtp_type=1)), dport=V0)],
        f"stat:not_tpdu*{RULES},pass", desc="GTPv0 echo request to port 3386")


def teid(f):
    g = bytes(gtp1(NOCTX, Raw(bytes(inner(4, 10)))))
    add(f, "teid-no-context", [frame(f, g)], "pass",
        desc=f"a valid T-PDU for TEID {NOCTX:#x}, which no rule has")
    g = bytes(gtp1(0, Raw(bytes(inner(4, 10)))))
    add(f, "teid-zero", [frame(f, g)], "pass", desc="a valid T-PDU for TEID 0")
    g = bytes(gtp0(0x99, Raw(bytes(inner(4, 10)))))
    add(f, "teid-v0-no-context", [frame(f, g, dport=V0)], "pass",
        desc="a valid GTPv0 T-PDU for TID 0x99, which no rule has")


def inner_cases(f):
    ip4 = bytes(inner(4, 11))
    ip6 = bytes(inner(6, 11))

    def t(payload, i=4, **kw):
        return frame(f, bytes(gtp1(TEID[i], Raw(payload), **kw)))
    for v in (0, 1, 2, 3, 5, 7, 8, 15):
        add(f, f"inner-version-{v}", [t(bytes([v << 4 | 5]) + ip4[1:])], "stat:bad_inner",
            desc=f"T-PDU whose first nibble (IP version) is {v}")
    for ihl in range(5):
        add(f, f"inner-ihl-{ihl}", [t(bytes([0x40 | ihl]) + ip4[1:])], "stat:bad_inner",
            desc=f"inner IPv4 header length {ihl} (less than 5)")
    add(f, "inner-ihl-15", [t(bytes([0x4f]) + ip4[1:])], "stat:bad_inner",
        desc=f"inner IPv4 header length 15 (60 octets), total length {len(ip4)}, in a "
             f"{len(ip4)}-octet T-PDU")
    add(f, "inner-ihl-past-tpdu", [t(bytes([0x4f]) + ip4[1:2] + struct.pack("!H", 24) + ip4[4:24])],
        "stat:bad_inner", desc="inner IPv4 header length 15 in a 24-octet T-PDU")
    for tot in (0, 19, len(ip4) + 1, 0xffff):
        add(f, f"inner-totlen-{tot}", [t(ip4[:2] + struct.pack("!H", tot) + ip4[4:])],
            "stat:bad_inner", desc=f"inner IPv4 total length {tot} in a {len(ip4)}-octet T-PDU")
    add(f, "inner6-plen-long", [t(ip6[:4] + struct.pack("!H", len(ip6) - 39) + ip6[6:], 6)],
        "stat:bad_inner", desc="inner IPv6 payload length one past the T-PDU")
    add(f, "inner6-short", [t(ip6[:39], 6)], "stat:bad_inner",
        desc="a 39-octet T-PDU starting like IPv6")
    bad_sum = bytearray(ip4)
    bad_sum[10] ^= 0xff
    add(f, "inner-bad-ipsum", [t(bytes(bad_sum))], "decap,mib:IpExt.InCsumErrors",
        delivered=[bytes(bad_sum)],
        desc="inner IPv4 with a wrong header checksum: decap does not check it, "
             "the IP layer of apn0 drops it")
    for name, opts in (("nop-eol", [IPOption(b"\x01\x01\x01\x00")]),
                       ("rr", [IPOption(b"\x07\x07\x04" + bytes(4)) , IPOption(b"\x00")]),
                       ("ts", [IPOption(b"\x44\x0c\x05\x00" + bytes(8))])):
        p = bytes(IP(src=MS[4], dst=PDN[4], id=12, options=opts) / inner(4, 12).payload)
        add(f, f"inner-options-{name}", [t(p)], "decap", delivered=[p],
            desc=f"inner IPv4 with options ({name})")
    add(f, "inner-padded", [t(ip4 + b"PADDING")], "decap", delivered=[ip4],
        desc="T-PDU 7 octets longer than the inner IPv4 total length: trimmed")
    add(f, "inner6-padded", [t(ip6 + b"PAD", 6)], "decap", delivered=[ip6],
        desc="T-PDU 3 octets longer than the inner IPv6 packet: trimmed")
    fr = bytes(IP(src=MS[4], dst=PDN[4], id=13, flags="MF") / Raw(bytes(range(32))))
    add(f, "inner-fragment", [t(fr)], "decap,timeout:Ip.ReasmTimeout", delivered=[fr],
        desc="an inner IPv4 fragment: delivered as it is; the reassembly after "
             "apn0 waits for the rest in vain")
    # Anti-spoofing.
    sp = bytes(inner_packet(4, "10.45.0.3", PDN[4], 14))
    add(f, "spoof-v4", [t(sp)], "stat:spoofed", desc="inner source 10.45.0.3, MS 10.45.0.2")
    sp = bytes(inner_packet(6, "2001:db8:46::2", PDN[6], 14))
    add(f, "spoof-v6-prefix", [t(sp, 6)], "stat:spoofed",
        desc="inner source 2001:db8:46::2, outside the MS's /64")
    ok = bytes(inner_packet(6, "2001:db8:45::77", PDN[6], 14))
    add(f, "spoof-v6-same-prefix", [t(ok, 6)], "decap", delivered=[ok],
        desc="inner source 2001:db8:45::77: another address of the MS's /64")
    add(f, "spoof-family-6-in-4", [t(ip6, 4)], "stat:spoofed",
        desc="inner IPv6 on the TEID of an IPv4 MS")
    add(f, "spoof-family-4-in-6", [t(ip4, 6)], "stat:spoofed",
        desc="inner IPv4 on the TEID of an IPv6 MS")
    add(f, "spoof-v0", [frame(f, bytes(gtp0(TID[4], Raw(ip6))), dport=V0)], "stat:spoofed",
        desc="GTPv0: inner IPv6 on the TID of an IPv4 MS")
    slaac_cases(f, t)


def slaac_cases(f, t):
    """A Router Solicitation from the UE's link-local address passes the
    /64 check; nothing else from a link-local address does."""
    def ll(src="fe80::1234", dst="ff02::2", hlim=255, l4=None, **kw):
        return bytes(IPv6(src=src, dst=dst, hlim=hlim, **kw) / (l4 or ICMPv6ND_RS()))
    rs = ll()
    add(f, "slaac-rs", [t(rs, 6)], "decap", delivered=[rs],
        desc="Router Solicitation, fe80::1234 to ff02::2, hop limit 255")
    rs = ll(dst="fe80::1")
    add(f, "slaac-rs-unicast", [t(rs, 6)], "decap", delivered=[rs],
        desc="Router Solicitation to the router's link-local fe80::1")
    rs = ll(l4=ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:12:34"))
    add(f, "slaac-rs-option", [t(rs, 6)], "decap", delivered=[rs],
        desc="Router Solicitation with a source link-layer address option")
    add(f, "slaac-rs-hop-limit", [t(ll(hlim=254), 6)], "stat:spoofed",
        desc="Router Solicitation with hop limit 254: it was routed")
    add(f, "slaac-rs-unspecified", [t(ll(src="::"), 6)], "stat:spoofed",
        desc="Router Solicitation from :: (a UE has its link-local address)")
    add(f, "slaac-rs-global-dst", [t(ll(dst=PDN[6]), 6)], "stat:spoofed",
        desc="Router Solicitation from fe80::1234 to a global address")
    add(f, "slaac-rs-global-src", [t(ll(src="2001:db8:46::2"), 6)], "stat:spoofed",
        desc="Router Solicitation from 2001:db8:46::2, outside the MS's /64")
    add(f, "slaac-rs-multicast-src", [t(ll(src="ff02::1"), 6)], "stat:spoofed",
        desc="Router Solicitation from the multicast ff02::1")
    add(f, "slaac-ll-echo", [t(ll(l4=ICMPv6EchoRequest()), 6)], "stat:spoofed",
        desc="Echo Request from fe80::1234 to ff02::2: not a solicitation")
    add(f, "slaac-ll-udp", [t(ll(l4=UDP(sport=546, dport=547)), 6)], "stat:spoofed",
        desc="UDP from fe80::1234 to ff02::2 (a DHCPv6 Solicit's addresses)")
    add(f, "slaac-rs-short", [t(ll(l4=Raw(b"\x85\x00"), nh=58), 6)], "stat:spoofed",
        desc="ICMPv6 of 2 octets starting like a Router Solicitation")
    add(f, "slaac-rs-v4-ms", [t(rs, 4)], "stat:spoofed",
        desc="Router Solicitation on the TEID of an IPv4 MS")


def csum(f):
    g, ip = tpdu(f, n=15)
    good = udp_datagram(f, g)
    c = struct.unpack("!H", good[6:8])[0]
    add(f, "csum-bad", [frame(f, udp=good, csum=c ^ 0x5555)], "stat:bad_udp_checksum",
        desc="UDP checksum with bits flipped")
    add(f, "csum-off-by-one", [frame(f, udp=good, csum=(c + 1) & 0xffff or 1)],
        "stat:bad_udp_checksum", desc="UDP checksum off by one")
    add(f, "csum-zero", [frame(f, udp=good, csum=0)],
        "decap" if f == 4 else "stat:bad_udp_checksum", delivered=[ip] if f == 4 else [],
        desc="UDP checksum 0: no checksum, legal over IPv4 (RFC 768), "
             "not over IPv6 (RFC 8200 8.1)")
    # A message whose checksum computes to zero is sent as 0xffff (RFC 768):
    # pick the GTP-U sequence number that makes it so.
    g0, ip0 = tpdu(f, n=16, S=1, seq=0)
    s = ~struct.unpack("!H", udp_datagram(f, g0)[6:8])[0] & 0xffff
    seq = 0xffff - s
    g1, _ = tpdu(f, n=16, S=1, seq=seq)
    d1 = udp_datagram(f, g1)
    assert d1[6:8] == b"\xff\xff", d1[6:8].hex()
    add(f, "csum-ffff", [frame(f, udp=d1)], "decap", delivered=[ip0],
        desc=f"sequence number {seq:#x} makes the checksum compute to 0, sent as 0xffff")
    echo = bytes(gtp1(0, None, gtp_type=1, S=1, seq=1))
    e = udp_datagram(f, echo)
    add(f, "csum-bad-echo", [frame(f, udp=e, csum=struct.unpack("!H", e[6:8])[0] ^ 1)],
        "stat:bad_udp_checksum", desc="an Echo Request with a bad checksum: dropped, not passed")
    n = udp_datagram(f, bytes(gtp1(NOCTX, Raw(ip))))
    add(f, "csum-bad-no-context", [frame(f, udp=n, csum=struct.unpack("!H", n[6:8])[0] ^ 1)],
        "stat:bad_udp_checksum",
        desc="a T-PDU of a TEID no rule has, with a bad checksum: checked before the TEID")


def fragments(f):
    """Outer fragments: reassembled before the decap rules (nf_defrag at
    priority -400); overlapping ones never reassembled."""
    def datagram(ident, size=600, inner_f=4):
        g, ip = tpdu(f, inner_f, n=ident & 0xff, size=size)
        if f == 4:
            d = IP(bytes(outer(f, id=ident) / UDP(sport=V1, dport=V1) / Raw(g)))
        else:
            d = IPv6(bytes(outer(f) / IPv6ExtHdrFragment(id=ident) / UDP(sport=V1, dport=V1) / Raw(g)))
        return d, ip

    def split(d, size):
        if f == 4:
            return [p for p in fragment(d, fragsize=size)]
        return [p for p in fragment6(d, size + 48)]

    def fb(p):
        p = p.copy()
        if f == 4:
            del p.len
            del p.chksum
        else:
            del p.plen
        return bytes(eth() / p)

    def fhdr(p):
        return p if f == 4 else p[IPv6ExtHdrFragment]

    def foff(p):
        return fhdr(p).frag * 8 if f == 4 else p[IPv6ExtHdrFragment].offset * 8

    def with_data(p, off, data, more=True):
        p = p.copy()
        if f == 4:
            p.frag, p.flags = off // 8, "MF" if more else 0
            h = p[IP]
        else:
            p[IPv6ExtHdrFragment].offset, p[IPv6ExtHdrFragment].m = off // 8, int(more)
            h = p[IPv6ExtHdrFragment]
        h.remove_payload()
        h.add_payload(Raw(data))
        return p

    def data(p):
        return bytes(p[IP].payload) if f == 4 else bytes(p[IPv6ExtHdrFragment].payload)

    d, ip = datagram(0x4201)
    fr = split(d, 256)
    add(f, "frag-reverse", [fb(p) for p in fr[::-1]], "decap", delivered=[ip],
        desc=f"{len(fr)} fragments of 256 octets, last first")
    d, ip = datagram(0x4202)
    fr = split(d, 128)
    order = list(range(1, len(fr), 2)) + list(range(0, len(fr), 2))[::-1]
    add(f, "frag-shuffled", [fb(fr[i]) for i in order], "decap", delivered=[ip],
        desc=f"{len(fr)} fragments of 128 octets in the order {order}")
    d, ip = datagram(0x4203, size=16)
    fr = split(d, 8)
    add(f, "frag-tiny", [fb(p) for p in fr], "decap", delivered=[ip],
        desc=f"{len(fr)} fragments of 8 octets: the UDP header alone in the first, "
             "the GTP-U header split over two")
    d, ip = datagram(0x4204)
    fr = split(d, 256)
    add(f, "frag-duplicate", [fb(fr[0]), fb(fr[1]), fb(fr[1]), fb(fr[2])], "decap", delivered=[ip],
        desc="the second of three fragments sent twice")
    d, ip = datagram(0x4205)
    fr = split(d, 256)
    inside = with_data(fr[1], foff(fr[1]) + 8, b"Z" * 16)
    add(f, "frag-overlap-inside", [fb(fr[0]), fb(fr[1]), fb(inside), fb(fr[2])], "decap",
        delivered=[ip],
        desc="a fragment with other data entirely inside one already queued: "
             "ignored as a duplicate, the first data wins")
    overlap_mib = "mib:IpExt.ReasmOverlaps" if f == 4 else "none"
    d, ip = datagram(0x4206)
    fr = split(d, 256)
    head = with_data(fr[0], 0, data(fr[0]) + b"Z" * 8)
    add(f, "frag-overlap-head", [fb(fr[1]), fb(fr[2]), fb(head)], overlap_mib,
        desc="fragments 2 and 3, then a first fragment 8 octets longer, over the "
             "second: the queue is dropped")
    d, ip = datagram(0x4207)
    fr = split(d, 256)
    tail = with_data(fr[1], foff(fr[1]) - 8, b"Z" * 16)
    add(f, "frag-overlap-tail", [fb(fr[0]), fb(tail)], overlap_mib,
        desc="the first fragment, then one starting 8 octets before its end")
    d, ip = datagram(0x4208)
    fr = split(d, 256)
    add(f, "frag-incomplete", [fb(fr[0]), fb(fr[2])],
        f"none,timeout:{'Ip.ReasmTimeout' if f == 4 else 'Ip6ReasmTimeout'}",
        desc="first and last of three fragments: held until the reassembly timeout")
    if f == 4:
        return
    g, ip = tpdu(6, 6, n=0x20, size=17)
    udp = udp_datagram(6, g)
    atomic = eth() / outer(6) / IPv6ExtHdrFragment(nh=17, offset=0, m=0, id=0x4209) / Raw(udp)
    add(f, "frag6-atomic", [atomic], "decap", delivered=[ip],
        desc="an atomic fragment (offset 0, M clear, RFC 6946)")
    assert len(udp) % 8
    first = eth() / outer(6) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x420a) / Raw(udp)
    add(f, "frag6-first-unaligned", [first], "stat:fragment",
        desc=f"a first fragment (M set) of {len(udp)} octets, not a multiple of 8, "
             "holding a complete GTP-U message: nf_defrag_ipv6 leaves it alone")
    later = eth() / outer(6) / IPv6ExtHdrFragment(nh=17, offset=100, m=1, id=0x420b) / Raw(b"a" * 13)
    add(f, "frag6-later-unaligned", [later], "pass,timeout:Ip6ReasmTimeout",
        desc="a later fragment (offset 800, M set) of 13 octets: nf_defrag_ipv6 "
             "leaves it alone; it holds no UDP header, so the module leaves it to "
             "the IP layer, which refuses it, leaving an empty queue to time out")
    cut = eth() / outer(6) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x420c) / Raw(udp[:4])
    add(f, "frag6-first-no-udp", [cut], "pass",
        desc="a first fragment holding 4 octets of the UDP header (RFC 8200 4.5: "
             "to be discarded): nf_defrag_ipv6 leaves it alone; like a truncated "
             "UDP header, the module leaves it to the IP layer, which discards it")


def ip_options(f):
    g, ip = tpdu(f, n=0x30)
    if f == 4:
        for name, opts, why in (
                ("nop", [IPOption(b"\x01\x01\x01\x01")], "four NOPs"),
                ("rr", [IPOption(b"\x07\x0b\x04" + bytes(8)), IPOption(b"\x00")], "record route"),
                ("ts", [IPOption(b"\x44\x0c\x05\x00" + bytes(8))], "timestamp"),
                ("ra", [IPOption(b"\x94\x04\x00\x00")], "router alert"),
                ("max", [IPOption(b"\x01" * 39 + b"\x00")], "40 octets of options (IHL 15)")):
            fr = eth() / outer(4, options=opts) / UDP(sport=V1, dport=V1) / Raw(g)
            add(f, f"outer-options-{name}", [fr], "decap", delivered=[ip],
                desc=f"outer IPv4 header with options: {why}")
        return
    for name, hdrs, why in (
            ("hbh", [IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")])], "hop-by-hop, PadN"),
            ("ra", [IPv6ExtHdrHopByHop(options=[RouterAlert()])], "hop-by-hop, router alert"),
            ("dst", [IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")])], "destination options"),
            ("hbh-dst-rt", [IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")]),
                            IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]),
                            IPv6ExtHdrRouting(type=2, segleft=0, addresses=[GW[6]])],
             "hop-by-hop, destination options, type 2 routing header with no segment left")):
        p = outer(6)
        for h in hdrs:
            p = p / h
        fr = eth() / p / UDP(sport=V1, dport=V1) / Raw(g)
        add(f, f"outer6-ext-{name}", [fr], "decap", delivered=[ip],
            desc=f"outer IPv6 with extension headers: {why}")


PAGED_SIZE = 4040     # inner payload: frames over a page, see gtpu_corpus.sh


def paged(f):
    """Large frames whose headers lie in page fragments of the skb."""
    iphl = 20 if f == 4 else 40
    g, ip = tpdu(f, n=0x40, size=PAGED_SIZE, chain=chain3(), S=1, seq=3)
    fr = frame(f, g)
    assert len(fr) > 4096
    add(f, "paged-all", [fr], "decap", linear="14", delivered=[ip],
        desc="only the Ethernet header in the linear area: the outer IP header is "
             "pulled by the IP layer, UDP, GTP-U and inner headers stay in pages")
    u = 14 + iphl
    gt = u + 8
    splits = [(u + k, f"UDP header +{k}") for k in range(1, 8)]
    splits += [(gt + k, f"GTP-U header +{k}") for k in (0, 1, 4, 7, 8, 10)]
    splits += [(gt + k, f"extension chain +{k - 12}") for k in (12, 13, 16, 18, 20, 24)]
    i = gt + 28
    splits += [(i + k, f"inner IPv4 header +{k}") for k in (0, 1, 9, 19, 20, 24)]
    for lin, where in splits:
        add(f, f"paged-split-{lin}", [fr], "decap", linear=str(lin), delivered=[ip],
            desc=f"linear area ends at octet {lin} of the frame: {where}")
    big4 = bytes(inner(4, 0x41, PAGED_SIZE))
    big6 = bytes(inner(6, 0x41, PAGED_SIZE))

    def t(payload, i=4, **kw):
        return bytes(gtp1(TEID[i], Raw(payload), **kw))
    good = udp_datagram(f, t(big4))
    c = struct.unpack("!H", good[6:8])[0]
    add(f, "paged-csum-bad", [frame(f, udp=good, csum=c ^ 0x5555)], "stat:bad_udp_checksum",
        linear="14", desc="large, bad UDP checksum")
    add(f, "paged-csum-zero", [frame(f, udp=good, csum=0)],
        "decap" if f == 4 else "stat:bad_udp_checksum", linear="14",
        delivered=[big4] if f == 4 else [], desc="large, UDP checksum 0")
    add(f, "paged-gtp-len", [frame(f, set_len(t(big4), len(big4) + 1))], "stat:bad_header",
        linear="14", desc="large, GTP-U length one long")
    bad = [(0x85, PDUSessionContainer(type=1, QFI=9)),
           (0xc0, GTP_PDCP_PDU_ExtensionHeader(length=0, pdcp_pdu=1))]
    add(f, "paged-ext-zero", [frame(f, t(big4, chain=bad))], "stat:bad_extension", linear="14",
        desc="large, second extension header of length 0")
    add(f, "paged-ext-zero-split", [frame(f, t(big4, chain=bad))], "stat:bad_extension",
        linear=str(gt + 17), desc="the same, linear area ending inside the bad extension header")
    add(f, "paged-ext-required", [frame(f, t(big4, chain=[(0x84, UnknownExtension())]))],
        UNSUPPORTED, linear="14", desc="large, NR RAN Container (0x84)")
    tl = big4[:2] + struct.pack("!H", len(big4) + 1) + big4[4:]
    add(f, "paged-inner-totlen", [frame(f, t(tl))], "stat:bad_inner", linear="14",
        desc="large, inner IPv4 total length one past the T-PDU")
    add(f, "paged-inner-totlen-split", [frame(f, t(tl))], "stat:bad_inner", linear=str(gt + 13),
        desc="the same, linear area ending inside the inner header")
    sp = bytes(inner_packet(4, "10.45.0.3", PDN[4], 0x42, PAGED_SIZE))
    add(f, "paged-spoofed", [frame(f, t(sp))], "stat:spoofed", linear="14",
        desc="large, inner source 10.45.0.3")
    add(f, "paged-inner6", [frame(f, t(big6, 6))], "decap", linear="14", delivered=[big6],
        desc="large inner IPv6")
    opt = bytes(IP(bytes(IP(src=MS[4], dst=PDN[4], id=0x43, options=[IPOption(b"\x01" * 8)]) /
                         inner(4, 0x43, PAGED_SIZE).payload)))
    add(f, "paged-inner-options", [frame(f, t(opt))], "decap", linear="14", delivered=[opt],
        desc="large inner IPv4 with 8 octets of options")
    echo = bytes(gtp1(0, Raw(private_extension(110, bytes(PAGED_SIZE))), gtp_type=1, S=1, seq=2))
    fe = frame(f, echo)
    add(f, "paged-echo", [fe], f"stat:not_tpdu*{RULES},pass", linear="14",
        desc="a large Echo Request (private extension IE)")
    fn = frame(f, bytes(gtp1(NOCTX, Raw(big4))))
    add(f, "paged-no-context", [fn], "pass", linear="14",
        desc=f"large T-PDU for TEID {NOCTX:#x}, which no rule has")
    add(f, "paged-v0", [frame(f, bytes(gtp0(TID[4], Raw(big4))), dport=V0)], "decap", linear="14",
        delivered=[big4], desc="large GTPv0 T-PDU")


def ingress(f):
    """The nft netdev ingress rule sees packets before reassembly, and
    before the IP layer has pulled the outer IP header into the linear area."""
    g, ip = tpdu(f, 4, n=0x50, size=600)
    if f == 4:
        d = IP(bytes(outer(4, id=0x5001) / UDP(sport=V1, dport=V1) / Raw(g)))
        fr = fragment(d, fragsize=256)
    else:
        d = IPv6(bytes(outer(6) / IPv6ExtHdrFragment(id=0x5001) / UDP(sport=V1, dport=V1) / Raw(g)))
        fr = fragment6(d, 256 + 48)
    reasm = "Ip.ReasmTimeout" if f == 4 else "Ip6ReasmTimeout"
    add(f, "ingress-frag-first", [eth() / fr[0]], "stat:fragment", hook="ingress",
        desc=f"the first of {len(fr)} outer fragments alone, at netdev ingress")
    for n, p in (("middle", fr[1]), ("last", fr[-1])):
        expect = "pass" + (f",timeout:{reasm}" if n == "middle" else "")
        add(f, f"ingress-frag-{n}", [eth() / p], expect, hook="ingress",
            desc=f"the {n} of {len(fr)} outer fragments alone, at netdev ingress: "
                 "it holds no UDP header, so nothing says it is GTP-U")
    if f == 4:
        # A later fragment whose data reads like a UDP header to the GTP-U
        # port must not be taken for one.
        fake = udp_datagram(4, g)[:256]
        later = outer(4, id=0x5002, proto=17, flags="MF", frag=32) / Raw(fake)
        add(f, "ingress-frag-portlike", [eth() / later], "pass,timeout:Ip.ReasmTimeout",
            hook="ingress",
            desc="a later fragment (offset 256, M set) whose data starts with what "
                 "reads as a UDP header to port 2152, at netdev ingress")
    small, sip = tpdu(f, 4, n=0x51)
    add(f, "ingress-valid", [frame(f, small)], "decap", hook="ingress", delivered=[sip],
        desc="a valid T-PDU at netdev ingress")
    big, bip = tpdu(f, 4, n=0x52, size=PAGED_SIZE)
    add(f, "ingress-paged", [frame(f, big)], "decap", hook="ingress", linear="14",
        delivered=[bip],
        desc="a large valid T-PDU whose outer IP header is in a page fragment, "
             "which the module must pull before reading it")
    iphl = 20 if f == 4 else 40
    add(f, "ingress-paged-iphdr-linear", [frame(f, big)], "decap", hook="ingress",
        linear=str(14 + iphl), delivered=[bip],
        desc="the same with the outer IP header in the linear area")
    ingress_ip_header(f)


def ingress_ip_header(f):
    """At netdev ingress the IP layer has not checked the outer header
    yet: what it would refuse must be left to it, not decapsulated."""
    g, ip = tpdu(f, 4, n=0x53)
    good = frame(f, g)
    mib = {4: ("Ip.InHdrErrors", "IpExt.InTruncatedPkts"),
           6: ("Ip6InHdrErrors", "Ip6InTruncatedPkts")}[f]
    iplen = len(good) - 14
    lenfield = "len" if f == 4 else "plen"
    hdrlen = 0 if f == 4 else 40
    add(f, "ingress-otherhost", [with_outer(f, good, dst_mac=OTHER_MAC)], "pass",
        hook="ingress",
        desc="a valid T-PDU in a frame to another host's MAC address "
             "(PACKET_OTHERHOST), which the IP layer drops")
    add(f, "ingress-ip-version", [with_outer(f, good, version=6 if f == 4 else 4)],
        f"pass,mib:{mib[0]}", hook="ingress",
        desc=f"a valid T-PDU whose outer IP version field is {6 if f == 4 else 4}")
    if f == 4:
        add(f, "ingress-ip-csum", [with_outer(f, good, chksum=0xdead)],
            "pass,mib:Ip.InHdrErrors,mib:IpExt.InCsumErrors", hook="ingress",
            desc="a valid T-PDU whose outer IPv4 header checksum is wrong")
    else:
        add(f, "ingress-ip-plen-zero", [with_outer(f, good, plen=0)], "pass",
            hook="ingress",
            desc="a valid T-PDU whose outer IPv6 payload length is 0 (a jumbogram "
                 "without its Hop-by-Hop option)")
    add(f, "ingress-ip-len-long", [with_outer(f, good, **{lenfield: iplen - hdrlen + 4})],
        f"pass,mib:{mib[1]}", hook="ingress",
        desc="a valid T-PDU whose outer IP length is 4 octets more than the frame holds")
    add(f, "ingress-ip-len-short", [with_outer(f, good, **{lenfield: iplen - hdrlen - 4})],
        "stat:bad_udp_length", hook="ingress",
        desc="a valid T-PDU whose outer IP length is 4 octets short: the IP "
             "layer trims the datagram, whose UDP length then runs past it")
    add(f, "ingress-ip-padded", [good + bytes(8)], "decap", hook="ingress", delivered=[ip],
        desc="a valid T-PDU followed by 8 octets of link-layer padding "
             "outside the IP length")


CATEGORIES = [udp_trunc, udp_len, gtp_trunc, gtp_length, ext_len, ext_chain, ext_unsupported,
              version, not_tpdu, teid, inner_cases, csum, fragments, ip_options, paged, ingress]


# --------------------------------------------------------------------------
# Output

def pcap(records, linktype):
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)]
    for (sec, usec), data in records:
        out.append(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)
    return b"".join(out)


def generate():
    CASES.clear()
    for f in (4, 6):
        for cat in CATEGORIES:
            cat(f)
    files = {}
    frames = {4: [], 6: []}
    apn = {4: [], 6: []}
    lines = [HEADER,
             f"# {'id':<4} {'family':<6} {'hook':<7} {'frames':<6} {'linear':<6} "
             f"{'expect':<28} {'known':<20} name: how it was made\n"]
    for i, c in enumerate(CASES, 1):
        for j, fr in enumerate(c.frames):
            frames[c.family].append(((i, j), fr))
        for j, d in enumerate(c.delivered):
            apn[c.family].append(((i, j), d))
        lines.append(f"{i:04d}   {fam(c.family):<6} {c.hook:<7} {len(c.frames):<6} {c.linear:<6} "
                     f"{c.expect:<28} {c.known:<20} {c.name}: {c.desc}\n")
    for f in (4, 6):
        files[f"{fam(f)}.pcap"] = pcap(frames[f], 1)          # Ethernet
        files[f"{fam(f)}-apn0.pcap"] = pcap(apn[f], 101)      # raw IP
    files["MANIFEST"] = "".join(lines).encode()
    return files


def main(argv):
    check = "--check" in argv
    args = [a for a in argv[1:] if a != "--check"]
    out = HERE
    if args and args[0] == "--out":
        out = args[1]
    elif args:
        out = args[0]
    files = generate()
    if check:
        bad = [n for n, data in files.items()
               if not os.path.exists(os.path.join(out, n)) or
               open(os.path.join(out, n), "rb").read() != data]
        if bad:
            print(f"corpus in {out} differs from what generate.py makes: {' '.join(bad)}")
            return 1
        print(f"corpus in {out} is what generate.py makes ({len(CASES)} cases)")
        return 0
    os.makedirs(out, exist_ok=True)
    for n, data in files.items():
        with open(os.path.join(out, n), "wb") as fh:
            fh.write(data)
    print(f"{len(CASES)} cases written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
