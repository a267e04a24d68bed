#!/usr/bin/env bash
# SMTP-level failures, told apart from TLS failures; deadlines hold.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

mxp check $(LABOPTS) --timeout 5 --json smtp://notls.lab.test
expect_finding smtp.starttls_missing warning
expect_rc 1 "no STARTTLS is a warning"

mxp check $(LABOPTS) --timeout 5 --json smtp://tls454.lab.test
expect_finding smtp.starttls_rejected critical
expect_no_finding tls.handshake_failed
expect_rc 2 "454 to STARTTLS is critical"

mxp check $(LABOPTS) --timeout 5 --json smtp://reject554.lab.test
expect_finding smtp.greeting_rejected critical

mxp check $(LABOPTS) --timeout 5 --json 127.0.0.31:2599
expect_finding smtp.connect_failed critical
expect_rc 2 "connection refused"

start=$(date +%s)
mxp check $(LABOPTS) --timeout 2 --json smtp://silent.lab.test
took=$(( $(date +%s) - start ))
expect_finding smtp.greeting_timeout critical
[ $took -le 5 ] && ok "silent server cost ${took}s with --timeout 2" || not_ok "silent server took ${took}s"

start=$(date +%s)
mxp check $(LABOPTS) --timeout 5 --json smtp://endless.lab.test
took=$(( $(date +%s) - start ))
expect_finding smtp.reply_limit_exceeded critical
[ $took -le 7 ] && ok "endless reply stopped after ${took}s" || not_ok "endless reply took ${took}s"

mxp check $(LABOPTS) --timeout 5 --json smtp://garbage.lab.test
expect_finding smtp.reply_malformed critical
if grep -q $'\x1b' "$WORK/out"; then not_ok "garbage escaped in JSON"; else ok "garbage escaped in JSON"; fi
mxp check $(LABOPTS) --timeout 5 smtp://garbage.lab.test
if grep -q $'\x1b' "$WORK/out"; then not_ok "garbage escaped in text"; else ok "garbage escaped in text (ESC shown as \\\\x1b)"; fi

mxp check $(LABOPTS) --timeout 5 --json smtp://slowbanner.lab.test
expect_no_finding smtp.greeting_timeout
expect_finding smtp.starttls_missing warning
expect_rc 1 "3 s banner delay is within the timeout (only the missing STARTTLS warns)"
mxp check $(LABOPTS) --timeout 2 --deadline 2 --json smtp://slowbanner.lab.test
expect_finding smtp.greeting_timeout critical
finish
