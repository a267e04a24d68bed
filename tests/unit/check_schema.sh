#!/bin/sh
# check_schema.sh - validate mxprobe JSON against doc/mxprobe-check.schema.json
# (JSON Schema draft 2020-12) with python3-jsonschema.
#
#   check_schema.sh [FILE.json...]
#
# Without arguments it validates the golden report
# tests/data/golden/report-lab.json (what tests/unit/test_reports renders
# byte for byte), then checks that the schema catches drift: copies of the
# golden report with an unknown key, a missing key, a misspelt enum value
# or a status that contradicts the exit status must all be rejected.
# With arguments it validates those files (integration tests use this).
#
# Exit 0 valid, 1 invalid, 77 skipped when python3-jsonschema is missing -
# except under CI=true, where a skip is a failure.
srcdir=${MXPROBE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
schema="$srcdir/doc/mxprobe-check.schema.json"

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "check_schema: python3-jsonschema is not installed (Debian: python3-jsonschema)"
	if [ "${CI:-}" = true ]; then exit 1; fi
	exit 77
fi
[ $# -gt 0 ] || set -- "$srcdir/tests/data/golden/report-lab.json"

exec python3 - "$schema" "$#" "$@" <<'PY'
import copy, json, sys
import jsonschema

schema_path, nfiles, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
with open(schema_path, encoding="utf-8") as fp:
    schema = json.load(fp)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)
failed = 0

def errors(doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.path))

docs = []
for path in files:
    with open(path, encoding="utf-8") as fp:
        doc = json.load(fp)
    docs.append(doc)
    errs = errors(doc)
    for e in errs[:20]:
        print("%s: %s: %s" % (path, "/".join(str(p) for p in e.path), e.message))
    if errs:
        failed += 1
    else:
        print("ok: %s is valid" % path)

# Drift must be caught: each mutation of the first document is invalid.
def mutations(doc):
    def m(desc, fn):
        d = copy.deepcopy(doc)
        fn(d)
        return desc, d
    yield m("unknown top-level key", lambda d: d.__setitem__("extra", 1))
    yield m("missing 'targets'", lambda d: d.pop("targets"))
    yield m("status contradicts exit_status",
            lambda d: d.__setitem__("status", "ok" if d["exit_status"] else "critical"))
    if d_has(doc, "targets", 0, "endpoints", 0):
        ep = lambda d: d["targets"][0]["endpoints"][0]
        yield m("unknown column", lambda d: ep(d)["columns"].__setitem__("dns", "ok"))
        yield m("misspelt verdict", lambda d: ep(d)["columns"].__setitem__("cert", "failed"))
        yield m("unknown key in tls", lambda d: ep(d)["tls"].__setitem__("cipher", "x"))
        yield m("missing smtp.stop", lambda d: ep(d)["smtp"].pop("stop"))
    if d_has(doc, "targets", 0):
        yield m("confidence over 100", lambda d: d["targets"][0].__setitem__("confidence", 101))
        yield m("bad severity", lambda d: d["targets"][0].__setitem__("worst", "severe"))

def d_has(d, *path):
    for k in path:
        try:
            d = d[k]
        except (KeyError, IndexError, TypeError):
            return False
    return True

if docs and len(files) == 1 and not failed:
    for desc, bad in mutations(docs[0]):
        if errors(bad):
            print("ok: schema rejects %s" % desc)
        else:
            print("FAIL: schema accepts %s" % desc)
            failed += 1
sys.exit(1 if failed else 0)
PY
