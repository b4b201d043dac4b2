#!/bin/sh
# Installs what sessmon needs to build, run and test on Debian 12.
# Idempotent: packages already present are left as they are.
set -eu

PKGS="build-essential meson ninja-build pkg-config python3
libdpdk-dev dpdk dpdk-dev libpcap-dev libhyperscan-dev libbpf-dev bpftool libelf-dev zlib1g-dev
libjson-c-dev libssl-dev libcmocka-dev clang llvm libclang-rt-14-dev
tshark libndpi-bin iproute2 iputils-ping ethtool nginx-light curl openssl tcpdump ncat"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# tshark asks whether non-root users may capture; the default (no) is fine.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -q --no-install-recommends $missing
