#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Play the SMF against nf-gtpu-pfcpd, over IPv4 and IPv6, with scapy's
# PFCP layer (Debian's /usr/bin/python3).  Run by tests/pfcpd.sh inside
# a network namespace with the agent started.  Every datagram the agent
# sends is kept and written to a pcap for tshark.  TAP-ish output: one
# "ok"/"not ok" line per check, exit 1 if any failed.
#
# usage: pfcpd.py AGENT_PID STATS_FILE PCAP AGENT_V4 SMF_V4 AGENT_V6 SMF_V6

import itertools
import os
import signal
import socket
import struct
import sys
import time

import smf_msgs as s
from scapy.all import IP, IPv6, UDP, Ether, wrpcap
from scapy.contrib.pfcp import (
    PFCP, IE_CPFunctionFeatures, IE_Cause, IE_NodeId, IE_OffendingIE, IE_RecoveryTimeStamp,
    IE_UPFunctionFeatures, PFCPAssociationSetupRequest,
    PFCPSessionEstablishmentRequest)

PORT = 8805
NTP_OFFSET = 2208988800

agent_pid, stats_file, pcap_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
AGENT_V4, SMF_V4, AGENT_V6, SMF_V6 = sys.argv[4:8]
OTHER_V4 = "127.0.0.3"          # on lo too, no association

results = []
sent_by_agent = []
# one sequence for every SMF socket: a number reused from the same
# address and port within the window would be a duplicate request
SEQ = itertools.count(101)


def check(ok, what):
    results.append(bool(ok))
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}", flush=True)
    return ok


class Smf:
    """One SMF endpoint: a socket on port 8805, as a real SMF has."""

    def __init__(self, agent, me, port=PORT):
        self.fam = socket.AF_INET6 if ":" in agent else socket.AF_INET
        self.agent, self.me = agent, me
        self.sock = socket.socket(self.fam, socket.SOCK_DGRAM)
        self.sock.bind((me, port))
        self.raw = None

    def next_seq(self):
        return next(SEQ)

    def recv(self, timeout=1.0):
        """The next datagram from the agent, decoded, or None."""
        self.sock.settimeout(timeout)
        try:
            data, addr = self.sock.recvfrom(65535)
        except socket.timeout:
            return None
        self.raw = data
        # Ethernet framing: one link type for IPv4 and IPv6 in the pcap
        ip = Ether() / (IPv6(src=addr[0], dst=self.me)
                        if self.fam == socket.AF_INET6
                        else IP(src=addr[0], dst=self.me))
        sent_by_agent.append(ip / UDP(sport=addr[1], dport=PORT) / data)
        return PFCP(data)

    def send_raw(self, data):
        self.sock.sendto(bytes(data), (self.agent, PORT))

    def ask(self, pkt):
        """Send a request, return the agent's answer (heartbeats from the
        agent that cross it are answered and skipped)."""
        self.send_raw(pkt)
        while True:
            rsp = self.recv()
            if rsp is None or rsp.message_type != 1:
                return rsp
            self.send_raw(s.heartbeat_rsp(rsp.seq))

    def silent(self, data, what):
        self.send_raw(data)
        rsp = self.recv(0.3)
        while rsp is not None and rsp.message_type == 1:   # its heartbeat
            self.send_raw(s.heartbeat_rsp(rsp.seq))
            rsp = self.recv(0.3)
        check(rsp is None, f"{what}: no answer")


def ie(pkt, cls):
    return pkt[cls] if pkt is not None and cls in pkt else None


def cause_of(rsp):
    c = ie(rsp, IE_Cause)
    return c.cause if c else None


def stats():
    """The agent's counters, through SIGUSR1 and its stats file."""
    before = os.stat(stats_file).st_mtime_ns if os.path.exists(stats_file) \
        else 0
    os.kill(agent_pid, signal.SIGUSR1)
    for _ in range(50):
        if os.path.exists(stats_file) and \
                os.stat(stats_file).st_mtime_ns != before:
            break
        time.sleep(0.1)
    out = {}
    with open(stats_file) as f:
        for line in f:
            if not line.startswith("#"):
                key, val = line.rsplit(" ", 1)
                out[key] = int(val)
    return out


def dropped(reason):
    return stats().get(f'nf_gtpu_pfcp_dropped_total{{reason="{reason}"}}', 0)


