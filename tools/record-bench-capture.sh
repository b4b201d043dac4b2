#!/bin/sh
# Records a benchmark capture: thousands of short sessions (HTTP, HTTPS
# with TLS 1.2 and TLS 1.3, IPv4 and IPv6) interleaved with bulk 1 MB
# downloads, between two private network namespaces (tools/lib/netns-lab.sh).
# Usage: tools/record-bench-capture.sh OUT        (as root)
#
# Why: sessmon's throughput and session-table figures mean something only
# on traffic with a realistic shape: many concurrent sessions in every
# state, small and full-size frames, real handshakes.  Synthetic replays of
# one flow would make the flow cache look far better than it is.
#
# The mix is tunable from the environment (defaults give ~3000 sessions
# and a few hundred thousand packets in well under a minute on 2 cores):
#   BENCH_HTTP   plain HTTP small GETs            (default 1200, 1/6 IPv6)
#   BENCH_TLS12  HTTPS small GETs, TLS 1.2        (default 900)
#   BENCH_TLS13  HTTPS small GETs, TLS 1.3        (default 900, 1/6 IPv6)
#   BENCH_BULK   1 MB downloads, half HTTP half HTTPS (default 200)
#   BENCH_UDP    UDP echo request/replies         (default 200)
# Exit status 77 = skipped (not root, or a tool is missing).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib/netns-lab.sh
. "$here/lib/netns-lab.sh"

if [ $# -ne 1 ]; then
	echo "usage: ${0##*/} OUT" >&2
	exit 2
fi
out=$1
n_http=${BENCH_HTTP:-1200}
n_tls12=${BENCH_TLS12:-900}
n_tls13=${BENCH_TLS13:-900}
n_bulk=${BENCH_BULK:-200}
n_udp=${BENCH_UDP:-200}

lab_require nginx curl openssl tcpdump python3 ethtool file ss
trap lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab_setup

# One curl config file per traffic class: thousands of URLs would not fit
# comfortably on a command line.  Each URL gets its own "output" (curl
# pairs them in order).  The query string makes every request distinct in
# the server's access log; nginx ignores it for static files.
# Every SIXTH request goes over IPv6 when V6 is set.
urls() {
	scheme=$1 path=$2 count=$3 v6=$4
	i=0
	while [ "$i" -lt "$count" ]; do
		host=$LAB_SRV4
		[ "$v6" = yes ] && [ $((i % 6)) -eq 5 ] && host=$LAB_SRV6
		printf 'url = "%s://%s/%s?i=%d"\noutput = "/dev/null"\n' "$scheme" "$host" "$path" "$i"
		i=$((i + 1))
	done
}
urls http small.txt "$n_http" yes >"$LAB_TMP/http.cfg"
urls https small.txt "$n_tls12" no >"$LAB_TMP/tls12.cfg"
urls https small.txt "$n_tls13" yes >"$LAB_TMP/tls13.cfg"
urls http bulk1m.bin $((n_bulk / 2)) no >"$LAB_TMP/bulk-http.cfg"
urls https bulk1m.bin $((n_bulk - n_bulk / 2)) no >"$LAB_TMP/bulk-https.cfg"

mkdir -p "$(dirname "$out")"
# -B 65536: a 64 MiB kernel ring.  With the default 2 MiB, bursts of
# parallel transfers outrun tcpdump's writes and the kernel drops packets;
# a benchmark capture with holes would show sessmon retransmissions and
# half sessions that never happened.  -Z root: see record-demo-capture.sh.
lab_capture_start "$out" -B 65536 -Z root

start=$(date +%s)

# Common curl options:
#  --parallel --parallel-max 16  many concurrent sessions, like real load;
#  -H "Connection: close"         one request per TCP connection, since
#                                 curl would otherwise reuse connections
#                                 and the capture would hold few sessions;
#  --http1.1 -k -g               HTTP/1.1 even over TLS, self-signed
#                                 certificate, literal [v6] URLs;
#  -sS --no-progress-meter        quiet but errors shown (-s alone does
#                                 not silence the --parallel meter).
# --fail-early is not used: one failed request should not end the run,
# failures are counted from the exit status instead.
run_curl() {
	cfg=$1
	shift
	lab_cli curl --parallel --parallel-max 16 -H "Connection: close" \
		--http1.1 -k -g -sS --no-progress-meter "$@" -K "$cfg"
}

# The classes run at the same time so their sessions interleave in the
# capture as they would on a real link.
pids=""
run_curl "$LAB_TMP/http.cfg" & pids="$pids $!"
run_curl "$LAB_TMP/tls12.cfg" --tls-max 1.2 & pids="$pids $!"
run_curl "$LAB_TMP/tls13.cfg" --tlsv1.3 & pids="$pids $!"
# Bulk transfers: fewer at a time, they are bandwidth- not latency-bound.
(
	lab_cli curl --parallel --parallel-max 4 -H "Connection: close" --http1.1 -sS --no-progress-meter \
		-K "$LAB_TMP/bulk-http.cfg"
) & pids="$pids $!"
(
	lab_cli curl --parallel --parallel-max 4 -H "Connection: close" --http1.1 -k -sS --no-progress-meter \
		-K "$LAB_TMP/bulk-https.cfg"
) & pids="$pids $!"
# UDP request/replies, each from its own socket (own source port), i.e.
# one UDP session each.
lab_cli python3 -c '
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b"bench query %d" % i, (host, port))
    s.recvfrom(2048)
    s.close()
    time.sleep(0.01)
' "$LAB_SRV4" "$LAB_UDP_PORT" "$n_udp" & pids="$pids $!"

failed=0
for p in $pids; do
	wait "$p" || failed=$((failed + 1))
done

lab_capture_stop
end=$(date +%s)

if [ "$failed" -ne 0 ]; then
	lab_log "warning: $failed traffic generator(s) reported errors (see above)"
fi
if grep -q "dropped by kernel" "$LAB_TMP/tcpdump.err" &&
	! grep -q "^0 packets dropped by kernel" "$LAB_TMP/tcpdump.err"; then
	lab_log "error: tcpdump dropped packets, the capture has holes"
	exit 1
fi

pkts=$(tcpdump -r "$out" 2>/dev/null | wc -l)
size=$(wc -c <"$out")
echo "${0##*/}: wrote $out: $pkts packets, $size bytes, traffic took $((end - start)) s"
