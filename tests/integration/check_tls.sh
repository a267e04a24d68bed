#!/usr/bin/env bash
# TLS handshake failures told apart (alert / FIN / RST / timeout), legacy
# protocol versions and weak ephemeral keys, and certificate expiry soon.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

fail_kind() {	# the endpoint's tls.fail as recorded in the JSON
	$AJ get "$WORK/out" targets.0.endpoints.0.tls.fail
}

mxp check $(LABOPTS) --timeout 5 --json smtp://tlsfin.lab.test
expect_finding tls.handshake_failed critical
[ "$(fail_kind)" = eof ] && ok "FIN after the ClientHello recorded as eof" || not_ok "tlsfin: fail=$(fail_kind)"
expect_rc 2 "handshake failure is critical"

mxp check $(LABOPTS) --timeout 5 --json smtp://tlsrst.lab.test
expect_finding tls.handshake_failed critical
[ "$(fail_kind)" = reset ] && ok "RST recorded as reset" || not_ok "tlsrst: fail=$(fail_kind)"

mxp check $(LABOPTS) --timeout 5 --json smtp://tlsalert.lab.test
expect_finding tls.handshake_failed critical
[ "$(fail_kind)" = alert_received ] && ok "alert recorded as alert_received" || not_ok "tlsalert: fail=$(fail_kind)"
alert=$($AJ get "$WORK/out" targets.0.endpoints.0.tls.alert)
[ "$alert" = 40 ] && ok "alert number 40 (handshake_failure)" || not_ok "alert=$alert"

start=$(date +%s)
mxp check $(LABOPTS) --timeout 2 --json smtp://tlssilent.lab.test
took=$(( $(date +%s) - start ))
expect_finding tls.handshake_failed critical
[ "$(fail_kind)" = timeout ] && ok "silence recorded as timeout" || not_ok "tlssilent: fail=$(fail_kind)"
[ $took -le 5 ] && ok "silent handshake cost ${took}s with --timeout 2" || not_ok "took ${took}s"

mxp check $(LABOPTS) --timeout 5 --json smtp://legacy.lab.test
expect_finding tls.legacy_version warning
expect_finding kex.temp_key_weak
ver=$($AJ get "$WORK/out" targets.0.endpoints.0.tls.version)
case "$ver" in TLSv1|TLSv1.1) ok "negotiated $ver";; *) not_ok "legacy negotiated $ver";; esac
bits=$($AJ get "$WORK/out" targets.0.endpoints.0.tls.temp_key.bits)
[ "$bits" = 1024 ] && ok "temp key DH 1024 bits seen" || not_ok "temp key bits $bits"

mxp check $(LABOPTS) --timeout 5 --json smtp://expiring.lab.test
expect_finding cert.expiring_soon warning
expect_no_finding cert.expired
finish
