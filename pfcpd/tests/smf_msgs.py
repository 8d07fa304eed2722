# SPDX-License-Identifier: GPL-2.0-only
#
# PFCP messages as an SMF sends them, built with scapy's PFCP layer
# (scapy.contrib.pfcp, an implementation the project did not write).
# The IEs follow what open5gs' SMF sends for a basic session (see
# docs/pfcp.md).  Used by pfcpd/tests/pfcpd.py and fuzz/make-pfcp-seeds.py.

from scapy.contrib.pfcp import (
    PFCP, IE_ApplyAction, IE_CPFunctionFeatures, IE_Cause, IE_CreateFAR,
    IE_CreatePDR, IE_CreateQER, IE_CreateURR, IE_DestinationInterface,
    IE_EnterpriseSpecific, IE_FAR_Id, IE_FSEID, IE_FTEID,
    IE_ForwardingParameters, IE_GateStatus, IE_MBR, IE_MeasurementMethod,
    IE_MeasurementPeriod, IE_NetworkInstance, IE_NodeId,
    IE_OuterHeaderCreation, IE_OuterHeaderRemoval, IE_PDI, IE_PDNType,
    IE_PDR_Id, IE_PFCPSMReqFlags, IE_Precedence, IE_QER_Id, IE_QFI,
    IE_RecoveryTimeStamp, IE_RemoveFAR, IE_RemovePDR, IE_RemoveQER,
    IE_RemoveURR, IE_ReportingTriggers, IE_SourceInterface, IE_URR_Id,
    IE_UE_IP_Address, IE_UPFunctionFeatures, IE_UpdateFAR,
    IE_UpdateForwardingParameters, IE_UpdatePDR, IE_UpdateQER, IE_UpdateURR,
    IE_VolumeQuota, IE_VolumeThreshold,
    PFCPAssociationReleaseRequest, PFCPAssociationSetupRequest,
    PFCPAssociationSetupResponse, PFCPAssociationUpdateRequest,
    PFCPHeartbeatRequest, PFCPHeartbeatResponse,
    PFCPSessionDeletionRequest, PFCPSessionEstablishmentRequest,
    PFCPSessionModificationRequest)

SMF_V4 = "10.0.0.2"
RECOVERY = 3900000000          # an NTP time stamp, 2023
ACCESS, CORE = 0, 1


def hdr(seq, seid=None):
    if seid is None:
        return PFCP(version=1, S=0, seq=seq)
    return PFCP(version=1, S=1, seid=seid, seq=seq)


def node_id(addr=SMF_V4):
    if ":" in addr:
        return IE_NodeId(id_type=1, ipv6=addr)
    return IE_NodeId(id_type=0, ipv4=addr)


def heartbeat_req(seq, ts=RECOVERY):
    return hdr(seq) / PFCPHeartbeatRequest(IE_list=[
        IE_RecoveryTimeStamp(timestamp=ts)])


def heartbeat_rsp(seq, ts=RECOVERY):
    return hdr(seq) / PFCPHeartbeatResponse(IE_list=[
        IE_RecoveryTimeStamp(timestamp=ts)])


def assoc_setup_req(seq, addr=SMF_V4, ts=RECOVERY):
    return hdr(seq) / PFCPAssociationSetupRequest(IE_list=[
        node_id(addr), IE_RecoveryTimeStamp(timestamp=ts),
        IE_CPFunctionFeatures()])


def assoc_setup_rsp(seq, addr=SMF_V4):
    return hdr(seq) / PFCPAssociationSetupResponse(IE_list=[
        node_id(addr), IE_Cause(cause=1),
        IE_RecoveryTimeStamp(timestamp=RECOVERY), IE_UPFunctionFeatures()])


def assoc_update_req(seq, addr=SMF_V4):
    return hdr(seq) / PFCPAssociationUpdateRequest(IE_list=[
        node_id(addr), IE_CPFunctionFeatures()])


def assoc_release_req(seq, addr=SMF_V4):
    return hdr(seq) / PFCPAssociationReleaseRequest(IE_list=[node_id(addr)])


def fseid(seid, addr=SMF_V4):
    if ":" in addr:
        return IE_FSEID(v6=1, seid=seid, ipv6=addr)
    return IE_FSEID(v4=1, seid=seid, ipv4=addr)


