#!/usr/bin/env bash
# mxprobe certs --export: <CN>.pem per certificate and chain.pem, no
# overwrite without --force, CA certificates named.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
d="$WORK/export"

mxp certs $(LABOPTS) --timeout 5 smtp://mx1.lab.test --export "$d"
expect_rc 0 "export from mx1"
[ -f "$d/mx1.lab.test.pem" ] && ok "leaf written as mx1.lab.test.pem" || not_ok "no leaf file: $(ls "$d")"
[ -f "$d/chain.pem" ] && ok "chain.pem written" || not_ok "no chain.pem"
n=$(grep -c 'BEGIN CERTIFICATE' "$d/chain.pem" 2>/dev/null)
[ "$n" = 2 ] && ok "chain.pem holds the 2 certificates sent" || not_ok "chain.pem has $n"
ls "$d" >"$WORK/files"
inter=$(grep -v -e mx1.lab.test.pem -e chain.pem "$WORK/files" | head -1)
[ -n "$inter" ] && openssl x509 -in "$d/$inter" -noout -text | grep -q 'CA:TRUE' &&
	ok "intermediate written as $inter" || not_ok "intermediate missing"
expect_out 'CA' "output says which are CA certificates"
openssl verify -CAfile "$MXPROBE_LAB_CA" -untrusted "$d/$inter" "$d/mx1.lab.test.pem" >/dev/null &&
	ok "exported chain verifies with openssl" || not_ok "exported chain does not verify"

mxp certs $(LABOPTS) --timeout 5 smtp://mx1.lab.test --export "$d"
[ "$RC" != 0 ] && ok "refuses to overwrite without --force (exit $RC)" || not_ok "overwrote without --force"
mxp certs $(LABOPTS) --timeout 5 smtp://mx1.lab.test --export "$d" --force
expect_rc 0 "overwrites with --force"

mxp certs $(LABOPTS) --timeout 5 smtp://notls.lab.test --export "$WORK/none"
[ "$RC" = 3 ] && ok "no TLS, no certificates: exit 3" || not_ok "notls exit $RC"
finish
