#!/usr/bin/env bash
# setup.sh - install what mxprobe needs on Debian 12, build it, and run it.
#
#   ./setup.sh demo     install, build, start the loopback lab, and run
#                       `mxprobe check lab.test` against it
#   ./setup.sh test     install, build with -Werror and ASan+UBSan, lint,
#                       start the lab, run the whole test suite (make check), and
#                       print "N passed, N failed"
#   ./setup.sh deps     only install the Debian packages (idempotent)
#   ./setup.sh build    deps + build into ./build
#
# Run as root (apt-get and the lab's servers on port 25 need it).  Safe to
# re-run: packages already installed are skipped by apt, builds are
# incremental, the lab reuses its certificates and keys.
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"

BUILD_PKGS="build-essential autoconf automake libtool pkg-config
 libssl-dev libgnutls28-dev libpcap-dev libncurses-dev libcmocka-dev
 libevent-dev libunbound-dev libjansson-dev libcurl4-openssl-dev
 libidn2-dev libsqlite3-dev"
TEST_PKGS="python3 python3-jsonschema openssl ca-certificates iproute2 clang-format sqlite3 tmux"

log() { printf '==> %s\n' "$*" >&2; }

deps() {
	local pkgs missing=() p
	pkgs="$BUILD_PKGS $TEST_PKGS"
	if [ -f tests/lab/packages.txt ]; then
		pkgs="$pkgs $(grep -v '^#' tests/lab/packages.txt | tr '\n' ' ')"
	fi
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		log "all Debian packages present"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: run as root to install: ${missing[*]}" >&2
		exit 1
	fi
	log "installing: ${missing[*]}"
	# Keep apt from starting the distribution's postfix/unbound/nsd: the
	# lab runs its own instances on loopback addresses.
	local prc=/usr/sbin/policy-rc.d had_prc=0
	[ -e "$prc" ] && had_prc=1
	if [ $had_prc -eq 0 ]; then
		printf '#!/bin/sh\nexit 101\n' >"$prc"
		chmod +x "$prc"
	fi
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections 2>/dev/null || true
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	[ $had_prc -eq 0 ] && rm -f "$prc"
	return 0
}

configure_in() {	# DIR CONFIGURE-ARGS...
	local dir=$1; shift
	[ -x configure ] || ./autogen.sh
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/Makefile" ]; then
		(cd "$dir" && "$top/configure" -q "$@")
	fi
}

build() {
	configure_in build
	make -C build -j"$(nproc)" >/dev/null
	log "built build/mxprobe"
}

demo() {
	deps
	build
	tests/lab/lab.sh start
	eval "$(tests/lab/lab.sh env)"
	log "mxprobe check lab.test (DNS and servers of the loopback lab)"
	set +e
	build/mxprobe check --resolver "$MXPROBE_LAB_RESOLVER" \
		--trust-anchor "$MXPROBE_LAB_TRUST_ANCHOR" \
		--ca-file "$MXPROBE_LAB_CA" --timeout 5 lab.test
	local rc=$?
	set -e
	log "exit status $rc (0 OK, 1 warning, 2 critical, 3 unknown): the lab plants defects on purpose"
	return 0
}

test_suite() {
	deps
	configure_in build-check --enable-werror --enable-sanitizers
	make -C build-check -j"$(nproc)" >/dev/null
	# STYLE.md habit 15: banned calls, printing outside the renderers,
	# clang-format - all fatal here.
	make -C build-check lint LINT_FORMAT=strict
	tests/lab/lab.sh start
	local rc=0
	make -C build-check -j2 check || rc=$?
	local log=build-check/test-suite.log
	if [ $rc -ne 0 ] && [ -f "$log" ]; then
		cat "$log"
	fi
	local pass fail skip
	pass=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	err=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	fail=$(( ${fail:-0} + ${err:-0} ))
	echo "${pass:-0} passed, ${fail} failed, ${skip:-0} skipped"
	return $rc
}

case "${1:-demo}" in
deps) deps ;;
build) deps; build ;;
demo) demo ;;
test) test_suite ;;
*) echo "usage: $0 [demo|test|deps|build]" >&2; exit 2 ;;
esac
