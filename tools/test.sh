#!/bin/sh
# Installs what is missing, builds sessmon twice (release, and ASan+UBSan
# with DPDK on --no-huge) and runs the whole suite on both builds.
# Usage: tools/test.sh            (as root on Debian 12; CI runs exactly this)
set -eu
cd "$(dirname "$0")/.."

./tools/install-deps.sh

# Any sanitizer report fails the test that triggered it.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1"

build() {
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
}

status=0
for variant in release asan; do
	dir=build-$variant
	case $variant in
	release) build "$dir" --buildtype=release --werror ;;
	asan) build "$dir" --buildtype=debug --werror -Db_sanitize=address,undefined -Db_lundef=false ;;
	esac
	echo "== $variant: meson test"
	meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
done

# One plain closing line over both builds, from meson's own test log.
python3 tools/test-summary.py build-release build-asan
exit $status