def node_id_ok(rsp, addr):
    n = ie(rsp, IE_NodeId)
    if n is None:
        return False
    return (n.id_type == 1 and n.ipv6 == addr) if ":" in addr else \
        (n.id_type == 0 and n.ipv4 == addr)


def test_heartbeat(smf, fam):
    seq = smf.next_seq()
    rsp = smf.ask(s.heartbeat_req(seq))
    check(rsp is not None and rsp.message_type == 2 and rsp.seq == seq,
          f"{fam}: Heartbeat Request answered, same sequence number")
    ts = ie(rsp, IE_RecoveryTimeStamp)
    check(ts and abs(ts.timestamp - NTP_OFFSET - time.time()) < 600,
          f"{fam}: its Recovery Time Stamp is the agent's start, NTP epoch")
    return ts.timestamp if ts else None


def test_session_rejected(smf, fam, cause, what):
    seq = smf.next_seq()
    rsp = smf.ask(s.session_est_req(seq, seid=0x4242, addr=smf.me))
    check(rsp is not None and rsp.message_type == 51 and rsp.seq == seq and
          rsp.S == 1 and rsp.seid == 0x4242,
          f"{fam}: Session Establishment {what}: a response, the CP's SEID")
    check(cause_of(rsp) == cause and node_id_ok(rsp, AGENT_NODE),
          f"{fam}: Session Establishment {what}: cause {cause}, Node ID")


def test_association(smf, fam, recovery):
    seq = smf.next_seq()
    rsp = smf.ask(s.assoc_setup_req(seq, smf.me))
    check(rsp is not None and rsp.message_type == 6 and rsp.seq == seq and
          cause_of(rsp) == 1, f"{fam}: Association Setup accepted")
    check(node_id_ok(rsp, AGENT_NODE), f"{fam}: its Node ID is the agent's")
    ts = ie(rsp, IE_RecoveryTimeStamp)
    check(ts and ts.timestamp == recovery,
          f"{fam}: its Recovery Time Stamp is the heartbeat's")
    ff = ie(rsp, IE_UPFunctionFeatures)
    check(ff and bytes(ff)[4:] == b"\0\0",
          f"{fam}: UP Function Features present, nothing advertised")


def agent_heartbeat(smf, fam, recovery, my_ts):
    hb = None
    deadline = time.time() + 4
    while hb is None and time.time() < deadline:
        p = smf.recv(0.5)
        if p is not None and p.message_type == 1:
            hb = p
    check(hb is not None and hb.S == 0,
          f"{fam}: the agent sends its own Heartbeat Request")
    ts = ie(hb, IE_RecoveryTimeStamp)
    check(ts and ts.timestamp == recovery,
          f"{fam}: with its Recovery Time Stamp")
    if hb is not None:
        smf.send_raw(s.heartbeat_rsp(hb.seq, my_ts))


def test_restart(smf, fam):
    key = 'nf_gtpu_pfcp_peer_events_total{event="restart"}'
    before = stats().get(key, 0)
    agent_heartbeat(smf, fam, RECOVERY_AGENT, s.RECOVERY + 1)
    time.sleep(0.2)
    check(stats().get(key, 0) == before + 1,
          f"{fam}: a new Recovery Time Stamp in a Heartbeat Response is "
          "a peer restart")


def test_sessions_associated(smf, fam):
    test_session_rejected(smf, fam, 76, "once associated")
    if fam == "IPv4":
        # the association's Node ID, from another address: not its SMF
        other = Smf(smf.agent, OTHER_V4)
        seq = other.next_seq()
        rsp = other.ask(s.session_est_req(seq, seid=0x4242, addr=smf.me))
        check(rsp is not None and rsp.seq == seq and cause_of(rsp) == 72,
              f"{fam}: Session Establishment naming the association's "
              f"Node ID from {OTHER_V4}: cause 72")
        other.sock.close()
    # missing CP F-SEID: cause 66 and the Offending IE names it
    seq = smf.next_seq()
    req = s.session_est_req(seq, addr=smf.me)
    req[PFCPSessionEstablishmentRequest].IE_list = [
        i for i in req[PFCPSessionEstablishmentRequest].IE_list
        if i.ietype != 57]
    rsp = smf.ask(req)
    off = ie(rsp, IE_OffendingIE)
    check(cause_of(rsp) == 66 and off and off.type == 57,
          f"{fam}: Session Establishment without F-SEID: cause 66, "
          "Offending IE F-SEID")
    for build, name in ((s.session_mod_req, "Modification"),
                        (s.session_del_req, "Deletion")):
        seq = smf.next_seq()
        rsp = smf.ask(build(seq, 0x77))
        check(rsp is not None and rsp.seq == seq and rsp.seid == 0 and
              cause_of(rsp) == 65,
              f"{fam}: Session {name} of an unknown session: cause 65, SEID 0")


