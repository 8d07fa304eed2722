# SPDX-License-Identifier: GPL-2.0-only
"""GTP-U layers for the scapy peer: scapy.contrib.gtp's own where scapy has
them, declared here with scapy's field types where it has not.

Built from the specifications, independently of the kernel's parser:
TS 29.281 5.1-5.2 (GTPv1-U header and extension headers), TS 38.415 5.5.2
(PDU Session Container), GSM 09.60 6 (GTPv0 header).  Imported by
gtpu_scapy.py (conformance) and corpus/generate.py; importing scapy takes
tens of seconds in the emulated test VM, which is why gtpu_scapy.py does
not import this module for the corpus runner.
"""
import struct

from scapy.contrib.gtp import (GTP_PDCP_PDU_ExtensionHeader, GTP_U_Header,
                               GTP_UDPPort_ExtensionHeader, GTPEchoRequest,
                               GTPErrorIndication, GTPPDUSessionContainer,
                               IE_GSNAddress, IE_Recovery, IE_TEIDI)
from scapy.fields import (BitField, ByteField, ShortField,
                          StrField, X3BytesField, XBitField, XByteField,
                          XLongField)
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

__all__ = ["GTP_PDCP_PDU_ExtensionHeader", "GTP_U_Header", "GTP_UDPPort_ExtensionHeader",
           "GTPEchoRequest", "GTPErrorIndication", "IE_GSNAddress", "IE_Recovery", "IE_TEIDI",
           "PDUSessionContainer", "LongPDCPPDUNumber", "ServiceClassIndicator",
           "UnknownExtension", "GTPv0Header", "with_chain", "gtp1", "gtp0", "inner_packet",
           "private_extension", "extension_header_type_list",
           "ICMP", "IP", "TCP", "UDP", "IPOption", "ICMPv6EchoRequest", "IPv6", "Ether", "Raw"]


class PDUSessionContainer(GTPPDUSessionContainer):
    """scapy's PDU Session Container, with its padding where TS 29.281
    5.2.1 puts it: between the content and the next-type octet, which is
    the last octet of every extension header.  scapy 2.5.0 pads after the
    next-type octet (harmless when it is 0, as the padding is zero too)
    and miscounts the length when the container is followed by another
    extension; Wireshark agrees with the layout built here."""

    def post_build(self, p, pay):
        nxt = self.NextExtHdr
        # scapy built: its length octet, the content, the next type, then
        # (next type 0 only) the padding field; keep just the content.
        pad = len(self.padding or b"") if nxt == 0 else 0
        body = p[1:len(p) - 1 - pad]
        body += b"\0" * (-(len(body) + 2) % 4)
        n = self.ExtHdrLen if self.ExtHdrLen is not None else (len(body) + 2) // 4
        return bytes([n]) + body + bytes([nxt]) + pay


class LongPDCPPDUNumber(Packet):
    """TS 29.281 5.2.2.2A: types 0x03 and 0x82, an 18-bit PDCP number."""
    name = "Long PDCP PDU Number"
    fields_desc = [ByteField("length", 2),
                   XBitField("spare1", 0, 6),
                   BitField("pdcp", 0, 18),
                   X3BytesField("spare2", 0),
                   ByteField("next_ex", 0)]


class ServiceClassIndicator(Packet):
    """TS 29.281 5.2.2.5: type 0x20."""
    name = "Service Class Indicator"
    fields_desc = [ByteField("length", 1),
                   XByteField("sci", 0),
                   XByteField("spare", 0),
                   ByteField("next_ex", 0)]


