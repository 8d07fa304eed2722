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
#   mod-switch TEID   -> mod TEID as a path switch: SNDEM set, an End
#                        Marker asked for on the old path
#   mod-buff          -> the downlink FAR back to BUFF|NOCP (the UE idle)
#   mod-choose [UE]   -> an Update PDR of the uplink PDR asking for a new
#                        F-TEID (CHOOSE): cause=1 updated-teid=T addr=A
#   mod-bad           -> Update FAR of a FAR the session does not have
#   mod-seid SEID     -> a Modification of another SEID
#   del               -> cause=1 [ul=U dl=D total=T]: the Usage Report
#   del-seid SEID     -> a Deletion of that SEID, as del
#   seid              -> the SEID of the last session established
#   release           -> Association Release: cause=1
#   restart           -> a Heartbeat Request with a new Recovery Time
#                        Stamp, as from a restarted SMF: type=2 (its
#                        Heartbeat Response)
#   hb                -> a Heartbeat Request: type=2 recovery=R, the
#                        agent's Recovery Time Stamp
#   heartbeats off    -> ok: the agent's Heartbeat Requests go unanswered
#   urr VOLTH PERIOD  -> ok: later establishments' URR reports on a
#                        Volume Threshold of VOLTH octets in total and
#                        every PERIOD seconds
#   urr               -> ok: smf_msgs' URR again
#   quota Q           -> ok: later establishments' URR reports only a
#                        Volume Quota of Q octets in total used up
#   mod-quota Q       -> an Update URR with a new quota of Q octets
#   report-cause C TRIGGER
#                     -> ok: the next Session Report Request whose Usage
#                        Report has TRIGGER (volth, perio) is answered
#                        with cause C (later ones with 1); 0: not answered
#                        (its retransmission is); none: neither it nor its
#                        retransmissions are (answered=none).  Said before
#                        the report can come: it is answered as soon as it
#                        does
#   report TRIGGER    -> the first Session Report Request (received
#                        since the last such command) whose Usage Report
#                        has TRIGGER (volth, perio, volqu): usar=1 seid=S urr=U
#                        seqn=N trigger=T,... ul= dl= total= secs=
#                        answered=C; or with a Downlink Data Report
#                        (TRIGGER ddr): dldr=1 seid=S pdr=P trigger=ddr
#                        answered=C
#
# A thread reads the socket: the agent's Heartbeat Requests are answered
# (unless turned off) and its Session Report Requests too, whenever they
# come, cause 1 unless told otherwise; each report (not its
# retransmissions) is kept for "report".
#
# usage: pfcpd_smf.py AGENT_ADDR SMF_ADDR ACCESS_ADDR
# (IPv4 or IPv6 addresses: PFCP over the family of AGENT_ADDR, the agent
# asked to CHOOSE an F-TEID and to create outer headers of the family of
# ACCESS_ADDR)

import os
import queue
import socket
import sys
import threading

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
    IE_UsageReport_SDR, IE_VolumeMeasurement, IE_CreateURR,
    IE_MeasurementMethod, IE_ReportingTriggers, IE_MeasurementPeriod,
    IE_NotImplemented, IE_UpdatePDR, IE_PFCPSMReqFlags,
    IE_VolumeThreshold, IE_VolumeQuota, IE_UpdateURR, IE_ReportType, IE_UsageReport_SRR, IE_UR_SEQN,
    IE_UsageReportTrigger, IE_StartTime, IE_EndTime, IE_DownlinkDataReport,
    IE_RecoveryTimeStamp,
    PFCPSessionEstablishmentRequest, PFCPSessionModificationRequest,
    PFCPSessionReportResponse)

agent, me, access = sys.argv[1:4]
family = socket.AF_INET6 if ":" in agent else socket.AF_INET
access_v6 = ":" in access
sock = socket.socket(family, socket.SOCK_DGRAM)
sock.bind((me, 8805))
seq = 0
up_seid = 0
urr = s.urr()
report_causes = {}      # trigger: the cause to answer its next report with
reports = []            # results of the Session Report Requests kept
reports_seen = set()    # their sequence numbers: retransmissions
unanswered = set()      # sequence numbers of reports left unanswered
reports_cv = threading.Condition()     # guards both
responses = queue.Queue()       # the agent's responses to our requests
answer_heartbeats = True
recovery = s.RECOVERY   # our Recovery Time Stamp: a new one after "restart"