def test_malformed(smf, fam):
    hb = bytes(s.heartbeat_req(smf.next_seq()))
    seq = smf.next_seq()
    rsp = smf.ask(bytes([0x40]) + bytes(s.heartbeat_req(seq))[1:])
    check(rsp is not None and rsp.message_type == 11 and rsp.seq == seq,
          f"{fam}: version 2: Version Not Supported Response")
    before = {r: dropped(r) for r in ("truncated", "bad_length",
                                      "unknown_type", "bad_s_flag",
                                      "bad_ie")}
    smf.silent(hb[:3], f"{fam}: 3-octet datagram")
    smf.silent(hb[:2] + struct.pack("!H", 400) + hb[4:],
               f"{fam}: Message Length beyond the datagram")
    smf.silent(hb + b"\0\0\0\0", f"{fam}: octets after the message")
    smf.silent(hb[:1] + bytes([99]) + hb[2:], f"{fam}: unknown type 99")
    smf.silent(bytes([hb[0] | 1]) + hb[1:], f"{fam}: Heartbeat with S flag")
    smf.silent(hb[:2] + struct.pack("!H", 4) + hb[4:8],
               f"{fam}: Heartbeat without Recovery Time Stamp")
    after = {r: dropped(r) for r in before}
    check(after["truncated"] == before["truncated"] + 1 and
          after["bad_length"] == before["bad_length"] + 2 and
          after["unknown_type"] == before["unknown_type"] + 1 and
          after["bad_s_flag"] == before["bad_s_flag"] + 1 and
          after["bad_ie"] == before["bad_ie"] + 1,
          f"{fam}: each dropped datagram counted by reason")
    seq = smf.next_seq()
    rsp = smf.ask(s.hdr(seq) / PFCPAssociationSetupRequest(IE_list=[
        s.node_id(smf.me), IE_CPFunctionFeatures()]))
    check(rsp is not None and rsp.message_type == 6 and cause_of(rsp) == 66,
          f"{fam}: Association Setup without Recovery Time Stamp: cause 66")
    seq = smf.next_seq()
    raw = bytearray(bytes(s.assoc_setup_req(seq, smf.me)))
    raw[10:12] = struct.pack("!H", 300)   # the Node ID overruns
    rsp = smf.ask(bytes(raw))
    check(cause_of(rsp) == 68, f"{fam}: an IE overrunning the message: "
          "cause 68")


def duplicates():
    return stats().get("nf_gtpu_pfcp_duplicates_total", 0)


def ask_twice(smf, req, what):
    """Send a request twice, same sequence number: the same answer,
    octet for octet."""
    rsp = smf.ask(req)
    first = smf.raw if rsp is not None else None
    again = smf.ask(req)
    check(first is not None and again is not None and smf.raw == first,
          f"{what}: the retransmission gets the same response octets")
    return rsp


