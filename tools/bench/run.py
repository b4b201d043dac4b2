#!/usr/bin/env python3
"""sessmon benchmarks, each beside its baseline measured in the same run.

  tools/bench/run.py [--capture FILE] [--runs N] [--seconds S]

1. offline: `sessmon -r FILE` against Debian's `ndpiReader -i FILE` (a peer that
   also tracks flows and reads TLS metadata): packets per second of wall time,
   whole process, and each program's own processing rate (start-up excluded:
   sessmon's --stats, ndpiReader's "nDPI throughput"), median of N runs each.
2. in memory: sessmon with one worker reading the capture from memory
   (net_pcap infinite_rx=1) against `dpdk-testpmd --forward-mode=rxonly` on the
   same vdev (the raw receive limit): packets per second, median of N runs.
Both run sessmon twice: as it runs by default (reassembly, TLS analysis,
connection tracking; no event file) and with --no-inspect (accounting only).
3. bench_worker: cycles per packet of the parse stage and of the worker stage on
   the capture, the worker's cost at 1k, 100k and 1M live sessions, bytes per
   session; with 4 KiB pages, then (root) again on 2 MiB hugepages.

Timing is never asserted: this prints figures and ratios (the machines are
small and noisy; medians and ratios are what to compare). Without --capture
it records one with tools/record-bench-capture.sh (root, network namespaces).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("SM_BUILD", os.path.join(ROOT, "build-release"))
SESSMON = os.path.join(BUILD, "control", "sessmon")
BENCH_WORKER = os.path.join(BUILD, "tools", "bench_worker")
EAL = ["--no-huge", "--no-pci", "--no-shconf", "-m", "4096", "--log-level=*:error"]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def capture_packets(path):
    out = run(["capinfos", "-M", "-c", "-T", path]).stdout.strip().splitlines()
    return int(out[-1].split("\t")[1])


def timed(cmd):
    t0 = time.monotonic()
    p = run(cmd)
    elapsed = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.strip()[-400:]}")
    return elapsed, p


# sessmon as it runs by default, and accounting only.
MODES = (("inspect", []), ("no-inspect", ["--no-inspect"]))


def offline(cap, packets, runs, extra):
    ours, theirs, internal, theirs_internal = [], [], [], []
    for _ in range(runs):
        t, p = timed([SESSMON, "-r", cap, "--stats", *extra])
        ours.append(packets / t)
        m = re.search(r"([0-9]+) packets/s", p.stderr)
        internal.append(float(m.group(1)) if m else 0.0)
        t, p = timed(["ndpiReader", "-i", cap])
        theirs.append(packets / t)
        # ndpiReader's own processing rate, start-up excluded, as sessmon's
        m = re.search(r"nDPI throughput:\s+([0-9.]+) ([KM]) pps", p.stdout)
        theirs_internal.append(float(m.group(1)) * {"K": 1e3, "M": 1e6}[m.group(2)] if m else 0.0)
    return (statistics.median(ours), statistics.median(theirs), statistics.median(internal),
            statistics.median(theirs_internal))


def testpmd_rate(cap, mbufs, seconds):
    vdev = f"net_pcap0,rx_pcap={cap},infinite_rx=1"
    cmd = ["timeout", "-s", "INT", str(seconds), "dpdk-testpmd", "-l", "0-1", *EAL,
           "--vdev", vdev, "--", "--forward-mode=rxonly", f"--total-num-mbufs={mbufs}",
           "--stats-period=1"]
    p = run(cmd, stdin=subprocess.DEVNULL)
    rates = [int(x) for x in re.findall(r"Rx-pps:\s+([0-9]+)", p.stdout)]
    # The first periods include start-up; the median of the rest is the rate.
    rates = [r for r in rates if r > 0][1:]
    if not rates:
        sys.exit("testpmd printed no rate:\n" + p.stdout[-800:] + p.stderr[-800:])
    return statistics.median(rates)


def sessmon_memory_rate(cap, mbufs, seconds, extra):
    vdev = f"net_pcap0,rx_pcap={cap},infinite_rx=1"
    p = run([SESSMON, "-l", "0-1", *EAL, "--vdev", vdev, "--", "-w", "1",
             "--duration", str(seconds), "--stats", f"--mbufs={mbufs}", *extra])
    m = re.search(r"([0-9]+) packets/s", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit("sessmon in-memory run failed:\n" + p.stderr[-800:])
    return float(m.group(1))


def in_memory(cap, packets, runs, seconds):
    mbufs = packets + 65536
    ours = {m: [sessmon_memory_rate(cap, mbufs, seconds, x) for _ in range(runs)] for m, x in MODES}
    raw = [testpmd_rate(cap, mbufs, seconds) for _ in range(runs)]
    return {m: statistics.median(r) for m, r in ours.items()}, statistics.median(raw)


def worker_figures(cap, huge):
    p = run([BENCH_WORKER, *(["--huge"] if huge else []), cap])
    if p.returncode != 0:
        sys.exit("bench_worker failed:\n" + p.stderr[-800:])
    return dict(line.split(" ", 1) for line in p.stdout.strip().splitlines())


def hugepages_ready(mib):
    """Reserve @mib of 2 MiB hugepages if root; True when they are there."""
    path = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
    want = mib // 2
    try:
        with open(path) as f:
            if int(f.read()) >= want:
                return True
        with open(path, "w") as f:
            f.write(str(want))
        with open(path) as f:
            return int(f.read()) >= want
    except OSError:
        return False


def print_worker(w, label):
    hz = float(w["tsc_hz"])
    print(f"worker    [{label}] {w['worker_cycles_per_packet']} cycles/pkt, parse stage"
          f" {w['parse_cycles_per_packet']} cycles/pkt, on {w['capture_datagrams']} datagrams,"
          f" TSC {hz / 1e9:.2f} GHz")
    c1k = float(w["worker_cycles_per_packet_at_1000_sessions"])
    c1m = float(w["worker_cycles_per_packet_at_1000000_sessions"])
    print(f"scaling   [{label}] 1k {c1k:.1f}   100k {w['worker_cycles_per_packet_at_100000_sessions']}"
          f"   1M {c1m:.1f} cycles/pkt   1M/1k {c1m / c1k:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", default=os.path.join(BUILD, "bench.pcap"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=15)
    a = ap.parse_args()

    subprocess.run(["ninja", "-C", BUILD], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(a.capture):
        subprocess.run([os.path.join(ROOT, "tools", "record-bench-capture.sh"), a.capture],
                       check=True)
    packets = capture_packets(a.capture)
    print(f"capture: {a.capture}, {packets} packets, {os.path.getsize(a.capture)} bytes")

    for mode, extra in MODES:
        s, n, si, ni = offline(a.capture, packets, a.runs, extra)
        print(f"offline   [{mode}] sessmon {s:12.0f} pkt/s   ndpiReader {n:12.0f} pkt/s"
              f"   ratio {s / n:.2f}   (whole process, wall clock)")
        print(f"offline   [{mode}] sessmon {si:12.0f} pkt/s   ndpiReader {ni:12.0f} pkt/s"
              f"   ratio {si / ni:.2f}   (each one's own processing rate, start-up excluded)")
    rates, t = in_memory(a.capture, packets, a.runs, a.seconds)
    for mode, s in rates.items():
        print(f"in memory [{mode}] sessmon {s:12.0f} pkt/s   testpmd rxonly {t:9.0f} pkt/s"
              f"   ratio {s / t:.2f}")
    w = worker_figures(a.capture, False)
    print_worker(w, "4 KiB pages")
    if hugepages_ready(3072):
        print_worker(worker_figures(a.capture, True), "2 MiB hugepages")
    else:
        print("worker    [2 MiB hugepages] skipped: cannot reserve 3 GiB of hugepages (not root?)")
    print(f"memory    {w['bytes_per_session_measured']} bytes/session measured"
          f" (whole worker; the table {w['bytes_per_session_table']}, of which the record {w['session_record_bytes']})")


if __name__ == "__main__":
    main()