def triggers(ur):
    """The reporting triggers of a Usage Report's IEs, as in "report" """
    t = ur[IE_UsageReportTrigger]
    return [n.lower() for n in ("VOLTH", "PERIO", "VOLQU") if getattr(t, n)]


def usage_report(req, cause):
    """The result line of a Session Report Request answered with cause"""
    rt = ies(req, IE_ReportType)[0]
    if rt.DLDR:
        pdrs = [f.id for ddr in ies(req, IE_DownlinkDataReport)
                for f in ddr.IE_list if isinstance(f, IE_PDR_Id)]
        return (f"dldr=1 seid={req.seid:#x} "
                f"pdr={','.join(map(str, pdrs))} trigger=ddr "
                f"answered={cause}")
    out = [f"usar={rt.USAR}", f"seid={req.seid:#x}"]
    for ur in ies(req, IE_UsageReport_SRR):
        f = {type(ie): ie for ie in ur.IE_list}
        v = f[IE_VolumeMeasurement]
        out += [f"urr={f[IE_URR_Id].id}", f"seqn={f[IE_UR_SEQN].number}",
                f"trigger={','.join(triggers(f))}", f"ul={v.uplink}",
                f"dl={v.downlink}", f"total={v.total}",
                f"secs={f[IE_EndTime].timestamp - f[IE_StartTime].timestamp}"]
    out.append(f"answered={cause}")
    return " ".join(out)


def answer_report(req, sender):
    """A Session Report Response; the request kept unless seen before"""
    cause = 1
    if req.seq in unanswered:
        return
    for ur in ies(req, IE_UsageReport_SRR):
        for t in triggers({type(ie): ie for ie in ur.IE_list}):
            if t in report_causes:
                cause = report_causes.pop(t)
    if cause is None:
        unanswered.add(req.seq)
        reports_seen.add(req.seq)
        reports.append(usage_report(req, "none"))
        return
    if not cause:
        return
    seid = up_seid if cause == 1 else 0
    rsp = s.hdr(req.seq, seid) / PFCPSessionReportResponse(
        IE_list=[IE_Cause(cause=cause)])
    sock.sendto(bytes(rsp), sender)
    if req.seq in reports_seen:
        return
    reports_seen.add(req.seq)
    reports.append(usage_report(req, cause))


def receiver():
    """The agent's requests answered, its responses queued"""
    while True:
        data, sender = sock.recvfrom(65535)
        msg = PFCP(data)
        if msg.message_type == 1:
            if answer_heartbeats:
                sock.sendto(bytes(s.heartbeat_rsp(msg.seq, recovery)), sender)
        elif msg.message_type == 56:
            with reports_cv:
                answer_report(msg, sender)
                reports_cv.notify()
        else:
            responses.put(msg)


def wait_report(trigger):
    """The first report kept with trigger, waiting up to 20 s for it
    (times TEST_TIME_SCALE)"""
    def first():
        for r in reports:
            if trigger in r.split(" trigger=")[1].split()[0].split(","):
                del reports[:reports.index(r) + 1]
                return r
        return None

    with reports_cv:
        r = reports_cv.wait_for(
            first, 20 * int(os.environ.get("TEST_TIME_SCALE", "1")))
    return r or "error=no-report"


def exchange(msg, src=None):
    """msg to the agent, its response; from address src if given (a
    socket of its own, which only the response reaches)"""
    global seq
    seq += 1
    msg[PFCP].seq = seq
    if not src:
        sock.sendto(bytes(msg), (agent, 8805))
        while True:
            rsp = responses.get(timeout=10)
            if rsp.seq == seq:
                return rsp
    with socket.socket(family, socket.SOCK_DGRAM) as s_:
        s_.bind((src, 8805))
        s_.settimeout(10)
        s_.sendto(bytes(msg), (agent, 8805))
        while True:
            rsp = PFCP(s_.recvfrom(65535)[0])
            if rsp.seq == seq:
                return rsp


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
                out.append(f"teid={f.TEID:#x} addr={fteid_addr(f)}")
    for ie in ies(rsp, IE_NotImplemented):
        if ie.ietype != 256:
            continue
        # scapy has no Updated PDR: its IEs are read as a Created PDR's
        for f in IE_CreatedPDR(b"\x00\x08" + bytes(ie)[2:]).IE_list:
            if isinstance(f, IE_FTEID):
                out.append(f"updated-teid={f.TEID:#x} addr={fteid_addr(f)}")
    for ie in ies(rsp, IE_UsageReport_SDR):
        for f in ie.IE_list:
            if isinstance(f, IE_VolumeMeasurement):
                out.append(f"ul={f.uplink} dl={f.downlink} total={f.total}")
    for ie in ies(rsp, IE_UPFunctionFeatures):
        out.append(f"ftup={ie.FTUP}")
    return " ".join(out)


