#!/usr/bin/env bash
# Certificate defects, one real Postfix listener each.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

mxp check $(LABOPTS) --timeout 5 --json smtp://mx1.lab.test
expect_rc 0 "good chain, verified against the lab CA"
for id in cert.untrusted cert.chain_incomplete cert.self_signed cert.expired cert.hostname_mismatch; do
	expect_no_finding $id
done

mxp check --resolver "$MXPROBE_LAB_RESOLVER" --timeout 5 --json smtp://mx1.lab.test
expect_rc 2 "the same chain without the lab CA is untrusted"
expect_finding cert.untrusted critical
expect_no_finding cert.chain_incomplete

mxp check $(LABOPTS) --timeout 5 --json smtp://selfsigned.lab.test
expect_finding cert.self_signed warning
expect_no_finding cert.untrusted

mxp check $(LABOPTS) --timeout 5 --json smtp://nochain.lab.test
expect_rc 2 "missing intermediate is critical"
expect_finding cert.chain_incomplete critical
expect_no_finding cert.untrusted

mxp check $(LABOPTS) --timeout 5 --json smtp://mismatch.lab.test
expect_finding cert.hostname_mismatch warning
expect_rc 1 "name mismatch alone is a warning"

mxp check $(LABOPTS) --timeout 5 --json smtp://expired.lab.test
expect_finding cert.expired critical
expect_rc 2 "expired is critical"

mxp check $(LABOPTS) --timeout 5 --json smtps://smtp.lab.test
expect_rc 0 "implicit TLS on 465"
mxp check $(LABOPTS) --timeout 5 --json submission://smtp.lab.test
expect_rc 0 "STARTTLS on 587"
mxp check $(LABOPTS) --timeout 5 --json smtp.lab.test:2587
expect_rc 0 "STARTTLS on 2587"
mxp check $(LABOPTS) --timeout 5 --json smtps://smtp.lab.test:2465
expect_rc 0 "implicit TLS on 2465"
mxp check $(LABOPTS) --timeout 5 --json '[::1]:25'
expect_rc 1 "IPv6 literal: chain fine, but the certificate cannot name an address"
expect_finding cert.hostname_mismatch warning
finish
