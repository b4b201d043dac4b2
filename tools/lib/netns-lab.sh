# Shared set-up for the capture recorders (tools/record-*-capture.sh).
# Sourced, not executed.  POSIX sh.
#
# It builds a two-host "lab" inside the running kernel:
#
#   netns smcli<PID>  veth cli0 --- veth srv0  netns smsrv<PID>
#   10.99.0.1/24                               10.99.0.2/24
#   fd00:99::1/64                              fd00:99::2/64
#   02:00:00:00:00:01                          02:00:00:00:00:02
#
# with nginx (HTTP on 80, HTTPS on 443, IPv4 and IPv6) and a one-shot
# capable UDP echo server in the server namespace, so that captures are
# made of real kernel TCP/IP, real TLS and real HTTP, yet need no NIC, no
# internet access and leave nothing behind on the host.
#
# Why namespaces and not loopback: loopback has no Ethernet header and a
# 64 KiB MTU, so its packets look nothing like what sessmon sees on a wire.
# A veth pair gives genuine Ethernet frames with a 1500-byte MTU.
#
# Background servers are started with "ip netns exec" written out, not via
# lab_cli/lab_srv: "ip netns exec" execs its command in place, so $! is the
# server's own PID, whereas a backgrounded shell function would give the
# PID of a subshell, and signals sent to it would never reach the server.
#
# Callers use:
#   lab_require TOOL...        exit 77 (skip) unless root and TOOLs exist
#   lab_setup                  namespaces, addresses, cert, nginx, UDP echo
#   lab_cli CMD...             run CMD in the client namespace
#   lab_srv CMD...             run CMD in the server namespace
#   lab_capture_start OUT ARGS start tcpdump on the client veth
#   lab_capture_stop           stop it cleanly (SIGINT), print its stats
#   lab_cleanup                undo everything (installed as an EXIT trap)
#   lab_step                   short pause between exchanges
# and the variables LAB_SRV4, LAB_SRV6 (URL form: [fd00:99::2]), LAB_TMP.

# Used by the sourcing scripts, hence:
# shellcheck disable=SC2034
LAB_CLI_NS="smcli$$"
LAB_SRV_NS="smsrv$$"
LAB_CLI_IF="cli0"
LAB_SRV_IF="srv0"
LAB_CLI4="10.99.0.1"
LAB_SRV4="10.99.0.2"
LAB_CLI6="fd00:99::1"
LAB_SRV6_ADDR="fd00:99::2"
LAB_SRV6="[fd00:99::2]"
LAB_UDP_PORT=9999
LAB_TMP=""
LAB_NGINX_PID=""
LAB_UDP_PID=""
LAB_TCPDUMP_PID=""
LAB_NS_MADE=""

lab_log() {
	echo "${0##*/}: $*" >&2
}

# Missing prerequisites are not a failure of the project: the test
# harness convention (automake, meson) is exit status 77 = "skipped".
lab_require() {
	if [ "$(id -u)" -ne 0 ]; then
		lab_log "skipped: needs root (network namespaces, tcpdump)"
		exit 77
	fi
	for t in ip "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			lab_log "skipped: '$t' not found (apt-get install -y iproute2 nginx-light curl openssl tcpdump ethtool iputils-ping file python3)"
			exit 77
		fi
	done
}

lab_cli() {
	ip netns exec "$LAB_CLI_NS" "$@"
}

lab_srv() {
	ip netns exec "$LAB_SRV_NS" "$@"
}

lab_step() {
	sleep 0.2
}

# Poll (up to ~5 s) until CMD succeeds; used instead of fixed sleeps so the
# scripts are neither flaky on slow machines nor slow on fast ones.
lab_wait_for() {
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -ge 50 ]; then
			lab_log "timed out waiting for: $*"
			return 1
		fi
		sleep 0.1
	done
}

