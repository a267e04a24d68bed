#!/usr/bin/env bash
# mxprobe policy: every TLS policy level judged from one probe.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
level() {	# ENDPOINT-INDEX LEVEL WANT-DECISION
	local v
	v=$($AJ get "$WORK/out" "endpoints.$1.levels.$2.decision" 2>/dev/null)
	if [ "$v" = "$3" ]; then ok "endpoint $1 $2: $v"; else not_ok "endpoint $1 $2: '$v', want $3"; fi
}
host_of() { $AJ get "$WORK/out" "endpoints.$1.host" 2>/dev/null; }

mxp policy $(LABOPTS) --timeout 5 --json lab.test
if "$MXPROBE_SRCDIR/tests/unit/check_schema.sh" --schema policy "$WORK/out" >/dev/null
then ok "policy JSON valid against doc/mxprobe-policy.schema.json"; else not_ok "policy JSON schema"; fi
[ "$(host_of 0)" = mx1.lab.test ] && ok "mx1 first" || not_ok "first endpoint $(host_of 0)"
for l in may encrypt verify secure dane dane-only; do level 0 $l deliver_tls; done
level 0 none deliver_clear
level 0 fingerprint defer
for i in 0 1 2 3; do
	case "$(host_of $i)" in
	mx2.lab.test)
		level $i may deliver_tls; level $i encrypt deliver_tls
		level $i verify defer; level $i secure defer
		level $i dane deliver_tls; level $i dane-only defer ;;
	mx3.lab.test)
		level $i verify defer; level $i encrypt deliver_tls ;;
	esac
done
expect_rc 1 "mx2/mx3 give only unauthenticated TLS: exit 1"
expect_finding policy.would_defer warning mx2.lab.test

mxp policy $(LABOPTS) --timeout 5 --json smtp://notls.lab.test
level 0 may deliver_clear
level 0 encrypt defer
expect_finding policy.cleartext warning
expect_rc 2 "clear text at may: exit 2"

fp=$(openssl x509 -in "$MXPROBE_LAB_CERTS/mx1.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
mxp policy $(LABOPTS) --timeout 5 --json --fingerprint "$fp" smtp://mx1.lab.test
level 0 fingerprint deliver_tls
expect_rc 0 "mx1 verifies: exit 0"

mxp policy $(LABOPTS) --timeout 5 smtp://mismatch.lab.test
expect_out "verify +defer .*does not name" "text: verify defers on a name mismatch"
expect_out "secure +defer" "text: secure defers on a name mismatch"
finish