def fteid_addr(f):
    return f.ipv6 if f.V6 else f.ipv4


def choose(**kw):
    """An F-TEID to CHOOSE in the access node's family"""
    return IE_FTEID(V4=int(not access_v6), V6=int(access_v6), CH=1, **kw)


def ue_ip(ue, sd=0):
    """UE IP Address of "A", or "A4,A6" for a dual-stack UE"""
    kw = {}
    for a in ue.split(","):
        kw.update({"V6": 1, "ipv6": a} if ":" in a else {"V4": 1, "ipv4": a})
    return IE_UE_IP_Address(SD=sd, **kw)


def downlink_pdr(ue):
    return IE_CreatePDR(IE_list=[
        IE_PDR_Id(id=2), IE_Precedence(precedence=255),
        IE_PDI(IE_list=[
            IE_SourceInterface(interface=s.CORE),
            IE_NetworkInstance(instance="internet"), ue_ip(ue, 1)]),
        IE_FAR_Id(id=2), IE_URR_Id(id=1), IE_QER_Id(id=1)])


def uplink_pdi(ni, ue, fteid):
    return IE_PDI(IE_list=[
        IE_SourceInterface(interface=s.ACCESS), fteid,
        IE_NetworkInstance(instance=ni), ue_ip(ue)])


def uplink_pdr(ni, ue):
    """open5gs' uplink PDR with the F-TEID to CHOOSE"""
    return IE_CreatePDR(IE_list=[
        IE_PDR_Id(id=1), IE_Precedence(precedence=255),
        uplink_pdi(ni, ue, choose(CHID=1, choose_id=5)),
        IE_OuterHeaderRemoval(header=0), IE_FAR_Id(id=1),
        IE_URR_Id(id=1), IE_QER_Id(id=1)])


def mod_choose(seid, ue):
    """The uplink PDR's PDI again, a new F-TEID to CHOOSE"""
    return s.hdr(0, seid) / PFCPSessionModificationRequest(IE_list=[
        IE_UpdatePDR(IE_list=[
            IE_PDR_Id(id=1),
            uplink_pdi("internet", ue, choose())])])


def est(ni="internet", ue="10.45.0.2", with_fseid=True):
    ies_ = [s.node_id(me)]
    if with_fseid:
        ies_.append(s.fseid(0x1000, me))
    ies_ += [uplink_pdr(ni, ue), downlink_pdr(ue), s.far_forw(), s.far_buff(),
             urr, s.qer()]
    return s.hdr(0, 0) / PFCPSessionEstablishmentRequest(IE_list=ies_)


def mod_quota(seid, total):
    return s.hdr(0, seid) / PFCPSessionModificationRequest(IE_list=[
        IE_UpdateURR(IE_list=[IE_URR_Id(id=1),
                              IE_VolumeQuota(TOVOL=1, total=total)])])


def mod(seid, far_id, teid, sndem=False):
    if access_v6:
        ohc = IE_OuterHeaderCreation(GTPUUDPIPV6=1, TEID=teid, ipv6=access)
    else:
        ohc = IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=teid, ipv4=access)
    fwd = [IE_DestinationInterface(interface=s.ACCESS), ohc]
    if sndem:
        fwd.append(IE_PFCPSMReqFlags(SNDEM=1))
    return s.hdr(0, seid) / PFCPSessionModificationRequest(IE_list=[
        IE_UpdateFAR(IE_list=[
            IE_FAR_Id(id=far_id), IE_ApplyAction(FORW=1),
            IE_UpdateForwardingParameters(IE_list=fwd)])])