# Idempotent and tolerant of half-done set-ups: it runs from the EXIT
# trap, possibly after a failure at any point of lab_setup.
# $pids is split on purpose below (one kill for a list of PIDs).
# shellcheck disable=SC2086
lab_cleanup() {
	set +e
	[ -n "$LAB_TCPDUMP_PID" ] && kill -INT "$LAB_TCPDUMP_PID" 2>/dev/null && wait "$LAB_TCPDUMP_PID" 2>/dev/null
	LAB_TCPDUMP_PID=""
	# Clients first (an interrupted run may have some), so that they do
	# not spend their last moments reporting a server that went away.
	if [ -n "$LAB_NS_MADE" ]; then
		pids=$(ip netns pids "$LAB_CLI_NS" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	fi
	if [ -n "$LAB_NGINX_PID" ]; then
		# QUIT = graceful stop; nginx's workers exit with the master.
		kill -QUIT "$LAB_NGINX_PID" 2>/dev/null
		wait "$LAB_NGINX_PID" 2>/dev/null
		LAB_NGINX_PID=""
	fi
	if [ -n "$LAB_UDP_PID" ]; then
		kill "$LAB_UDP_PID" 2>/dev/null
		wait "$LAB_UDP_PID" 2>/dev/null
		LAB_UDP_PID=""
	fi
	if [ -n "$LAB_NS_MADE" ]; then
		# Anything still running inside our namespaces (curl or python
		# clients of an interrupted run) is ours by construction: the
		# names carry our PID.  Left alive, they would keep the
		# namespaces (and their veths) in existence after "ip netns del".
		for ns in "$LAB_CLI_NS" "$LAB_SRV_NS"; do
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$pids" ] && kill $pids 2>/dev/null
		done
		sleep 0.2
		for ns in "$LAB_CLI_NS" "$LAB_SRV_NS"; do
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		done
		# Deleting a namespace destroys the veth end inside it, and with
		# it the peer; processes were stopped above, so nothing keeps
		# the namespaces alive.
		ip netns del "$LAB_CLI_NS" 2>/dev/null
		ip netns del "$LAB_SRV_NS" 2>/dev/null
		LAB_NS_MADE=""
	fi
	[ -n "$LAB_TMP" ] && rm -rf "$LAB_TMP"
	LAB_TMP=""
}

lab_setup_netns() {
	LAB_NS_MADE=1
	ip netns add "$LAB_CLI_NS"
	ip netns add "$LAB_SRV_NS"
	# Create the pair directly inside the namespaces: no interface ever
	# appears in the host namespace, so a crash cannot leave one there.
	ip link add "$LAB_CLI_IF" netns "$LAB_CLI_NS" address 02:00:00:00:00:01 \
		type veth peer name "$LAB_SRV_IF" netns "$LAB_SRV_NS" address 02:00:00:00:00:02
	for ns in "$LAB_CLI_NS" "$LAB_SRV_NS"; do
		if [ "$ns" = "$LAB_CLI_NS" ]; then
			dev=$LAB_CLI_IF a4=$LAB_CLI4 a6=$LAB_CLI6
		else
			dev=$LAB_SRV_IF a4=$LAB_SRV4 a6=$LAB_SRV6_ADDR
		fi
		# Offloads off: with TSO/GSO/GRO a veth hands tcpdump 64 KiB
		# "super-packets", and with TX checksum offload the sender's
		# frames carry unfinished checksums. Neither exists on a real
		# wire, and sessmon must be fed what a NIC would see.
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 ||
			ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off >/dev/null
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$a4/24" dev "$dev"
		# nodad: skip Duplicate Address Detection, otherwise the v6
		# address stays "tentative" (unusable) for about a second.
		ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
		# No router solicitations / MLD reports chatter in the capture.
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.router_solicitations=0" 2>/dev/null || :
		ip -n "$ns" link set "$dev" up
	done
}

# A throw-away self-signed certificate: clients use -k, so nothing about
# it needs to be trusted; it only has to make the TLS handshake real.
lab_setup_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		-subj "/CN=demo.example" \
		-keyout "$LAB_TMP/key.pem" -out "$LAB_TMP/cert.pem" >/dev/null 2>&1
}

# Content: a small page, and bulk files of random (incompressible) data so
# transfers have a known size whatever the client negotiates.
lab_setup_content() {
	mkdir -p "$LAB_TMP/www"
	i=0
	: >"$LAB_TMP/www/small.txt"
	while [ "$i" -lt 4 ]; do
		echo "sessmon demo page, line $i: the quick brown fox jumps over the lazy dog." >>"$LAB_TMP/www/small.txt"
		i=$((i + 1))
	done
	head -c 307200 /dev/urandom >"$LAB_TMP/www/bulk.bin"
	head -c 1048576 /dev/urandom >"$LAB_TMP/www/bulk1m.bin"
}

