#!/usr/bin/env bash
# mxprobe headers: the Received chain of a message the lab really
# delivered (TLS per hop as Postfix writes it), plus a clear-text hop.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
MD="$MXPROBE_LAB_MAILDIR"

mxp send $(LABOPTS) --json --tls-policy verify --via mx1.lab.test \
	--to postmaster@lab.test --maildir "$MD"
expect_rc 0 "sent over TLS"
file=$($AJ get "$WORK/out" end_to_end.path 2>/dev/null)
[ -f "$file" ] && ok "delivered file $file" || not_ok "no delivered file ($file)"
cp "$file" "$WORK/tls.eml"

mxp headers --json "$WORK/tls.eml"
expect_rc 0 "headers of a TLS-delivered message"
v=$($AJ get "$WORK/out" hops.0.tls 2>/dev/null)
[ "$v" = yes ] && ok "hop 1 says TLS" || not_ok "hop 1 tls '$v'"
v=$($AJ get "$WORK/out" hops.0.tls_version 2>/dev/null)
case "$v" in TLSv1.[23]) ok "hop 1 TLS version $v" ;; *) not_ok "hop 1 version '$v'" ;; esac
v=$($AJ get "$WORK/out" hops.0.by 2>/dev/null)
[ "$v" = mx1.lab.test ] && ok "hop 1 received by mx1" || not_ok "hop 1 by '$v'"

mxp send $(LABOPTS) --json --tls-policy may --via notls.lab.test \
	--to postmaster@lab.test --maildir "$MD"
file=$($AJ get "$WORK/out" end_to_end.path 2>/dev/null)
mxp headers "$file"
expect_rc 1 "a clear-text hop: exit 1"
expect_out "TLS: NO" "text names the clear-text hop"

# stdin, a synthetic two-hop message with delays and A-R
printf '%s\r\n' \
 'Received: from mx.b.test (mx.b.test [192.0.2.2]) by mx.c.test with ESMTPS id 2 (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384); Tue, 19 Nov 2024 10:00:30 +0000' \
 'Received: from a.test by mx.b.test with ESMTP id 1; Tue, 19 Nov 2024 10:00:00 +0000' \
 'Authentication-Results: mx.c.test; spf=pass smtp.mailfrom=a.test; dkim=fail header.d=a.test' \
 'Subject: x' '' 'body' > "$WORK/two.eml"
RC=0; "$MXPROBE" headers --json - < "$WORK/two.eml" > "$WORK/out" 2>"$WORK/err" || RC=$?
expect_rc 1 "two hops, one in clear"
v=$($AJ get "$WORK/out" hops.1.delay_s 2>/dev/null)
[ "$v" = 30 ] && ok "30 s between the hops" || not_ok "delay '$v'"
v=$($AJ get "$WORK/out" authentication_results.0.methods.1.result 2>/dev/null)
[ "$v" = fail ] && ok "dkim=fail read" || not_ok "dkim '$v'"

mxp headers /nonexistent.eml
expect_rc 3 "unreadable file"

# A 5 MiB header field (issue 13): the limit it hit is named, not "no
# header section"; a whole field before it is still shown.
python3 -c 'import sys; sys.stdout.buffer.write(b"Subject: " + b"A" * 5242880 + b"\r\n\r\nbody\r\n")' >"$WORK/big.eml"
mxp headers "$WORK/big.eml"
expect_rc 3 "a 5 MiB first field: exit 3"
if grep -q "over the limit of 65536 bytes" "$WORK/err"; then
	ok "the field limit is named"
else
	not_ok "no limit named: $(head -c 300 "$WORK/err")"
fi
python3 -c 'import sys; sys.stdout.buffer.write(b"Received: from a.test by b.test with ESMTP id 1; Tue, 19 Nov 2024 10:00:00 +0000\r\nSubject: " + b"A" * 5242880 + b"\r\n\r\nbody\r\n")' >"$WORK/big2.eml"
mxp headers --json "$WORK/big2.eml"
expect_rc 1 "a 5 MiB second field: exit 1, the first shown"
v=$($AJ get "$WORK/out" header_status 2>/dev/null)
[ "$v" = field_too_big ] && ok "header_status field_too_big" || not_ok "header_status '$v'"
v=$($AJ get "$WORK/out" hops.0.by 2>/dev/null)
[ "$v" = b.test ] && ok "the Received field before it is kept" || not_ok "hop 0 by '$v'"
finish
