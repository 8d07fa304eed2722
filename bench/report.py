#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tables, targets and the plot of one benchmark run (bench/bench.sh).

usage: report.py RESULT_DIR

Reads RESULT_DIR/raw.jsonl; writes RESULT_DIR/results.json (every
figure below, machine-readable), RESULT_DIR/table.txt (printed too) and
RESULT_DIR/pps.png (gnuplot, when installed).

Packet rates: each run sends COUNT packets; its rate is the packets the
sink received over the guest time the run took (send plus drain).  Under
QEMU's -icount shift=0,sleep=off one guest nanosecond is one executed
instruction, so a rate is packets per 10^9 guest instructions.  The net
rate subtracts the generator's own time per packet, measured as the
"gen" variant (the same packets against a drop at the gateway's
ingress): net = received / (elapsed - sent * gen_time_per_packet).
Ratios, medians and spreads are over the net rates of the rounds.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

VARIANTS = ["plain", "gtp", "nft", "xt", "osmo"]
NAMES = {"gen": "generator alone", "plain": "plain IPv4 forwarding",
         "gtp": "Linux gtp driver", "nft": "nf-gtpu nft maps",
         "xt": "nf-gtpu -j GTPU", "osmo": "osmo-ggsn", "lib": "nf-gtpu gtpu (libnfgtpu)",
         "mbr": "nf-gtpu maps with MBRs"}
CONTROL = ("nft", "gtp", "xt", "lib", "lib-batch")


def median(xs):
    return statistics.median(xs) if xs else None


def spread(xs):
    """(max - min) / median, in percent."""
    if not xs or len(xs) < 2:
        return 0.0
    m = statistics.median(xs)
    return 100.0 * (max(xs) - min(xs)) / m if m else 0.0


def fmt(x, unit=""):
    if x is None:
        return "-"
    if x >= 100:
        return "%.0f%s" % (x, unit)
    return "%.3g%s" % (x, unit)


def ratio(a, b):
    return a / b if a and b else None