class UnknownExtension(Packet):
    """Any other extension header: a length octet counting 4-octet units,
    CONTENT, the next type.  length=None computes it from CONTENT."""
    name = "Extension header"
    fields_desc = [ByteField("length", None),
                   StrField("content", b"\0\0"),
                   ByteField("next_ex", 0)]

    def post_build(self, p, pay):
        if self.length is None:
            p = bytes([len(p) // 4]) + p[1:]
        return p + pay


class GTPv0Header(Packet):
    """GSM 09.60 6: the 20-octet GTPv0 header (scapy has no layer for it)."""
    name = "GTPv0 Header"
    fields_desc = [BitField("version", 0, 3),
                   BitField("PT", 1, 1),
                   BitField("spare", 7, 3),
                   BitField("SNN", 0, 1),
                   ByteField("gtp_type", 255),
                   ShortField("length", None),
                   ShortField("seq", 0),
                   ShortField("flow_label", 0),
                   ByteField("sndcp", 0xff),
                   X3BytesField("spare2", 0xffffff),
                   XLongField("tid", 0)]

    def post_build(self, p, pay):
        if self.length is None:
            p = p[:2] + struct.pack("!H", len(pay)) + p[4:]
        return p + pay


# Extension header layers, their type codes and where their next type is.
_NEXT_FIELD = {GTP_UDPPort_ExtensionHeader: "next_ex",
               GTP_PDCP_PDU_ExtensionHeader: "next_ex",
               PDUSessionContainer: "NextExtHdr",
               LongPDCPPDUNumber: "next_ex",
               ServiceClassIndicator: "next_ex",
               UnknownExtension: "next_ex"}


def with_chain(hdr, chain, payload):
    """HDR / the extension headers of CHAIN [(type, layer)] / PAYLOAD, each
    header's next-type field naming the following one (0 after the last)
    unless the caller set it; the GTP header's own next type is the
    first's unless set."""
    hdr = hdr.copy()
    if chain and "next_ex" not in hdr.fields:
        hdr.next_ex = chain[0][0]
    pkt = hdr
    for i, (_, layer) in enumerate(chain):
        layer = layer.copy()
        field = _NEXT_FIELD[type(layer)]
        if field not in layer.fields:
            setattr(layer, field, chain[i + 1][0] if i + 1 < len(chain) else 0)
        pkt = pkt / layer
    return pkt / payload if payload is not None else pkt


def gtp1(teid, payload, chain=(), S=0, PN=0, E=None, gtp_type=255, seq=0, npdu=0,
         next_ex=None, **kw):
    """A GTPv1-U message with scapy's GTP_U_Header.  E defaults to "a chain
    is given"; with S, PN or E the optional fields are present."""
    if E is None:
        E = 1 if chain else 0
    hdr = GTP_U_Header(teid=teid, gtp_type=gtp_type, S=S, PN=PN, E=E, **kw)
    if S or PN or E:
        hdr.seq, hdr.npdu = seq, npdu
        if next_ex is not None or not chain:
            hdr.next_ex = next_ex or 0
    if not chain:
        return hdr / payload if payload is not None else hdr
    return with_chain(hdr, chain, payload)


def gtp0(tid, payload, gtp_type=255, **kw):
    hdr = GTPv0Header(tid=tid, gtp_type=gtp_type, **kw)
    return hdr / payload if payload is not None else hdr


def private_extension(ident, value):
    """TS 29.060 7.7.46 Private Extension IE, by hand: scapy's gives the
    extension identifier one octet instead of two."""
    return bytes([0xff]) + struct.pack("!HH", 2 + len(value), ident) + value


def extension_header_type_list(types):
    """TS 29.281 8.5 Extension Header Type List IE, by hand: scapy's
    IE_ExtensionHeaderList has a two-octet length, GTP-U's is one octet."""
    return bytes([141, len(types)]) + bytes(types)


def inner_packet(family, src, dst, n=0, size=16, proto="icmp"):
    """The subscriber's packet: ICMP echo (or UDP, TCP) of SIZE octets of data."""
    data = bytes((n + i) & 0xff for i in range(size))
    if family == 4:
        ip = IP(src=src, dst=dst, id=n & 0xffff)
        if proto == "udp":
            return ip / UDP(sport=40000 + n % 1000, dport=9) / Raw(data)
        if proto == "tcp":
            return ip / TCP(sport=40000 + n % 1000, dport=80, flags="S", seq=n) / Raw(data)
        return ip / ICMP(id=0x77, seq=n & 0xffff) / Raw(data)
    ip = IPv6(src=src, dst=dst)
    if proto == "udp":
        return ip / UDP(sport=40000 + n % 1000, dport=9) / Raw(data)
    if proto == "tcp":
        return ip / TCP(sport=40000 + n % 1000, dport=80, flags="S", seq=n) / Raw(data)
    return ip / ICMPv6EchoRequest(id=0x77, seq=n & 0xffff, data=data)