def test_duplicates(smf, fam):
    """TS 29.244 6.4: a retransmitted request is answered with the
    response already sent and not handled again.  The agent is not
    associated with this SMF when it starts."""
    before = duplicates()
    ask_twice(smf, s.heartbeat_req(smf.next_seq()), f"{fam}: Heartbeat")
    rsp = ask_twice(smf, s.assoc_setup_req(smf.next_seq(), smf.me),
                    f"{fam}: Association Setup")
    check(cause_of(rsp) == 1, f"{fam}: Association Setup accepted")
    release = s.assoc_release_req(smf.next_seq(), smf.me)
    rsp = ask_twice(smf, release, f"{fam}: Association Release")
    check(cause_of(rsp) == 1 and cause_of(PFCP(smf.raw)) == 1,
          f"{fam}: Association Release: accepted, and accepted again "
          "(not \"No established PFCP Association\")")
    rsp = ask_twice(smf, s.session_est_req(smf.next_seq(), addr=smf.me),
                    f"{fam}: Session Establishment refused")
    check(cause_of(rsp) == 72, f"{fam}: refused with cause 72")
    check(duplicates() == before + 4,
          f"{fam}: 4 duplicates counted ({duplicates() - before})")
    rsp = smf.ask(s.assoc_release_req(smf.next_seq(), smf.me))
    check(cause_of(rsp) == 72,
          f"{fam}: a new Release: cause 72, released only once")
    other = Smf(smf.agent, smf.me, 0)
    rsp = other.ask(release)
    other.sock.close()
    check(cause_of(rsp) == 72, f"{fam}: the same sequence number from "
          "another port is another request")
    # response-cache-time 2 (pfcpd.sh): 2 to 3 s
    time.sleep(3.2)
    rsp = smf.ask(release)
    check(cause_of(rsp) == 72 and duplicates() == before + 4,
          f"{fam}: after the window the request is handled again")


def test_release(smf, fam):
    seq = smf.next_seq()
    rsp = smf.ask(s.assoc_update_req(seq, smf.me))
    check(rsp is not None and rsp.message_type == 8 and cause_of(rsp) == 1,
          f"{fam}: Association Update accepted")
    seq = smf.next_seq()
    rsp = smf.ask(s.assoc_release_req(seq, smf.me))
    check(rsp is not None and rsp.message_type == 10 and cause_of(rsp) == 1
          and node_id_ok(rsp, AGENT_NODE), f"{fam}: Association Release "
          "accepted")
    rsp = smf.ask(s.assoc_release_req(smf.next_seq(), smf.me))
    check(cause_of(rsp) == 72, f"{fam}: released again: cause 72")
    test_session_rejected(smf, fam, 72, "after the release")


def run(agent, me, fam):
    smf = Smf(agent, me)
    recovery = test_heartbeat(smf, fam)
    test_session_rejected(smf, fam, 72, "before association")
    test_association(smf, fam, recovery)
    agent_heartbeat(smf, fam, recovery, s.RECOVERY)
    test_restart(smf, fam)
    test_sessions_associated(smf, fam)
    test_malformed(smf, fam)
    test_release(smf, fam)
    test_duplicates(smf, fam)
    return recovery


def test_timeout(agent, me, fam):
    """A peer that stops answering heartbeats is lost after
    heartbeat-misses (3) intervals of 1 s."""
    smf = Smf(agent, me)
    key = 'nf_gtpu_pfcp_peer_events_total{event="timeout"}'
    before = stats().get(key, 0)
    rsp = smf.ask(s.assoc_setup_req(smf.next_seq(), smf.me))
    check(cause_of(rsp) == 1, f"{fam}: associated, heartbeats unanswered")
    deadline = time.time() + 8
    while stats().get(key, 0) == before and time.time() < deadline:
        time.sleep(0.5)
    check(stats().get(key, 0) == before + 1,
          f"{fam}: the silent peer is lost and counted")
    # drain the unanswered heartbeats, then the association is gone
    while smf.recv(0.1) is not None:
        pass
    test_session_rejected(smf, fam, 72, "after the peer was lost")


AGENT_NODE = AGENT_V4
RECOVERY_AGENT = None
# wait for the agent to listen
probe = Smf(AGENT_V4, SMF_V4)
for _ in range(50):
    probe.send_raw(s.heartbeat_req(1))
    r = probe.recv(0.1)
    if r is not None:
        RECOVERY_AGENT = ie(r, IE_RecoveryTimeStamp).timestamp
        break
probe.sock.close()
sent_by_agent.clear()
if not check(RECOVERY_AGENT, "the agent answers on IPv4"):
    sys.exit(1)
run(AGENT_V4, SMF_V4, "IPv4")
run(AGENT_V6, SMF_V6, "IPv6")
test_timeout(AGENT_V4, SMF_V4, "IPv4")
wrpcap(pcap_file, sent_by_agent)
check(len(sent_by_agent) >= 30, f"{len(sent_by_agent)} messages from the "
      f"agent written to {os.path.basename(pcap_file)}")
failed = results.count(False)
print(f"# {len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
