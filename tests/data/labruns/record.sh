#!/usr/bin/env bash
# Record the lab runs that tests/unit/test_fix_strings.c walks: the real
# mxprobe against the real lab (tests/lab/lab.sh start; see its README),
# each run's JSON document as mxprobe wrote it.  Rerun after a change of
# the advice or of the fix texts, review the diff, commit.
#   MXPROBE=build/mxprobe tests/data/labruns/record.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
: "${MXPROBE:=$top/build/mxprobe}"
eval "$("$top/tests/lab/lab.sh" env)"
O="--resolver $MXPROBE_LAB_RESOLVER --trust-anchor $MXPROBE_LAB_TRUST_ANCHOR --ca-file $MXPROBE_LAB_CA --timeout 5"
run() {	# name, command, targets...
	local name=$1; shift
	"$MXPROBE" "$@" $O --json >"$here/$name.json" || [ $? -le 2 ]
	echo "$name: $(wc -c <"$here/$name.json") bytes"
}
run check-intolerant check intolerant.lab.test
run check-deep-intolerant check --deep intolerant.lab.test
run ciphers-intolerant ciphers smtp://intolerant.lab.test
run check-fin-rst check smtp://tlsfin.lab.test smtp://tlsrst.lab.test smtp://tlsalert.lab.test
run check-lab check lab.test
run check-deep-dhe1024 check --deep smtp://dhe1024.lab.test smtp://clientorder.lab.test
run check-deep-legacy check --deep smtp://legacy.lab.test smtp://3des.lab.test
run ciphers-bigclient ciphers smtp://bigclient.lab.test smtp://dual.lab.test
