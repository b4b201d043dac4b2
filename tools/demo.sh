#!/bin/sh
# Installs what is missing, builds sessmon, and runs it on the bundled
# capture (no NIC, no hugepages), printing its FortiGate session lists.
# Usage: tools/demo.sh            (as root on Debian 12)
set -eu
cd "$(dirname "$0")/.."

./tools/install-deps.sh
if [ ! -f build-release/build.ninja ]; then
	meson setup build-release --buildtype=release >/dev/null
fi
ninja -C build-release >/dev/null

exec build-release/control/sessmon -r tests/data/demo.pcap \
	-c "diagnose sys session list" \
	-c "diagnose sys session6 list" \
	-c "diagnose sys session stat"
