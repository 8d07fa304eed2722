#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# The SMF of tests/pfcpd_session.sh: scapy's PFCP layer (an
# implementation the project did not write) sending open5gs' message
# sequence to nf-gtpu-pfcpd.  Python and scapy start once; the test
# then writes one command a line and reads one result line each:
#
#   assoc             -> cause=1 ftup=1
#   est [NI [UE]]     -> cause=C [seid=S teid=T] [offending=I] [rule=R]
#                        (UE: the UE's IPv4 or IPv6 address)
#   est-no-fseid      -> cause=66 offending=57
#   mod TEID          -> the downlink FAR to FORW, peer acc with TEID
#   mod-bad           -> Update FAR of a FAR the session does not have
#   mod-seid SEID     -> a Modification of another SEID
#   del               -> cause=1 [ul=U dl=D total=T]: the Usage Report
#   release           -> Association Release: cause=1
#
# usage: pfcpd_smf.py AGENT_ADDR SMF_ADDR ACCESS_ADDR

import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "pfcpd", "tests"))
import smf_msgs as s  # noqa: E402
from scapy.contrib.pfcp import (  # noqa: E402
    PFCP, IE_ApplyAction, IE_Cause, IE_CreatedPDR, IE_CreatePDR,
    IE_DestinationInterface, IE_FAR_Id, IE_FailedRuleId, IE_FSEID, IE_FTEID,
    IE_NetworkInstance, IE_OffendingIE, IE_OuterHeaderCreation,
    IE_OuterHeaderRemoval, IE_PDI, IE_PDR_Id, IE_Precedence, IE_QER_Id,
    IE_SourceInterface, IE_UE_IP_Address, IE_UPFunctionFeatures,
    IE_UpdateFAR, IE_UpdateForwardingParameters, IE_URR_Id,
    IE_UsageReport_SDR, IE_VolumeMeasurement,
    PFCPSessionEstablishmentRequest, PFCPSessionModificationRequest)

agent, me, access = sys.argv[1:4]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((me, 8805))
sock.settimeout(10)
seq = 0
up_seid = 0


def exchange(msg, src=None):
    """msg to the agent, its response; from address src if given."""
    global seq
    seq += 1
    msg[PFCP].seq = seq
    s = sock
    if src:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 8805))
        s.settimeout(10)
    try:
        s.sendto(bytes(msg), (agent, 8805))
        while True:
            data, _ = s.recvfrom(65535)
            rsp = PFCP(data)
            if rsp.seq == seq:
                return rsp
    finally:
        if src:
            s.close()


def ies(rsp, cls):
    return [ie for ie in rsp.payload.IE_list if isinstance(ie, cls)]


def result(rsp):
    """cause=, then what the response carries"""
    out = [f"cause={ies(rsp, IE_Cause)[0].cause}"]
    for ie in ies(rsp, IE_OffendingIE):
        out.append(f"offending={ie.type}")
    for ie in ies(rsp, IE_FailedRuleId):
        out.append(f"rule={ie.type}/{ie.pdr_id}")
    for ie in ies(rsp, IE_FSEID):
        out.append(f"seid={ie.seid:#x}")
    for ie in ies(rsp, IE_CreatedPDR):
        for f in ie.IE_list:
            if isinstance(f, IE_FTEID):
                out.append(f"teid={f.TEID:#x} addr={f.ipv4}")
    for ie in ies(rsp, IE_UsageReport_SDR):
        for f in ie.IE_list:
            if isinstance(f, IE_VolumeMeasurement):
                out.append(f"ul={f.uplink} dl={f.downlink} total={f.total}")
    for ie in ies(rsp, IE_UPFunctionFeatures):
        out.append(f"ftup={ie.FTUP}")
    return " ".join(out)


def ue_ip(ue, sd=0):
    if ":" in ue:
        return IE_UE_IP_Address(V6=1, SD=sd, ipv6=ue)
    return IE_UE_IP_Address(V4=1, SD=sd, ipv4=ue)


def downlink_pdr(ue):
    return IE_CreatePDR(IE_list=[
        IE_PDR_Id(id=2), IE_Precedence(precedence=255),
        IE_PDI(IE_list=[
            IE_SourceInterface(interface=s.CORE),
            IE_NetworkInstance(instance="internet"), ue_ip(ue, 1)]),
        IE_FAR_Id(id=2), IE_URR_Id(id=1), IE_QER_Id(id=1)])


def uplink_pdr(ni, ue):
    """open5gs' uplink PDR with the F-TEID to CHOOSE"""
    return IE_CreatePDR(IE_list=[
        IE_PDR_Id(id=1), IE_Precedence(precedence=255),
        IE_PDI(IE_list=[
            IE_SourceInterface(interface=s.ACCESS),
            IE_FTEID(V4=1, CH=1, CHID=1, choose_id=5),
            IE_NetworkInstance(instance=ni),
            ue_ip(ue)]),
        IE_OuterHeaderRemoval(header=0), IE_FAR_Id(id=1),
        IE_URR_Id(id=1), IE_QER_Id(id=1)])


def est(ni="internet", ue="10.45.0.2", with_fseid=True):
    ies_ = [s.node_id(me)]
    if with_fseid:
        ies_.append(s.fseid(0x1000, me))
    ies_ += [uplink_pdr(ni, ue), downlink_pdr(ue), s.far_forw(), s.far_buff(),
             s.urr(), s.qer()]
    return s.hdr(0, 0) / PFCPSessionEstablishmentRequest(IE_list=ies_)


def mod(seid, far_id, teid):
    return s.hdr(0, seid) / PFCPSessionModificationRequest(IE_list=[
        IE_UpdateFAR(IE_list=[
            IE_FAR_Id(id=far_id), IE_ApplyAction(FORW=1),
            IE_UpdateForwardingParameters(IE_list=[
                IE_DestinationInterface(interface=s.ACCESS),
                IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=teid,
                                       ipv4=access)])])])


for line in sys.stdin:
    w = line.split()
    if not w:
        continue
    try:
        if w[0] == "assoc":
            r = exchange(s.assoc_setup_req(0, me))
        elif w[0] == "est":
            r = exchange(est(*w[1:3]))
            f = ies(r, IE_FSEID)
            if f and ies(r, IE_Cause)[0].cause == 1:
                up_seid = f[0].seid
        elif w[0] == "est-no-fseid":
            r = exchange(est(with_fseid=False))
        elif w[0] == "mod":
            r = exchange(mod(up_seid, 2, int(w[1], 0)))
        elif w[0] == "mod-bad":
            r = exchange(mod(up_seid, 9, 0x200))
        elif w[0] == "mod-seid":
            r = exchange(mod(int(w[1], 0), 2, 0x200))
        elif w[0] == "del":
            r = exchange(s.session_del_req(0, up_seid))
        elif w[0] == "del-from":
            r = exchange(s.session_del_req(0, up_seid), w[1])
        elif w[0] == "mod-from":
            r = exchange(mod(up_seid, 2, 0x999), w[1])
        elif w[0] == "est-from":
            r = exchange(est(), w[1])
        elif w[0] == "release":
            r = exchange(s.assoc_release_req(0, me))
        else:
            print(f"error=unknown-command {w[0]}", flush=True)
            continue
        print(result(r), flush=True)
    except (socket.timeout, IndexError, AttributeError) as e:
        print(f"error={type(e).__name__}", flush=True)