# nginx runs from its own config under LAB_TMP (-p prefix, every path
# absolute there), so the host's /etc/nginx sites, logs and pid file are
# never read nor written.  HTTP keep-alive stays on (nginx default), so
# a client that makes one request closes first, cleanly; a recorder that
# wants one connection per request asks for it with "Connection: close".
# lingering_close always: when nginx is the one closing, it half-closes
# (FIN) and keeps reading until the client closes too.  Without it nginx
# close()s at once, the client's TLS close_notify then hits a dead socket
# and every HTTPS session would end in a RST, which is not what most
# real sessions look like.
lab_setup_nginx() {
	mkdir -p "$LAB_TMP/nginx"
	cat >"$LAB_TMP/nginx.conf" <<EOF
worker_processes 1;
pid $LAB_TMP/nginx.pid;
error_log $LAB_TMP/error.log warn;
events { worker_connections 1024; }
http {
	access_log $LAB_TMP/access.log;
	client_body_temp_path $LAB_TMP/nginx/body;
	proxy_temp_path $LAB_TMP/nginx/proxy;
	fastcgi_temp_path $LAB_TMP/nginx/fastcgi;
	uwsgi_temp_path $LAB_TMP/nginx/uwsgi;
	scgi_temp_path $LAB_TMP/nginx/scgi;
	default_type application/octet-stream;
	lingering_close always;
	server {
		listen $LAB_SRV4:80;
		listen [$LAB_SRV6_ADDR]:80;
		listen $LAB_SRV4:443 ssl;
		listen [$LAB_SRV6_ADDR]:443 ssl;
		server_name demo.example;
		ssl_certificate $LAB_TMP/cert.pem;
		ssl_certificate_key $LAB_TMP/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $LAB_TMP/www;
	}
}
EOF
	# Workers drop to "nobody": they must be able to read the content.
	chmod 755 "$LAB_TMP" "$LAB_TMP/www"
	chmod 644 "$LAB_TMP/www/"*
	# daemon off: nginx stays our child, so its PID is known and
	# cleanup never has to guess which nginx is ours.
	ip netns exec "$LAB_SRV_NS" nginx -p "$LAB_TMP" -c "$LAB_TMP/nginx.conf" -e "$LAB_TMP/error.log" \
		-g "daemon off;" &
	LAB_NGINX_PID=$!
	lab_wait_for lab_cli curl -s -o /dev/null "http://$LAB_SRV4/small.txt" || {
		cat "$LAB_TMP/error.log" >&2
		return 1
	}
}

# UDP echo server: answers every datagram with the same payload.
lab_setup_udp() {
	ip netns exec "$LAB_SRV_NS" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
' "$LAB_UDP_PORT" &
	LAB_UDP_PID=$!
	lab_wait_for lab_srv sh -c "ss -Hlun | grep -q ':$LAB_UDP_PORT '"
}

lab_setup() {
	LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/netns-lab.XXXXXX")
	lab_setup_netns
	lab_setup_cert
	lab_setup_content
	lab_setup_nginx
	lab_setup_udp
}

# tcpdump runs in the client namespace on the veth, so it sees both
# directions of every exchange exactly once.  -w with no format option
# writes classic pcap (microsecond timestamps), which DPDK's net_pcap
# reads; -U flushes per packet so nothing is lost at SIGINT.
lab_capture_start() {
	out=$1
	shift
	ip netns exec "$LAB_CLI_NS" tcpdump -i "$LAB_CLI_IF" -n -s 0 -U "$@" -w "$out" 2>"$LAB_TMP/tcpdump.err" &
	LAB_TCPDUMP_PID=$!
	# Ready means "listening on cli0" has been printed: only then is the
	# socket bound; traffic sent earlier would be missing from the file.
	lab_wait_for grep -q "listening on" "$LAB_TMP/tcpdump.err" || {
		cat "$LAB_TMP/tcpdump.err" >&2
		return 1
	}
}

lab_capture_stop() {
	# libpcap (TPACKET_V3) hands packets over a block at a time, after
	# up to 1 s, and tcpdump does not drain the ring on SIGINT: without
	# this pause the last packets would be "received by filter" but
	# missing from the file.  It also lets the final FIN/ACKs cross.
	sleep 1.5
	kill -INT "$LAB_TCPDUMP_PID"
	wait "$LAB_TCPDUMP_PID" || :
	LAB_TCPDUMP_PID=""
	# tcpdump prints "N packets captured / received / dropped by kernel".
	grep -E "packets (captured|received|dropped)" "$LAB_TMP/tcpdump.err" >&2 || :
}