def main():
    out = sys.argv[1]
    recs = [json.loads(line) for line in open(os.path.join(out, "raw.jsonl"))
            if line.strip()]
    meta = next((r for r in recs if r["type"] == "meta"), {})
    res = {"meta": meta, "pps": [], "tcp": [], "install": [], "ops": [], "pfcp": [],
           "mem": [], "targets": []}
    lines = []
    p = lines.append

    # Generator's time per packet, per direction, size, contexts.
    gen = {}
    for r in recs:
        if r["type"] == "pps" and r["variant"] == "gen" and r["sent"]:
            gen.setdefault((r["dir"], r["size"], r["contexts"]), []).append(
                r["elapsed_ns"] / r["sent"])
    cells = {}
    for r in recs:
        if r["type"] != "pps" or not r["elapsed_ns"]:
            continue
        key = (r["variant"], r["dir"], r["size"], r["contexts"])
        raw = r["received"] * 1e9 / r["elapsed_ns"]
        g = median(gen.get((r["dir"], r["size"], r["contexts"]), []))
        net = None
        if r["variant"] != "gen" and g is not None:
            t = r["elapsed_ns"] - r["sent"] * g
            net = r["received"] * 1e9 / t if t > 0 else None
        c = cells.setdefault(key, {"raw": [], "net": [], "sent": 0, "received": 0})
        c["raw"].append(raw)
        if net:
            c["net"].append(net)
        c["sent"] += r["sent"]
        c["received"] += r["received"]

    def net(v, d, s, n):
        c = cells.get((v, d, s, n))
        return median(c["net"]) if c else None

    sizes = sorted({k[2] for k in cells})
    ctxs = sorted({k[3] for k in cells})
    for (v, d, s, n), c in sorted(cells.items()):
        m = median(c["net"]) if v != "gen" else None
        res["pps"].append({
            "variant": v, "dir": d, "size": s, "contexts": n,
            "rounds": len(c["raw"]), "raw_pps": median(c["raw"]),
            "raw_spread_pct": spread(c["raw"]), "net_pps": m,
            "net_spread_pct": spread(c["net"]) if v != "gen" else None,
            "net_pps_best": max(c["net"]) if c["net"] else None,
            "sent": c["sent"], "received": c["received"],
            "dropped": c["sent"] - c["received"],
            "vs_gtp": ratio(m, net("gtp", d, s, n)),
            "vs_plain": ratio(m, net("plain", d, s, n)),
            "vs_own_1": ratio(m, net(v, d, s, 1)) if v != "gen" else None})

    p("nf-gtpu benchmark, %s kernel %s, %s vCPU, guest clock %s, %s (mode %s)" % (
        meta.get("date", "?"), meta.get("kernel", "?"), meta.get("cpus", "?"),
        meta.get("clock", "?"), "QEMU TCG -icount shift=0", meta.get("mode", "?")))
    p("Emulated VM: 1 guest second = 10^9 guest instructions; only ratios carry over.")
    p("")
    p("Packet rates (kpps, net of the generator; median of %s rounds, spread = (max-min)/median)"
      % meta.get("rounds", "?"))
    for d in ("up", "down"):
        for s in sizes:
            p("")
            p("%s, %d-byte inner packets" % ("Uplink (GTP-U in, decap)" if d == "up"
                                              else "Downlink (plain in, encap)", s))
            p("  %-22s %9s %7s %8s %8s %8s %9s %8s" % (
                "variant", "contexts", "kpps", "spread", "xgtp", "xplain", "x1ctx", "dropped"))
            for n in ctxs:
                gc = cells.get(("gen", d, s, n))
                if gc:
                    p("  %-22s %9d %7s %7.2f%% %8s %8s %9s %8d" % (
                        NAMES["gen"] + " (raw)", n, fmt(median(gc["raw"]) / 1e3),
                        spread(gc["raw"]), "", "", "", gc["sent"] - gc["received"]))
                for v in VARIANTS:
                    c = cells.get((v, d, s, n))
                    if not c:
                        continue
                    m = median(c["net"])
                    p("  %-22s %9d %7s %7.2f%% %8s %8s %9s %8d" % (
                        NAMES[v], n, fmt(m / 1e3 if m else None), spread(c["net"]),
                        fmt(ratio(m, net("gtp", d, s, n))),
                        fmt(ratio(m, net("plain", d, s, n))),
                        fmt(ratio(m, net(v, d, s, 1))), c["sent"] - c["received"]))

    mbr_cost(p, res, cells, net)

    # TCP
    tcp = {}
    for r in recs:
        if r["type"] == "tcp" and r["bps"] > 0:
            tcp.setdefault((r["variant"], r["dir"]), []).append(r["bps"] / 1e6)
    if tcp:
        p("")
        p("TCP, one iperf3 stream (Mbit/s per guest second; median, spread)")
        p("  %-22s %5s %9s %8s %8s %8s" % ("variant", "dir", "Mbit/s", "spread", "xgtp", "xplain"))
        for d in ("up", "down"):
            for v in VARIANTS:
                xs = tcp.get((v, d))
                if not xs:
                    continue
                m = median(xs)
                g = median(tcp.get(("gtp", d), []))
                pl = median(tcp.get(("plain", d), []))
                res["tcp"].append({"variant": v, "dir": d, "mbps": m, "runs": xs,
                                   "spread_pct": spread(xs), "vs_gtp": ratio(m, g),
                                   "vs_plain": ratio(m, pl)})
                p("  %-22s %5s %9s %7.1f%% %8s %8s" % (
                    NAMES[v], d, fmt(m), spread(xs), fmt(ratio(m, g)), fmt(ratio(m, pl))))

    # Control plane
    inst = {(r["variant"], r["contexts"]): r["seconds"] for r in recs if r["type"] == "install"}
    rss = {(r["variant"], r["contexts"]): r["rss_kb"] / 1024.0
           for r in recs if r["type"] == "install" and "rss_kb" in r}
    if inst:
        p("")
        p("Installing contexts (guest seconds; nft: one batch; gtp: one netlink message each;"
          " lib: gtpu ctx load, one transaction; lib-batch: gtpu ctx load --batch; peak RSS"
          " of the installing process)")
        for n in sorted({k[1] for k in inst}):
            row = {"contexts": n}
            for v in CONTROL:
                if (v, n) in inst:
                    row[v] = inst[(v, n)]
                if (v, n) in rss:
                    row[v + "_rss_mib"] = rss[(v, n)]
            row["gtp_over_nft"] = ratio(row.get("gtp"), row.get("nft"))
            row["gtp_over_lib"] = ratio(row.get("gtp"), row.get("lib"))
            res["install"].append(row)
            p("  %9d contexts: nft %s s, gtp driver %s s%s%s, gtp/nft = %s%s" % (
                n, fmt(row.get("nft")), fmt(row.get("gtp")),
                ", xt %s s" % fmt(row["xt"]) if "xt" in row else "",
                "".join(", %s %s s" % (v, fmt(row[v])) for v in ("lib", "lib-batch")
                        if v in row),
                fmt(row["gtp_over_nft"]),
                ", gtp/lib = %s" % fmt(row["gtp_over_lib"]) if "lib" in row else ""))
            if any(k.endswith("_rss_mib") for k in row):
                p("  %9s peak RSS: %s" % ("", ", ".join(
                    "%s %s MiB" % (v, fmt(row[v + "_rss_mib"]))
                    for v in CONTROL if v + "_rss_mib" in row)))
    ops = {(r["variant"], r["contexts"]): r for r in recs if r["type"] == "ops"}
    for r in recs:
        if r["type"] == "ops":
            pps = r["traffic_received"] * 1e9 / r["traffic_elapsed_ns"] \
                if r["traffic_elapsed_ns"] else 0
            g = ops.get(("gtp", r["contexts"]))
            row = dict(r)
            row["traffic_pps"] = pps
            row["traffic_dropped"] = r["traffic_sent"] - r["traffic_received"]
            row["add_over_gtp"] = ratio(r["add_s"], g and g["add_s"])
            row["del_over_gtp"] = ratio(r["del_s"], g and g["del_s"])
            res["ops"].append(row)
            p("  %s: %d operations (%d adds, then %d deletes, one transaction/message each) "
              "at %d contexts with traffic: add %s s, delete %s s (x gtp driver: %s, %s); "
              "traffic meanwhile %s kpps (raw, generator included), %d dropped" % (
                  NAMES[r["variant"]], r["ops"], r["ops"] // 2, r["ops"] // 2, r["contexts"],
                  fmt(r["add_s"]), fmt(r["del_s"]), fmt(row["add_over_gtp"]),
                  fmt(row["del_over_gtp"]), fmt(pps / 1e3), row["traffic_dropped"]))

    pfcp = {r["contexts"]: r for r in recs if r["type"] == "pfcp"}
    if pfcp:
        p("")
        p("PFCP sessions through nf-gtpu-pfcpd (bench/pfcpgen as the SMF, one request at a"
          " time, a context each), against the gtp driver's install of as many contexts")
        for n, r in sorted(pfcp.items()):
            row = dict(r)
            row["est_over_gtp"] = ratio(r["est_s"], inst.get(("gtp", n)))
            row["sessions_per_s"] = n / r["est_s"] if r["est_s"] else None
            res["pfcp"].append(row)
            p("  %9d sessions: established in %s s (%s/s), deleted in %s s; x gtp driver"
              " install: %s; the agent's peak RSS %s MiB" % (
                  n, fmt(r["est_s"]), fmt(row["sessions_per_s"]), fmt(r["del_s"]),
                  fmt(row["est_over_gtp"]),
                  fmt(r["rss_kb"] / 1024.0) if "rss_kb" in r else "?"))
            if "agent_user_s" in r:
                # CPU time by process (tick-sampled): where a session's time went
                def us(*keys, r=r, n=n):
                    return fmt(sum(r[k] for k in keys) / n * 1e6)
                p("  %9s establishment CPU, us a session: the agent %s (user %s, system %s),"
                  " pfcpgen (the SMF) %s (user %s, system %s), of %s elapsed" % (
                      "", us("agent_user_s", "agent_sys_s"), us("agent_user_s"),
                      us("agent_sys_s"), us("smf_user_s", "smf_sys_s"), us("smf_user_s"),
                      us("smf_sys_s"), us("est_s")))

    idle = [r for r in recs if r["type"] == "idle"]
    if idle:
        p("")
        p("Background: share of the vCPU busy with no traffic, all variants' contexts loaded")
        for r in idle:
            res.setdefault("idle", []).append(r)
            p("  %9d contexts: %s%%" % (r["contexts"], r["busy_pct"]))

    # Memory
    mem = [r for r in recs if r["type"] == "mem" and r["variant"] in ("nft", "gtp")]
    if mem:
        p("")
        p("Kernel memory per context (slab + vmalloc + percpu growth; 1 vCPU)")
        for r in sorted(mem, key=lambda r: (r["contexts"], r["variant"])):
            kb = r["slab_kb"] + r["vmalloc_kb"] + r["percpu_kb"]
            row = dict(r)
            row["bytes_per_context"] = kb * 1024.0 / r["contexts"]
            res["mem"].append(row)
            if r["contexts"] >= 1000:
                p("  %-22s %9d contexts: %7.0f bytes/context (slab %d kB, vmalloc %d kB, "
                  "percpu %d kB; MemFree -%d kB)" % (
                      NAMES[r["variant"]], r["contexts"], row["bytes_per_context"],
                      r["slab_kb"], r["vmalloc_kb"], r["percpu_kb"], r["memfree_kb"]))

    # Targets
    def target(name, got, want, at_most=False):
        met = None
        if got is not None:
            met = got <= want if at_most else got >= want
        res["targets"].append({"target": name, "measured": got, "wanted": want,
                               "at_most": at_most, "met": met})
        p("  %-58s %8s (%s %s) %s" % (name, fmt(got), "<=" if at_most else ">=", want,
                                       "met" if met else "MISSED" if met is False else "n/a"))
    def best(v, d, s, n):
        c = cells.get((v, d, s, n))
        return max(c["net"]) if c and c["net"] else None

    # Issue 15's table (the docs' rulesets as shipped), then 16's and 17's.
    p("")
    p("Targets (net rates; scaling from the best round: the maps' collector"
      " interrupts some rounds)")
    for s in sizes:
        target("nft decap %dB, 1 context: x gtp driver" % s,
               ratio(net("nft", "up", s, 1), net("gtp", "up", s, 1)), 1.1)
        target("xt decap %dB, 1 context: x gtp driver" % s,
               ratio(net("xt", "up", s, 1), net("gtp", "up", s, 1)), 1.2)
    if 64 in sizes:
        target("nft encap 64B, 1 context: x gtp driver",
               ratio(net("nft", "down", 64, 1), net("gtp", "down", 64, 1)), 1.25)
    for v in ("nft", "xt"):
        for d, what in (("up", "decap"), ("down", "encap")):
            for s in sizes:
                target("%s %s %dB, 1 context: x plain forwarding" % (v, what, s),
                       ratio(net(v, d, s, 1), net("plain", d, s, 1)), 0.55)
    for d in ("up", "down"):
        m = median(tcp.get(("nft", d), []))
        target("TCP nft %s: x gtp driver" % d,
               ratio(m, median(tcp.get(("gtp", d), []))), 2.0)
        target("TCP nft %s: x plain forwarding (stretch)" % d,
               ratio(m, median(tcp.get(("plain", d), []))), 0.5)
    top = max(idle, key=lambda r: r["contexts"], default=None)
    if top and top["contexts"] >= 1000000:
        target("collector, %d contexts, no traffic: %% of a vCPU" % top["contexts"],
               float(top["busy_pct"]), 2, at_most=True)
    nft_mem = [r for r in res["mem"] if r["variant"] == "nft"]
    top = max(nft_mem, key=lambda r: r["contexts"], default=None)
    if top and top["contexts"] >= 1000000:
        target("kernel memory, %d contexts: bytes per context" % top["contexts"],
               top["bytes_per_context"], 200, at_most=True)
    if max(ctxs, default=1) > 1:
        for d, what in (("up", "decap"), ("down", "encap")):
            for s in sizes:
                target("nft %s %dB, %d contexts: x own 1-context rate" % (what, s, max(ctxs)),
                       ratio(best("nft", d, s, max(ctxs)), best("nft", d, s, 1)), 0.95)
    big = max((k[1] for k in inst if k[0] == "lib" and (("gtp", k[1]) in inst)), default=None)
    if big:
        target("install %d contexts: gtp time / lib time" % big,
               ratio(inst[("gtp", big)], inst[("lib", big)]), 2)
    for v in ("lib", "lib-batch"):
        big = max((k[1] for k in rss if k[0] == v), default=None)
        if big:
            target("install %d contexts: %s peak RSS, MiB" % (big, v), rss[(v, big)], 64,
                   at_most=True)
    for n, r in sorted(pfcp.items()):
        target("establish %d PFCP sessions: x gtp driver install" % n,
               ratio(r["est_s"], inst.get(("gtp", n))), 3, at_most=True)
    for (v, n), r in sorted(ops.items()):
        g = ops.get(("gtp", n))
        if v == "lib" and g:
            target("%d adds at %d contexts: lib time / gtp time" % (r["ops"] // 2, n),
                   ratio(r["add_s"], g["add_s"]), 1.5, at_most=True)
            target("%d deletes at %d contexts: lib time / gtp time" % (r["ops"] // 2, n),
                   ratio(r["del_s"], g["del_s"]), 1.5, at_most=True)
            target("traffic during them: packets dropped",
                   r["traffic_sent"] - r["traffic_received"], 0, at_most=True)

    text = "\n".join(lines) + "\n"
    open(os.path.join(out, "table.txt"), "w").write(text)
    json.dump(res, open(os.path.join(out, "results.json"), "w"), indent=1)
    sys.stdout.write(text)
    plot(out, cells, sizes, ctxs, meta)


def mbr_cost(p, res, cells, net):
    """What enforcing an MBR costs per packet: the mbr variant (the table
    set up with MBR maps, every context with an MBR it never reaches)
    against the nft variant (the same table without), in guest
    instructions per packet (10^9 / net rate)."""
    keys = sorted(k[1:] for k in cells if k[0] == "mbr" and net("nft", *k[1:]))
    if not keys:
        return
    res["mbr"] = []
    p("")
    p("MBR enforcement: every context with an MBR of 10 Gbit/s each way, against")
    p("nf-gtpu nft maps without (guest instructions per packet, net)")
    p("  %-6s %5s %9s %9s %9s %8s %8s" % (
        "dir", "size", "contexts", "with MBR", "without", "cost", "xnft"))
    for d, s, n in keys:
        with_mbr, without = 1e9 / net("mbr", d, s, n), 1e9 / net("nft", d, s, n)
        res["mbr"].append({"dir": d, "size": s, "contexts": n,
                           "instructions_with_mbr": with_mbr,
                           "instructions_without": without})
        p("  %-6s %5d %9d %9.0f %9.0f %+8.0f %8s" % (
            d, s, n, with_mbr, without, with_mbr - without,
            fmt(ratio(net("mbr", d, s, n), net("nft", d, s, n)))))


def plot(out, cells, sizes, ctxs, meta):
    if not shutil.which("gnuplot") or not ctxs:
        print("report: gnuplot not installed, no plot")
        return
    dat = os.path.join(out, "pps.dat")
    blocks = []
    with open(dat, "w") as f:
        for d in ("up", "down"):
            for s in sizes:
                for v in VARIANTS:
                    # The best round: the others may carry the nft maps'
                    # garbage collector (see docs/benchmark.md).
                    pts = [(n, max(cells[(v, d, s, n)]["net"]))
                           for n in ctxs if (v, d, s, n) in cells and cells[(v, d, s, n)]["net"]]
                    if not pts:
                        continue
                    f.write("# %s %s %d\n" % (v, d, s))
                    for n, m in pts:
                        f.write("%d %.1f\n" % (n, m / 1e3))
                    f.write("\n\n")
                    blocks.append((d, s, v))
    style = {"plain": "lc rgb '#555555' dt 2 pt 6", "gtp": "lc rgb '#d62728' pt 4",
             "nft": "lc rgb '#1f77b4' pt 7", "xt": "lc rgb '#2ca02c' pt 9"}
    g = ["set terminal pngcairo size 1200,860 font 'sans,10'",
         "set output '%s'" % os.path.join(out, "pps.png"),
         "set multiplot layout 2,%d title \"GTP-U packet rate vs. PDP contexts: %s, kernel %s, "
         "emulated VM (QEMU TCG, -icount: 1 s = 10^9 guest instructions); only ratios carry "
         "over\"" % (len(sizes), meta.get("date", ""), meta.get("kernel", "")),
         "set logscale x", "set grid", "set key right center",
         "set xlabel 'PDP contexts (random TEIDs and MS addresses)'",
         "set ylabel 'kpps (net of the generator, best of the rounds)'",
         "set yrange [0:%d]" % (1.15 * max(max(c["net"]) for c in cells.values() if c["net"]) / 1e3),
         "set xrange [0.5:%d]" % (max(ctxs) * 2), "set format x '10^{%L}'"]
    for d in ("up", "down"):
        for s in sizes:
            title = "%s, %d-byte inner" % ("uplink (decap)" if d == "up"
                                           else "downlink (encap)", s)
            parts = []
            for i, b in enumerate(blocks):
                if b[0] == d and b[1] == s:
                    parts.append("'%s' index %d using 1:2 with linespoints %s lw 2 title '%s'"
                                 % (dat, i, style[b[2]], NAMES[b[2]]))
            g.append("set title '%s'" % title)
            g.append("plot " + ", ".join(parts) if parts else "clear")
    g.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(g) + "\n", text=True, check=False)


if __name__ == "__main__":
    main()
