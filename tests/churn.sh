#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PDP contexts added and deleted continuously while traffic flows through
# thousands of tunnels, on the network of lib.sh:
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn
#                192.0.2.0/24      198.51.100.0/24
#
# gw runs docs/gateway.nft; its maps hold the PDP contexts of CHURN_SUBS
# (3600) subscribers: MS 10.64.0.0/16 + 1 + s, uplink TEID 0x10000 + s,
# downlink TEID 0x20000 + s.  The first 1000 are always active (stable),
# the last 200 never (ghosts), the others come and go: for CHURN_SECONDS
# (60) a controller on gw deletes and adds random ones in nft batches
# (one transaction each, stock nft), and deletes and re-adds a few stable
# ones in the same transaction, which must not lose a packet.
#
# Meanwhile a generator on acc sends GTP-U T-PDUs for every subscriber in
# turn, plus cross-wired ones (one subscriber's TEID, another's address),
# and one on pdn sends UDP to every MS address, CHURN_PPS (600, divided by
# TEST_TIME_SCALE on a slow kernel, rounded up) packets a second each way;
# every payload names its subscriber and its TEID.  The receivers (a socket on
# pdn; on acc, a socket on port 2152 that reads GTP-U itself) check that
# every packet delivered arrived from/with its own subscriber's MS address
# and TEID.  Then the counters must add up:
#
#   uplink sent   = decapsulated + spoofed (nf_gtpu) + unknown TEID (nft rule)
#                   + answered with an Error Indication (nf_gtpu, rate-limited;
#                   each must reach acc)
#   decapsulated  = delivered at pdn + pdn's UDP receive errors
#   downlink sent = encapsulated (nf_gtpu) + apn0 tx_dropped (no context)
#   encapsulated  = delivered at acc + acc's UDP receive errors
#
# stable subscribers get every packet, ghosts none, and a last round with
# the contexts frozen reaches exactly the subscribers the maps hold.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
tmp=$(mktemp -d)
docs=$(dirname "$(readlink -f "$0")")/../docs
SUBS=${CHURN_SUBS:-3600}
SECONDS_CHURN=${CHURN_SECONDS:-60}
PPS=${CHURN_PPS:-$(( (600 + TIME_SCALE - 1) / TIME_SCALE ))}
pids=()

cleanup() {
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip nft ss sysctl
[ -x "$RULESET_RULE" ] || [ -n "${NFT:-}" ] || SKIP "nft_gtp_rule is not built"
[ -x /usr/bin/python3 ] || SKIP "python3 is not installed"
require_modules nf_gtpu nft_gtp veth

# The generators, receivers, controller and the final check.
cat >"$tmp/churn.py" <<'EOF'
import json, os, random, socket, struct, subprocess, sys, time

MAGIC = b"CHRN"
PAY = struct.Struct("!4sBIII")		# magic, kind (0, 1 cross-wired), sub, TEID, round
FINAL = 0xffffffff			# the round after the churn
PDN, GW, ACC = "198.51.100.2", "192.0.2.2", "192.0.2.1"
UL_PORT, DL_PORT = 9000, 9001
STABLE, GHOSTS = 1000, 200

def ms(s): return socket.inet_ntoa(struct.pack("!I", 0x0a400001 + s))
def ul(s): return 0x10000 + s
def dl(s): return 0x20000 + s
def stable(n): return range(0, STABLE)
def churned(n): return range(STABLE, n - GHOSTS)
def ghosts(n): return range(n - GHOSTS, n)

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def tpdu_prefix(teid, src):
    """GTP-U, inner IPv4 and UDP headers for a PAY payload."""
    ulen = 8 + PAY.size
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(PDN))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    inner = ip + struct.pack("!HHHH", 40000, UL_PORT, ulen, 0)
    return struct.pack("!BBHI", 0x30, 0xff, len(inner) + PAY.size, teid) + inner

def paced(rate):
    """Sleep so that the caller's packets go at rate per second."""
    t0, sent = time.monotonic(), 0
    while True:
        sent += 1
        if sent % 20 == 0:
            ahead = t0 + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        yield