threading.Thread(target=receiver, daemon=True).start()
for line in sys.stdin:
    w = line.split()
    if not w:
        continue
    try:
        if w[0] == "assoc":
            r = exchange(s.assoc_setup_req(0, me, recovery))
        elif w[0] == "est":
            r = exchange(est(*w[1:3]))
            f = ies(r, IE_FSEID)
            if f and ies(r, IE_Cause)[0].cause == 1:
                up_seid = f[0].seid
        elif w[0] == "est-no-fseid":
            r = exchange(est(with_fseid=False))
        elif w[0] == "mod":
            r = exchange(mod(up_seid, 2, int(w[1], 0)))
        elif w[0] == "mod-switch":
            r = exchange(mod(up_seid, 2, int(w[1], 0), sndem=True))
        elif w[0] == "mod-buff":
            r = exchange(s.hdr(0, up_seid) / PFCPSessionModificationRequest(
                IE_list=[IE_UpdateFAR(IE_list=[
                    IE_FAR_Id(id=2), IE_ApplyAction(BUFF=1, NOCP=1)])]))
        elif w[0] == "mod-choose":
            r = exchange(mod_choose(up_seid, (w[1:] or ["10.45.0.2"])[0]))
        elif w[0] == "mod-bad":
            r = exchange(mod(up_seid, 9, 0x200))
        elif w[0] == "mod-seid":
            r = exchange(mod(int(w[1], 0), 2, 0x200))
        elif w[0] == "del":
            r = exchange(s.session_del_req(0, up_seid))
        elif w[0] == "del-seid":
            r = exchange(s.session_del_req(0, int(w[1], 0)))
        elif w[0] == "seid":
            print(f"{up_seid:#x}", flush=True)
            continue
        elif w[0] == "del-from":
            r = exchange(s.session_del_req(0, up_seid), w[1])
        elif w[0] == "mod-from":
            r = exchange(mod(up_seid, 2, 0x999), w[1])
        elif w[0] == "est-from":
            r = exchange(est(), w[1])
        elif w[0] == "release":
            r = exchange(s.assoc_release_req(0, me))
        elif w[0] == "restart":
            recovery += 1
            r = exchange(s.heartbeat_req(0, recovery))
            print(f"type={r.message_type}", flush=True)
            continue
        elif w[0] == "hb":
            r = exchange(s.heartbeat_req(0, recovery))
            ts = ies(r, IE_RecoveryTimeStamp)[0].timestamp
            print(f"type={r.message_type} recovery={ts}", flush=True)
            continue
        elif w[0] == "heartbeats" and w[1:] == ["off"]:
            answer_heartbeats = False
            print("ok", flush=True)
            continue
        elif w[0] == "urr" and len(w) == 1:
            urr = s.urr()
            print("ok", flush=True)
            continue
        elif w[0] == "urr":
            urr = IE_CreateURR(IE_list=[
                IE_URR_Id(id=1), IE_MeasurementMethod(VOLUM=1),
                IE_ReportingTriggers(volume_threshold=1,
                                     periodic_reporting=1),
                IE_MeasurementPeriod(period=int(w[2])),
                IE_VolumeThreshold(TOVOL=1, total=int(w[1]))])
            print("ok", flush=True)
            continue
        elif w[0] == "quota":
            urr = IE_CreateURR(IE_list=[
                IE_URR_Id(id=1), IE_MeasurementMethod(VOLUM=1),
                IE_ReportingTriggers(volume_quota=1),
                IE_VolumeQuota(TOVOL=1, total=int(w[1]))])
            print("ok", flush=True)
            continue
        elif w[0] == "mod-quota":
            r = exchange(mod_quota(up_seid, int(w[1])))
        elif w[0] == "report-cause":
            with reports_cv:
                report_causes[w[2]] = None if w[1] == "none" else int(w[1])
            print("ok", flush=True)
            continue
        elif w[0] == "report":
            print(wait_report(w[1]), flush=True)
            continue
        else:
            print(f"error=unknown-command {w[0]}", flush=True)
            continue
        print(result(r), flush=True)
    except (socket.timeout, queue.Empty, IndexError, AttributeError,
            KeyError) as e:
        print(f"error={type(e).__name__}", flush=True)