def uplink_pdr(pdr_id=1, far_id=1, choose=True):
    """open5gs' uplink PDR: Local F-TEID (CHOOSE), UE address, removal;
    two QER IDs as free5gc sends them."""
    fteid = (IE_FTEID(V4=1, CH=1, CHID=1, choose_id=5) if choose else
             IE_FTEID(V4=1, TEID=0x1234, ipv4="10.0.0.1"))
    return IE_CreatePDR(IE_list=[
        IE_PDR_Id(id=pdr_id), IE_Precedence(precedence=255),
        IE_PDI(IE_list=[
            IE_SourceInterface(interface=ACCESS), fteid,
            IE_NetworkInstance(instance="internet"),
            IE_UE_IP_Address(V4=1, ipv4="10.45.0.2"), IE_QFI(QFI=1)]),
        IE_OuterHeaderRemoval(header=0), IE_FAR_Id(id=far_id),
        IE_URR_Id(id=1), IE_QER_Id(id=1), IE_QER_Id(id=2)])


def downlink_pdr(pdr_id=2, far_id=2):
    return IE_CreatePDR(IE_list=[
        IE_PDR_Id(id=pdr_id), IE_Precedence(precedence=255),
        IE_PDI(IE_list=[
            IE_SourceInterface(interface=CORE),
            IE_NetworkInstance(instance="internet"),
            IE_UE_IP_Address(V4=1, SD=1, ipv4="10.45.0.2")]),
        IE_FAR_Id(id=far_id), IE_URR_Id(id=1), IE_QER_Id(id=1)])


def far_forw(far_id=1, dest=CORE):
    return IE_CreateFAR(IE_list=[
        IE_FAR_Id(id=far_id), IE_ApplyAction(FORW=1),
        IE_ForwardingParameters(IE_list=[
            IE_DestinationInterface(interface=dest),
            IE_NetworkInstance(instance="internet")])])


def far_buff(far_id=2):
    """The first downlink FAR of an open5gs session: BUFF | NOCP."""
    return IE_CreateFAR(IE_list=[
        IE_FAR_Id(id=far_id), IE_ApplyAction(BUFF=1, NOCP=1)])


def urr():
    return IE_CreateURR(IE_list=[
        IE_URR_Id(id=1), IE_MeasurementMethod(VOLUM=1),
        IE_ReportingTriggers(volume_threshold=1, volume_quota=1),
        IE_MeasurementPeriod(period=60),
        IE_VolumeThreshold(TOVOL=1, total=10000000),
        IE_VolumeQuota(TOVOL=1, total=20000000)])


def qer():
    return IE_CreateQER(IE_list=[
        IE_QER_Id(id=1), IE_GateStatus(ul=0, dl=0),
        IE_MBR(ul=1000000, dl=2000000), IE_QFI(QFI=1)])


def session_est_req(seq, seid=0x1000, addr=SMF_V4):
    return hdr(seq, 0) / PFCPSessionEstablishmentRequest(IE_list=[
        node_id(addr), fseid(seid, addr),
        uplink_pdr(), downlink_pdr(), far_forw(), far_buff(), urr(), qer(),
        IE_PDNType(pdn_type=1)])


def session_mod_req(seq, seid):
    """Downlink FAR to FORW towards the access node, with end marker."""
    return hdr(seq, seid) / PFCPSessionModificationRequest(IE_list=[
        IE_UpdateFAR(IE_list=[
            IE_FAR_Id(id=2), IE_ApplyAction(FORW=1),
            IE_UpdateForwardingParameters(IE_list=[
                IE_DestinationInterface(interface=ACCESS),
                IE_NetworkInstance(instance="internet"),
                IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=0x5678,
                                       ipv4="10.0.0.9"),
                IE_PFCPSMReqFlags(SNDEM=1)])]),
        IE_UpdatePDR(IE_list=[IE_PDR_Id(id=2), IE_FAR_Id(id=2)]),
        IE_UpdateURR(IE_list=[IE_URR_Id(id=1),
                              IE_VolumeThreshold(TOVOL=1, total=5000)]),
        IE_UpdateQER(IE_list=[IE_QER_Id(id=1), IE_GateStatus(ul=1, dl=1)]),
        IE_RemovePDR(IE_list=[IE_PDR_Id(id=3)]),
        IE_RemoveFAR(IE_list=[IE_FAR_Id(id=3)]),
        IE_RemoveURR(IE_list=[IE_URR_Id(id=3)]),
        IE_RemoveQER(IE_list=[IE_QER_Id(id=3)])])


def session_del_req(seq, seid):
    return hdr(seq, seid) / PFCPSessionDeletionRequest()


def enterprise_ie():
    return IE_EnterpriseSpecific(ietype=32769, enterprise_id=18681,
                                 data=b"nf-gtpu")
