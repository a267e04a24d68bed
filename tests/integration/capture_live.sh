#!/usr/bin/env bash
# Live capture and the pcapng writer end to end (issue 9 points 1 and 2),
# through tests/unit/capture_dump: a capture on lo filtered to a listener
# it starts on 127.0.0.1, the output file created, privileges dropped to
# nobody, one exchange, every frame written with a comment.  Then:
#
#  - the process ended with CapEff 0 and uid nobody (its own report from
#    /proc/self/status, after the drop);
#  - the file is mode 0600 and tshark reads it: one comment per frame,
#    the SYN and the 19-byte EHLO among them, every frame on the
#    listener's port (nothing outside the filter);
#  - an existing file is refused without --force and replaced with it;
#    a symlink is never followed;
#  - run as nobody without capabilities, opening the capture fails with
#    exit 3 and the message names CAP_NET_RAW.
#
# Needs root and tshark; skips without them, fails under CI=true.  Talks
# to 127.0.0.1 only.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip_or_fail "live capture needs root (CAP_NET_RAW)"
fi
command -v tshark >/dev/null 2>&1 ||
	skip_or_fail "tshark is not installed (Debian: tshark; tests/lab/packages.txt)"
DUMP=${CAPTURE_DUMP:-$(dirname "$MXPROBE")/tests/unit/capture_dump}
[ -x "$DUMP" ] || skip_or_fail "$DUMP is not built (make check builds it)"

OUT="$WORK/live.pcapng"

# 1. capture, drop, exchange, write
RC=0
"$DUMP" "$OUT" >"$WORK/out" 2>"$WORK/err" || RC=$?
expect_rc 0 "capture_dump writes $OUT"
expect_out '^CapEff:[[:space:]]+0000000000000000$' "CapEff is 0 after the drop"
expect_out '^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$' \
	"running as nobody after the drop"
FRAMES=$(sed -n 's/^frames \([0-9]*\) port.*/\1/p' "$WORK/out")
PORT=$(sed -n 's/^frames [0-9]* port \([0-9]*\) .*/\1/p' "$WORK/out")
if [ -n "$FRAMES" ] && [ "$FRAMES" -ge 6 ]; then
	ok "$FRAMES frames captured"
else
	not_ok "frames captured: '${FRAMES}'"
fi
expect_out 'kernel_drop 0 store_dropped 0' "no frame dropped"

# 2. the file: mode, and what tshark reads from it
MODE=$(stat -c %a "$OUT" 2>/dev/null)
if [ "$MODE" = 600 ]; then ok "mode 0600"; else not_ok "mode '$MODE', want 600"; fi

tshark -r "$OUT" -T fields -e frame.comment >"$WORK/comments" 2>"$WORK/tshark.err"
TRC=$?
cp "$WORK/comments" "$WORK/out"
cp "$WORK/tshark.err" "$WORK/err"
RC=$TRC
expect_rc 0 "tshark reads the pcapng"
if grep -Eiq 'corrupt|damaged|error' "$WORK/tshark.err"; then
	not_ok "tshark complains about the file"
else
	ok "tshark has no complaint"
fi
N=$(grep -c '^capture_dump frame [0-9]*: ' "$WORK/comments")
if [ -n "$FRAMES" ] && [ "$N" = "$FRAMES" ]; then
	ok "one comment per frame ($N)"
else
	not_ok "$N comments for ${FRAMES:-?} frames"
fi
expect_out '^capture_dump frame 1: SYN$' "the first frame is the SYN, commented"
expect_out '^capture_dump frame [0-9]+: PSH\+ACK 19 B$' "the EHLO frame is commented"
expect_out '^capture_dump frame [0-9]+: (FIN\+ACK|FIN\+PSH\+ACK)' "a FIN is commented"

tshark -r "$OUT" -T fields -e tcp.srcport -e tcp.dstport \
	>"$WORK/out" 2>"$WORK/err"
if [ -n "$PORT" ] && [ -s "$WORK/out" ] &&
	awk -v p="$PORT" '$1 != p && $2 != p { bad = 1 } END { exit bad }' "$WORK/out"; then
	ok "every frame is on the listener's port $PORT"
else
	not_ok "frames outside the filter (port ${PORT:-?})"
fi
tshark -r "$OUT" -T fields -e frame.interface_name -e frame.time_epoch \
	-c 1 >"$WORK/out" 2>"$WORK/err"
expect_out '^lo[[:space:]]+1[0-9]{9}\.[0-9]{6}' "interface lo and microsecond times"

# 3. O_EXCL, --force, symlinks
RC=0
"$DUMP" "$OUT" >"$WORK/out" 2>"$WORK/err" || RC=$?
expect_rc 1 "an existing file is refused"
expect_err 'exists \(use --force to overwrite\)' "the refusal says --force"
RC=0
"$DUMP" --force "$OUT" >"$WORK/out" 2>"$WORK/err" || RC=$?
expect_rc 0 "--force replaces it"
printf 'keep' >"$WORK/target"
ln -s "$WORK/target" "$WORK/link.pcapng"
RC=0
"$DUMP" --force "$WORK/link.pcapng" >"$WORK/out" 2>"$WORK/err" || RC=$?
expect_rc 1 "a symlink is refused even with --force"
if [ "$(cat "$WORK/target")" = keep ]; then
	ok "the symlink's target is untouched"
else
	not_ok "the symlink's target was written"
fi

# 4. without the capability
if command -v setpriv >/dev/null 2>&1; then
	AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
else
	AS_NOBODY="su nobody -s /bin/sh -c"
fi
RC=0
if [ "${AS_NOBODY#setpriv}" != "$AS_NOBODY" ]; then
	$AS_NOBODY "$DUMP" /tmp/never-written.pcapng >"$WORK/out" 2>"$WORK/err" || RC=$?
else
	$AS_NOBODY "'$DUMP' /tmp/never-written.pcapng" >"$WORK/out" 2>"$WORK/err" || RC=$?
fi
expect_rc 3 "without CAP_NET_RAW the capture is refused"
expect_err 'capture needs CAP_NET_RAW \(run as root or grant the capability: setcap cap_net_raw\+ep mxprobe\)' \
	"the message names CAP_NET_RAW and setcap"
if [ -e /tmp/never-written.pcapng ]; then
	not_ok "an output file was created without a capture"
else
	ok "no output file without a capture"
fi

finish
