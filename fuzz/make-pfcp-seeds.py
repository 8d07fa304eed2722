#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Write the seed corpus of fuzz_pfcp_parse into fuzz/corpus-pfcp/ (or the
# directory given as the only argument).  Each seed is one UDP payload.
# The messages come from scapy's PFCP layer (scapy.contrib.pfcp: Debian's
# python3-scapy, run with /usr/bin/python3) through pfcpd/tests/smf_msgs.py,
# the same builders the host test plays the SMF with; the bad variants
# are cut or patched from them here.  Deterministic.

import importlib.util
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pfcpd", "tests"))
import smf_msgs as s  # noqa: E402
from scapy.contrib.pfcp import (  # noqa: E402
    PFCPAssociationReleaseResponse, PFCPAssociationUpdateResponse,
    PFCPSessionDeletionResponse, PFCPSessionEstablishmentResponse,
    PFCPSessionEstablishmentRequest, PFCPSessionModificationResponse,
    PFCPSessionReportRequest, PFCPSessionReportResponse,
    PFCPVersionNotSupportedResponse, IE_Cause, IE_CreatedPDR, IE_EndTime,
    IE_FTEID, IE_OffendingIE, IE_PDR_Id, IE_ReportType, IE_StartTime,
    IE_UR_SEQN, IE_URR_Id, IE_UsageReport_SRR, IE_UsageReportTrigger,
    IE_VolumeMeasurement)

SEID = 0x1000


def session_report_req(seq):
    """What the agent sends when URR 1 reaches its volume threshold."""
    return s.hdr(seq, SEID) / PFCPSessionReportRequest(IE_list=[
        IE_ReportType(USAR=1),
        IE_UsageReport_SRR(IE_list=[
            IE_URR_Id(id=1), IE_UR_SEQN(number=0),
            IE_UsageReportTrigger(VOLTH=1),
            IE_VolumeMeasurement(TOVOL=1, ULVOL=1, DLVOL=1, total=1100,
                                 uplink=600, downlink=500),
            IE_StartTime(timestamp=3900000000),
            IE_EndTime(timestamp=3900000002)])])


def fix_length(raw):
    """raw with its Message Length made to match."""
    out = bytearray(raw)
    struct.pack_into("!H", out, 2, len(out) - 4)
    return bytes(out)


def with_ie(raw, ie):
    return fix_length(raw + bytes(ie))


def session_mod_rsp_chosen(seq):
    """The agent's answer to a Create PDR and an Update PDR with CHOOSE"""
    created = bytes(IE_CreatedPDR(IE_list=[
        IE_PDR_Id(id=3), IE_FTEID(V4=1, TEID=0x101, ipv4="192.0.2.1")]))
    # scapy has no Updated PDR (type 256): the same IEs, its type
    updated = struct.pack("!H", 256) + created[2:]
    return with_ie(bytes(s.hdr(seq, SEID) / PFCPSessionModificationResponse(
        IE_list=[IE_Cause(cause=1)])) + created, updated)


def node_rsp(cls, seq):
    return s.hdr(seq) / cls(IE_list=[s.node_id(), IE_Cause(cause=1)])


def session_rsp(cls, seq, cause=1):
    return s.hdr(seq, SEID) / cls(IE_list=[IE_Cause(cause=cause),
                                           IE_OffendingIE(type=60)])


GOOD = {
    "heartbeat-req": s.heartbeat_req(1),
    "heartbeat-rsp": s.heartbeat_rsp(2),
    "assoc-setup-req-v4": s.assoc_setup_req(3),
    "assoc-setup-req-v6": s.assoc_setup_req(4, "fd00::2"),
    "assoc-setup-rsp": s.assoc_setup_rsp(5),
    "assoc-update-req": s.assoc_update_req(6),
    "assoc-update-rsp": node_rsp(PFCPAssociationUpdateResponse, 7),
    "assoc-release-req": s.assoc_release_req(8),
    "assoc-release-rsp": node_rsp(PFCPAssociationReleaseResponse, 9),
    "version-not-supported": s.hdr(10) / PFCPVersionNotSupportedResponse(),
    "session-est-req": s.session_est_req(11),
    "session-est-req-v6": s.session_est_req(12, addr="fd00::2"),
    "session-est-rsp": s.hdr(13, SEID) / PFCPSessionEstablishmentResponse(
        IE_list=[s.node_id(), IE_Cause(cause=72)]),
    "session-mod-req": s.session_mod_req(14, SEID),
    "session-mod-rsp": session_rsp(PFCPSessionModificationResponse, 15),
    "session-del-req": s.session_del_req(16, SEID),
    "session-del-rsp": session_rsp(PFCPSessionDeletionResponse, 17, 65),
    "session-report-req": session_report_req(19),
    "session-report-rsp": session_rsp(PFCPSessionReportResponse, 20),
    "session-mod-rsp-chosen": session_mod_rsp_chosen(21),
}


def bad_variants(good):
    est = bytes(good["session-est-req"])
    hb = bytes(good["heartbeat-req"])
    assoc = bytes(good["assoc-setup-req-v4"])
    return {
        "bad-truncated-3": hb[:3],
        "bad-truncated-hdr-seid": est[:12],
        "bad-truncated-ie": fix_length(est[:40]),
        "bad-length-long": hb[:2] + struct.pack("!H", 200) + hb[4:],
        "bad-length-short": hb[:2] + struct.pack("!H", 3) + hb[4:],
        "bad-length-trailing": hb + b"\0\0\0\0",
        "bad-version-2": bytes([0x40]) + hb[1:],
        "bad-unknown-type": hb[:1] + bytes([99]) + hb[2:],
        "bad-s-flag-heartbeat": bytes([hb[0] | 1]) + hb[1:],
        "bad-missing-recovery": hb[:2] + struct.pack("!H", 4) + hb[4:8],
        "bad-ie-overrun": assoc[:10] + struct.pack("!H", 200) + assoc[12:],
        "bad-node-id-type": assoc[:12] + bytes([7]) + assoc[13:],
        "bad-fteid-no-family": est.replace(
            bytes.fromhex("001500020d05"), bytes.fromhex("001500020c05")),
        "enterprise-ie": with_ie(hb, s.enterprise_ie()),
        "unknown-ie": with_ie(hb, bytes.fromhex("ff0000020102")),
        "bundled-fo": bytes([hb[0] | 4]) + hb[1:] + hb,
        # 9 URR IDs in a PDR, one more than the codec keeps: cause 75
        "bad-too-many-urr-ids": bytes(s.hdr(18, 0) /
                                      PFCPSessionEstablishmentRequest(
            IE_list=[s.node_id(), s.fseid(SEID),
                     s.uplink_pdr() / b"".join(
                         bytes(IE_URR_Id(id=i)) for i in range(2, 10)),
                     s.far_forw()])),
    }


def main():
    # make-seeds.py (GTP-U) has the corpus writer; its name has a dash
    spec = importlib.util.spec_from_file_location(
        "gtpu_seeds", os.path.join(HERE, "make-seeds.py"))
    gtpu_seeds = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gtpu_seeds)
    seeds = {k: bytes(v) for k, v in GOOD.items()}
    seeds.update(bad_variants(GOOD))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE,
                                                             "corpus-pfcp")
    gtpu_seeds.write_corpus(out, seeds)


if __name__ == "__main__":
    main()