def send(direction, n, rate, stop, out):
    """Rounds of one packet per subscriber, uplink also n // 50 cross-wired
    ones, until the file stop exists (or one FINAL round)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    prefix = [tpdu_prefix(ul(i), ms(i)) for i in range(n)] if direction == "ul" else None
    rnd = random.Random(1)
    pace = paced(rate)
    rounds, probes, sent = 0, 0, [0] * n
    final = stop == "final"
    while final or not os.path.exists(stop):
        r = FINAL if final else rounds
        for i in range(n):
            if i % 100 == 0 and not final and os.path.exists(stop):
                break
            if direction == "ul":
                s.sendto(prefix[i] + PAY.pack(MAGIC, 0, i, ul(i), r), (GW, 2152))
            else:
                s.sendto(PAY.pack(MAGIC, 0, i, dl(i), r), (ms(i), DL_PORT))
            sent[i] += 1
            next(pace)
            if direction == "ul" and not final and i % 50 == 0:
                a, b = rnd.randrange(n), rnd.randrange(n)
                if a != b:
                    pkt = tpdu_prefix(ul(a), ms(b)) + PAY.pack(MAGIC, 1, b, ul(a), r)
                    s.sendto(pkt, (GW, 2152))
                    probes += 1
                    next(pace)
        rounds += 1
        if final:
            break
    json.dump({"rounds": rounds, "probes": probes, "sent": sent,
               "total": sum(sent) + probes}, open(out, "w"))

def receive(direction, n, stop, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 1 << 24)	# SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
    s.bind(("0.0.0.0", UL_PORT) if direction == "ul" else (ACC, 2152))
    s.settimeout(0.5)
    counts, final, errors, nerr, last = [0] * n, [], [], 0, time.monotonic()
    ei, ei_bad = 0, 0
    while True:
        try:
            data, peer = s.recvfrom(4096)
        except socket.timeout:
            if os.path.exists(stop) and time.monotonic() - last > 2:
                break
            continue
        last = time.monotonic()
        why = None
        if direction == "ul":
            addr, teid_wire, body = peer[0], None, data
        elif len(data) > 1 and data[1] == 26:
            # An Error Indication for an uplink T-PDU no context took
            ei += 1
            ei_bad += peer[0] != GW or error_indication_teid(data) not in range(ul(0), ul(n))
            continue
        else:
            # GTP-U as sent by nf-gtpu: 0x30, T-PDU, length, TEID, inner IPv4
            flags, mtype, length, teid_wire = struct.unpack("!BBHI", data[:8])
            inner = data[8:]
            ihl = (inner[0] & 15) * 4 if inner else 0
            addr = socket.inet_ntoa(inner[16:20]) if len(inner) >= 20 else "?"
            body = inner[ihl + 8:]
            if flags != 0x30 or mtype != 0xff or length != len(inner) or \
               inner[0] >> 4 != 4 or inner[9] != 17:
                why = "bad GTP-U or inner header"
        if why is None and len(body) != PAY.size:
            why = "bad payload length"
        if why is None:
            magic, kind, sub, teid, r = PAY.unpack(body)
            if magic != MAGIC or sub >= n:
                why = "not ours"
            elif kind != 0:
                why = "cross-wired packet delivered"
            elif addr != ms(sub):
                why = "subscriber %d delivered with MS address %s" % (sub, addr)
            elif teid != (ul(sub) if direction == "ul" else dl(sub)) or \
                 (teid_wire is not None and teid_wire != teid):
                why = "subscriber %d delivered with TEID %#x (wire %s)" % (sub, teid, teid_wire)
        if why:
            nerr += 1
            if len(errors) < 5:
                errors.append(why)
        elif r == FINAL:
            final.append(sub)
        else:
            counts[sub] += 1
    json.dump({"counts": counts, "final": sorted(final), "errors": errors, "nerr": nerr,
               "ei": ei, "ei_bad": ei_bad}, open(out, "w"))

def error_indication_teid(msg):
    """The TEID Data I IE (type 16) after the header and its extensions."""
    try:
        off, nxt = (12, msg[11]) if msg[0] & 7 else (8, 0)
        while nxt:
            if not msg[off]:
                return None
            off += msg[off] * 4
            nxt = msg[off - 1]
        return struct.unpack("!I", msg[off + 1:off + 5])[0] if msg[off] == 16 else None
    except (IndexError, struct.error):
        return None

def nft(text):
    subprocess.run(["nft", "-f", "-"], input=text, text=True, check=True)

def elements(subs):
    u = ", ".join('%#x : "apn0" . %s' % (ul(i), ms(i)) for i in subs)
    d = ", ".join('"apn0" . %s : %s . %#x' % (ms(i), ACC, dl(i)) for i in subs)
    return ("add element inet gateway uplink4 { %s }\n" % u +
            "add element inet gateway downlink4 { %s }\n" % d) if subs else ""

def delete(subs):
    u = ", ".join("%#x" % ul(i) for i in subs)
    d = ", ".join('"apn0" . %s' % ms(i) for i in subs)
    return ("delete element inet gateway uplink4 { %s }\n" % u +
            "delete element inet gateway downlink4 { %s }\n" % d) if subs else ""

def load(n, out):
    rnd = random.Random(2)
    active = set(stable(n)) | set(rnd.sample(list(churned(n)), len(churned(n)) // 2))
    nft(elements(sorted(active)))
    json.dump({"active": sorted(active)}, open(out, "w"))

def churn(n, seconds, state):
    """Random batches: 40 churned subscribers out, 40 in, 5 stable ones
    deleted and re-added, all in one transaction."""
    rnd = random.Random(3)
    active = set(json.load(open(state))["active"])
    end = time.monotonic() + seconds
    batches = added = deleted = refreshed = 0
    while time.monotonic() < end:
        on = sorted(active - set(stable(n)))
        off = sorted(set(churned(n)) - active)
        out = rnd.sample(on, min(40, len(on)))
        inn = rnd.sample(off, min(40, len(off)))
        again = rnd.sample(list(stable(n)), 5)
        nft(delete(out + again) + elements(inn + again))
        active = (active - set(out)) | set(inn)
        batches += 1
        added += len(inn)
        deleted += len(out)
        refreshed += len(again)
    json.dump({"active": sorted(active), "batches": batches, "added": added,
               "deleted": deleted, "refreshed": refreshed}, open(state, "w"))

ok = True

def check(what, good, detail=""):
    global ok
    print("%s: %s%s" % ("PASS" if good else "FAIL", what, "" if good or not detail else ": " + detail))
    ok = ok and good

def verify(n, d):
    ld = lambda f: json.load(open(os.path.join(d, f)))
    cnt = lambda f: dict(l.split() for l in open(os.path.join(d, f)))
    su, sd, ru, rd, st = ld("ul_sent"), ld("dl_sent"), ld("ul_recv"), ld("dl_recv"), ld("state")
    fu, fd = ld("ul_final"), ld("dl_final")
    c0, c1 = cnt("before"), cnt("after")
    c = {k: int(c1[k]) - int(c0[k]) for k in c0}
    for k in ("error_indication", "reply_error"):	# nf_gtpu without gtp reply
        c.setdefault(k, 0)
    print("# %d subscribers, %d batches in the churn: %d added, %d deleted, %d stable "
          "ones deleted and re-added; %d+%d uplink, %d+%d downlink rounds"
          % (n, st["batches"], st["added"], st["deleted"], st["refreshed"],
             su["rounds"], fu["rounds"], sd["rounds"], fd["rounds"]))
    print("# deltas: " + " ".join("%s=%d" % kv for kv in sorted(c.items())))
    for name, r in (("uplink", ru), ("downlink", rd)):
        check("%s: every packet delivered is its own subscriber's (address, TEID), "
              "%d delivered" % (name, sum(r["counts"]) + len(r["final"])),
              r["nerr"] == 0 and sum(r["counts"]) > 0,
              "%d wrong: %s" % (r["nerr"], "; ".join(r["errors"])))
    check("churn: at least 10 transactions, contexts added and deleted",
          st["batches"] >= 10 and st["added"] > 0 and st["deleted"] > 0, str(st["batches"]))
    ul_sent, dl_sent = su["total"] + fu["total"], sd["total"] + fd["total"]
    ul_recv = sum(ru["counts"]) + len(ru["final"])
    dl_recv = sum(rd["counts"]) + len(rd["final"])
    check("uplink: %d sent = %d decapsulated + %d spoofed + %d unknown TEID dropped"
          " + %d answered with an Error Indication (+ %d reply errors)"
          % (ul_sent, c["decap"], c["spoofed"], c["unknown_teid"], c["error_indication"],
             c["reply_error"]),
          ul_sent == c["decap"] + c["spoofed"] + c["unknown_teid"] + c["error_indication"] +
          c["reply_error"])
    check("uplink: the %d Error Indications (rate-limited) all reached acc from gw, each"
          " naming one of the subscribers' TEIDs" % c["error_indication"],
          rd["ei"] == c["error_indication"] and not rd["ei_bad"],
          "%d arrived, %d wrong" % (rd["ei"], rd["ei_bad"]))
    check("uplink: %d decapsulated = %d delivered + %d UDP receive errors at pdn"
          % (c["decap"], ul_recv, c["pdn_udp_inerrors"]),
          c["decap"] == ul_recv + c["pdn_udp_inerrors"])
    check("uplink: %d cross-wired packets none delivered, spoofed ones counted"
          % su["probes"], su["probes"] > 0 and c["spoofed"] > 0 and
          c["spoofed"] <= su["probes"])
    check("downlink: %d sent = %d encapsulated + %d apn0 tx_dropped (no context)"
          % (dl_sent, c["encap"], c["apn0_tx_dropped"]),
          dl_sent == c["encap"] + c["apn0_tx_dropped"])
    check("downlink: %d encapsulated = %d delivered + %d UDP receive errors at acc"
          % (c["encap"], dl_recv, c["acc_udp_inerrors"]),
          c["encap"] == dl_recv + c["acc_udp_inerrors"])
    errs = [k for k in ("bad_udp_length", "bad_udp_checksum", "fragment", "bad_header",
                        "bad_extension", "unsupported_extension", "bad_inner", "no_device",
                        "encap_no_route", "encap_too_big", "encap_loop", "encap_error",
                        "not_tpdu", "veth_drops", "softnet_drops") if c.get(k)]
    check("no other drop anywhere (nf_gtpu errors, veth, backlog)", not errs, " ".join(errs))
    for name, r, s in (("uplink", ru, su), ("downlink", rd, sd)):
        short = [i for i in stable(n) if r["counts"][i] != s["sent"][i]]
        check("%s: the %d stable subscribers got all their %d packets"
              % (name, STABLE, sum(s["sent"][i] for i in stable(n))), not short,
              "%d short, e.g. %s" % (len(short), short[:5]))
        leaked = [i for i in ghosts(n) if r["counts"][i] or i in r["final"]]
        check("%s: the %d ghost subscribers got nothing" % (name, GHOSTS), not leaked,
              str(leaked[:5]))
        got, sent = (sum(x[i] for i in churned(n)) for x in (r["counts"], s["sent"]))
        check("%s: churned subscribers got %d of their %d packets" % (name, got, sent),
              0 < got < sent)
        check("%s: after the churn, exactly the %d subscribers in the maps get traffic"
              % (name, len(st["active"])), r["final"] == st["active"],
              "%d got it, e.g. extra %s, missing %s" % (len(r["final"]),
              sorted(set(r["final"]) - set(st["active"]))[:5],
              sorted(set(st["active"]) - set(r["final"]))[:5]))
    return ok

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "send":
    send(a[0], int(a[1]), float(a[2]), a[3], a[4])
elif cmd == "receive":
    receive(a[0], int(a[1]), a[2], a[3])
elif cmd == "load":
    load(int(a[0]), a[1])
elif cmd == "churn":
    churn(int(a[0]), float(a[1]), a[2])
elif cmd == "verify":
    sys.exit(0 if verify(int(a[0]), a[1]) else 1)
EOF
churn() { /usr/bin/python3 "$tmp/churn.py" "$@"; }

setup_gtpu_network || exit 1
load_ruleset "$gw" "$docs/gateway.nft" || { FAIL "docs/gateway.nft does not load"; exit 1; }
ip -n "$gw" route add 10.64.0.0/16 dev apn0
# Bursts of the emulated guest must not overflow the input queues.
backlog=$(sysctl -n net.core.netdev_max_backlog)
sysctl -qw net.core.netdev_max_backlog=10000
trap 'sysctl -qw net.core.netdev_max_backlog=$backlog; cleanup' EXIT

ip netns exec "$gw" /usr/bin/python3 "$tmp/churn.py" load "$SUBS" "$tmp/state" ||
	{ FAIL "loading the initial contexts"; exit 1; }
held=$(ip netns exec "$gw" nft list map inet gateway uplink4 | tr ',' '\n' | grep -c '"apn0" \.')
expect_eq "the maps hold the initial contexts" "$held" \
	"$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["active"]))' "$tmp/state")"

# snapshot FILE: every counter the accounting needs, "name value"
snapshot() {
	{
		ip netns exec "$gw" cat /proc/net/nf_gtpu
		echo "unknown_teid $(ip netns exec "$gw" nft list chain inet gateway gtpu |
			sed -n 's/.*counter packets \([0-9]*\).*unknown TEID.*/\1/p')"
		echo "apn0_tx_dropped $(link_stat "$gw" apn0 tx_dropped)"
		for n in pdn acc; do
			echo "${n}_udp_inerrors $(ip netns exec "${!n}" awk \
				'/^Udp:/ && !h { for (i = 2; i <= NF; i++) f[$i] = i; h = 1; next }
				 /^Udp:/ { print $f["InErrors"] }' /proc/net/snmp)"
		done
		echo "veth_drops $(for l in "$acc acc-tr" "$gw gw-tr" "$gw gw-pdn" "$pdn pdn0"; do
			set -- $l
			link_stat "$1" "$2" tx_dropped
			link_stat "$1" "$2" rx_dropped
		done | awk '{ s += $1 } END { print s }')"
		echo "softnet_drops $(awk '{ print $2 }' /proc/net/softnet_stat |
			while read -r h; do echo $((16#$h)); done | awk '{ s += $1 } END { print s + 0 }')"
	} >"$1"
}

start() { # start NS ARGS...: a churn.py process in the background
	local ns=$1
	shift
	ip netns exec "$ns" /usr/bin/python3 "$tmp/churn.py" "$@" &
	pids+=($!)
}

snapshot "$tmp/before"
start "$pdn" receive ul "$SUBS" "$tmp/stop" "$tmp/ul_recv"
start "$acc" receive dl "$SUBS" "$tmp/stop" "$tmp/dl_recv"
busywait 20000 ip netns exec "$acc" sh -c 'ss -Hlun "sport = :2152" | grep -q .' &&
busywait 20000 ip netns exec "$pdn" sh -c 'ss -Hlun "sport = :9000" | grep -q .' ||
	{ FAIL "the receivers did not start"; exit 1; }
start "$acc" send ul "$SUBS" "$PPS" "$tmp/stop_send" "$tmp/ul_sent"
start "$pdn" send dl "$SUBS" "$PPS" "$tmp/stop_send" "$tmp/dl_sent"
senders=("${pids[@]:2}")
ip netns exec "$gw" /usr/bin/python3 "$tmp/churn.py" churn "$SUBS" "$SECONDS_CHURN" "$tmp/state" ||
	FAIL "the churn controller failed"
touch "$tmp/stop_send"
wait "${senders[@]}"

# The contexts frozen: one last round each way.
start "$acc" send ul "$SUBS" $((3 * PPS)) final "$tmp/ul_final"
start "$pdn" send dl "$SUBS" $((3 * PPS)) final "$tmp/dl_final"
wait "${pids[@]:4}"
touch "$tmp/stop"
wait "${pids[@]:0:2}"
pids=()
snapshot "$tmp/after"
held=$(ip netns exec "$gw" nft list map inet gateway uplink4 | tr ',' '\n' | grep -c '"apn0" \.')
expect_eq "the maps hold the final contexts" "$held" \
	"$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["active"]))' "$tmp/state")"

/usr/bin/python3 "$tmp/churn.py" verify "$SUBS" "$tmp" || ret=1
exit $ret
