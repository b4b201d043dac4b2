#!/bin/sh
# Records the small demo capture bundled with sessmon (tests/data/demo.pcap).
# Usage: tools/record-demo-capture.sh [OUT]       (as root; default OUT is
#        tests/data/demo.pcap)
#
# Why a recorder rather than a hand-made file: the demo must show sessions
# as a real stack produces them (handshakes, TIME_WAIT-style closes, RSTs,
# ICMP errors, real TLS 1.2 and 1.3), and anyone must be able to
# regenerate it and get the same kinds of sessions.  Everything happens
# between two private network namespaces (see tools/lib/netns-lab.sh):
# no NIC, no internet, nothing left behind.
#
# The exchanges are run one after the other with a short pause in
# between, so the capture reads like a story in Wireshark and every
# session has a distinct start time.  Exit status 77 = skipped (not root,
# or a tool is missing).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib/netns-lab.sh
. "$here/lib/netns-lab.sh"

out=${1:-$(dirname "$here")/tests/data/demo.pcap}

lab_require nginx curl openssl tcpdump python3 ethtool ping file ss
# Always undo the lab, whatever happens; INT/TERM are turned into a normal
# exit so that the EXIT trap runs for them too.
trap lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab_setup

mkdir -p "$(dirname "$out")"
# tcpdump drops root privileges to the "tcpdump" user before writing
# unless told otherwise (-Z root), and that user may not be allowed to
# write into the repository.
lab_capture_start "$out" -Z root

# curl: -s quiet, -o /dev/null discard the body, --http1.1 so the HTTPS
# exchanges stay HTTP/1.1 over TLS whatever ALPN would offer.
get() {
	lab_cli curl -s -o /dev/null --http1.1 "$@"
	lab_step
}

# 1. Plain HTTP, small page, IPv4 then IPv6; then a bulk (300 KB) one.
get "http://$LAB_SRV4/small.txt"
get -g "http://$LAB_SRV6/small.txt"
get "http://$LAB_SRV4/bulk.bin"

# 2. HTTPS: TLS 1.2 and 1.3 over IPv4, TLS 1.3 over IPv6 (-k: the
#    certificate is self-signed).
get -k --tls-max 1.2 "https://$LAB_SRV4/small.txt"
get -k --tlsv1.3 "https://$LAB_SRV4/small.txt"
get -k --tlsv1.3 -g "https://$LAB_SRV6/small.txt"

# 3. A bare TLS handshake with SNI, the way monitoring probes do it:
#    s_client connects, handshakes, reads EOF on stdin and closes.
lab_cli openssl s_client -connect "$LAB_SRV4:443" -servername demo.example \
	</dev/null >/dev/null 2>&1
lab_step

# 4. A refused connection: nothing listens on 81, the server kernel
#    answers the SYN with a RST. curl fails (exit 7), as expected.
lab_cli curl -s -o /dev/null --connect-timeout 2 "http://$LAB_SRV4:81/" || :
lab_step

# 5. UDP request/response with the echo server.  A tiny python client
#    rather than "ncat -u": ncat closes its socket at stdin EOF, often
#    before the reply is in, and the client kernel then answers the reply
#    with an ICMP port unreachable that does not belong in the story.
lab_cli python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"sessmon udp ping", (sys.argv[1], int(sys.argv[2])))
s.recvfrom(2048)
' "$LAB_SRV4" "$LAB_UDP_PORT"
lab_step

# 6. One datagram to a closed UDP port: the server answers ICMP port
#    unreachable (type 3 code 3), which sessmon must tie to the flow.
lab_cli python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"anyone there?", (sys.argv[1], 9998))
' "$LAB_SRV4"
lab_step

# 7. Pings, IPv4 and IPv6 (ICMP echo sessions). -i 0.2 keeps it short.
lab_cli ping -q -c 2 -i 0.2 "$LAB_SRV4" >/dev/null
lab_step
lab_cli ping -6 -q -c 2 -i 0.2 "$LAB_SRV6_ADDR" >/dev/null

lab_capture_stop

# Check the format: the sessmon ingress (DPDK net_pcap) wants classic pcap.
case $(file -b "$out") in
*"pcap capture file"* | *"tcpdump capture file"*) ;;
*)
	lab_log "unexpected capture format: $(file -b "$out")"
	exit 1
	;;
esac

pkts=$(tcpdump -r "$out" 2>/dev/null | wc -l)
size=$(wc -c <"$out")
echo "${0##*/}: wrote $out: $pkts packets, $size bytes"
