#!/usr/bin/env bash
# -o FILE (issue 13 point 4, found again in issue 9): a regular file is
# written atomically (a temporary file beside it, renamed over it: nothing
# is left behind); a device or FIFO is written in place - renaming over
# one replaced /dev/null with a regular file once - and a --capture run,
# which drops to nobody, still writes into a directory only root may
# write.  The device is a private node made here (mknod), never the
# system's /dev/null.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
L="$(LABOPTS) --timeout 5"

mknod "$WORK/null" c 1 3 || skip_or_fail "mknod needs root"
mxp check $L smtp://mx1.lab.test -o "$WORK/null"
expect_rc 0 "-o a character device"
[ -c "$WORK/null" ] && ok "it is still a character device" ||
	{ ls -la "$WORK/null"; not_ok "the device was replaced"; }

mkfifo "$WORK/fifo"
(wc -c <"$WORK/fifo" >"$WORK/fifo.n") &
READER=$!
mxp check $L --json smtp://mx1.lab.test -o "$WORK/fifo"
expect_rc 0 "-o a FIFO"
wait "$READER"
[ -p "$WORK/fifo" ] && [ "$(cat "$WORK/fifo.n")" -gt 100 ] &&
	ok "the report went through the FIFO ($(cat "$WORK/fifo.n") bytes), still a FIFO" ||
	not_ok "FIFO: $(ls -la "$WORK/fifo") $(cat "$WORK/fifo.n")"

mxp check $L --json smtp://mx1.lab.test -o "$WORK/r.json"
expect_rc 0 "-o a regular file"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/r.json" &&
	ok "it holds the report" || not_ok "no report in the file"
left=$(ls "$WORK" | grep -c '\.tmp\.' || true)
[ "$left" = 0 ] && ok "no temporary file left behind" || not_ok "$left temporary files left"

mkdir -m 700 "$WORK/private"
mxp check $L --capture --json smtp://mx1.lab.test -o "$WORK/private/c.json"
expect_rc 0 "--capture -o into a directory only root may write"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["capture"]["frames"] > 0' \
	"$WORK/private/c.json" && ok "the report was written after the drop to nobody" ||
	not_ok "no capture report in the private directory"
finish
