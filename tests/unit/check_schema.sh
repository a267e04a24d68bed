#!/bin/sh
# check_schema.sh - validate mxprobe JSON against doc/mxprobe-check.schema.json
# (JSON Schema draft 2020-12) with python3-jsonschema.
#
#   check_schema.sh [FILE.json...]
#   check_schema.sh --schema COMMAND FILE.json...
#
# Without arguments it validates the golden report
# tests/data/golden/report-lab.json (what tests/unit/test_reports renders
# byte for byte), then checks that the schema catches drift: copies of the
# golden report with an unknown key, a missing key, a misspelt enum value
# or a status that contradicts the exit status must all be rejected.
# Then it checks the one envelope (issue 13): every command's schema
# doc/mxprobe-*.schema.json requires schema, schema_version, tool,
# started, status and exit_status first, defined alike, with the status
# tied to the exit status.
# With arguments it validates those files (integration tests use this),
# against doc/mxprobe-COMMAND.schema.json with --schema COMMAND.
#
# Exit 0 valid, 1 invalid, 77 skipped when python3-jsonschema is missing -
# except under CI=true, where a skip is a failure.
srcdir=${MXPROBE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
schema="$srcdir/doc/mxprobe-check.schema.json"
if [ "${1:-}" = --schema ]; then
	schema="$srcdir/doc/mxprobe-$2.schema.json"
	shift 2
	[ -f "$schema" ] || { echo "check_schema: no $schema"; exit 1; }
fi

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "check_schema: python3-jsonschema is not installed (Debian: python3-jsonschema)"
	if [ "${CI:-}" = true ]; then exit 1; fi
	exit 77
fi
envelope=0
if [ $# -eq 0 ]; then
	set -- "$srcdir/tests/data/golden/report-lab.json"
	envelope=1
fi

exec python3 - "$schema" "$envelope" "$#" "$@" <<'PY'
import copy, glob, json, os, sys
import jsonschema

schema_path, envelope = sys.argv[1], sys.argv[2] == "1"
nfiles, files = int(sys.argv[3]), sys.argv[4:]
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

# One envelope for every command's document.
ENVELOPE = ["schema", "schema_version", "tool", "started", "status", "exit_status"]
if envelope:
    docdir = os.path.dirname(schema_path)
    ref = None
    paths = sorted(glob.glob(os.path.join(docdir, "mxprobe-*.schema.json")))
    if len(paths) < 6:
        print("FAIL: %d command schemas in %s, want check, certs, send, policy, headers, queue" % (len(paths), docdir))
        failed += 1
    for p in paths:
        with open(p, encoding="utf-8") as fp:
            s = json.load(fp)
        name = os.path.basename(p)[len("mxprobe-"):-len(".schema.json")]
        jsonschema.validators.validator_for(s).check_schema(s)
        props = s.get("properties", {})
        problems = []
        if s.get("required", [])[:6] != ENVELOPE or list(props)[:6] != ENVELOPE:
            problems.append("the envelope keys are not first, in order")
        if s.get("additionalProperties") is not False:
            problems.append("not strict (additionalProperties)")
        want_id = "https://mxprobe.invalid/schema/%s/%s" % (name, props.get("schema_version", {}).get("const"))
        if s.get("$id") != want_id or props.get("schema", {}).get("const") != want_id:
            problems.append("$id/schema is not %s" % want_id)
        for k in ("tool", "started", "status"):
            this = {x: y for x, y in props.get(k, {}).items() if x != "description"}
            if ref is not None and this != ref[k]:
                problems.append("'%s' is defined differently from %s" % (k, ref["name"]))
        if ref is None:
            ref = {k: {x: y for x, y in props[k].items() if x != "description"} for k in ("tool", "started", "status")}
            ref["name"] = name
        for bad in ("$schema", "addr", "tool_version", "pref"):
            if bad in props:
                problems.append("top-level key '%s'" % bad)
        # status must follow the exit status: a contradiction is rejected
        v = jsonschema.validators.validator_for(s)(s)
        errs = [e for e in v.iter_errors({"status": "ok", "exit_status": 2}) if e.validator == "const"]
        if not errs:
            problems.append("status is not tied to exit_status")
        for pr in problems:
            print("FAIL: %s: %s" % (os.path.basename(p), pr))
        if problems:
            failed += 1
        else:
            print("ok: %s has the envelope" % os.path.basename(p))

if docs and len(files) == 1 and not failed and os.path.basename(schema_path) == "mxprobe-check.schema.json":
    for desc, bad in mutations(docs[0]):
        if errors(bad):
            print("ok: schema rejects %s" % desc)
        else:
            print("FAIL: schema accepts %s" % desc)
            failed += 1
sys.exit(1 if failed else 0)
PY
