#!/usr/bin/env python3
"""check_expected.py - decode every regression capture and compare the
findings with EXPECTED (same directory).

For each line `FILE | MUST | MUST-NOT | WHAT` of EXPECTED it runs

    $MXPROBE pcap DIR/FILE --json --ca-file DIR/lab-root.pem

(10 s timeout) and checks:
  - the run ends with exit status 0, 1 or 2 and prints one JSON document
    (no signal, no sanitizer report on stderr);
  - every id in MUST is among the finding ids of the JSON, and no id of
    MUST-NOT is;
  - where MUST names cert.chain_incomplete, the JSON names the missing
    certificate ("mxprobe Lab Intermediate CA");
  - the AUTH canary of authstub_swaks_plaintext.pcap (password and base64)
    appears neither on stdout nor on stderr;
  - the JSON is valid against doc/mxprobe-pcap.schema.json (when
    python3-jsonschema is installed; else that check is skipped, said once).
Finding ids are read without assuming the schema: every string value of a
key "id" anywhere in the document that looks like `word.word`.

Prints `ok - FILE` / `not ok - FILE: why` per line and a summary;
exits 1 when any line failed.  --only SUBSTRING limits the files;
--verbose prints the ids found.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ID_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
CANARIES = (b"mxprobe-canary-pw-7Qz",
            b"AGNhbmFyeUBsYWIudGVzdABteHByb2JlLWNhbmFyeS1wdy03UXo=",
            b"bXhwcm9iZS1jYW5hcnktcHctN1F6")
SAN = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
       "UndefinedBehaviorSanitizer")
MISSING_NAME = "mxprobe Lab Intermediate CA"


def parse_expected(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" | ", 3)]
            if len(parts) != 4:
                sys.exit("EXPECTED:%d: want 4 fields separated by ' | '" % n)
            ids = [set(x.strip() for x in p.split(",") if x.strip() not in
                       ("", "-")) for p in parts[1:3]]
            rows.append((parts[0], ids[0], ids[1], parts[3]))
    return rows


def finding_ids(doc):
    found = set()
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            v = x.get("id")
            if isinstance(v, str) and ID_RE.match(v):
                found.add(v)
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return found


def load_validator():
    """A validator for doc/mxprobe-pcap.schema.json, or None."""
    sp = os.path.join(HERE, "..", "..", "..", "doc", "mxprobe-pcap.schema.json")
    try:
        import jsonschema
    except ImportError:
        print("# python3-jsonschema missing: the schema is not checked")
        return None
    if not os.path.exists(sp):
        print("# no doc/mxprobe-pcap.schema.json: the schema is not checked")
        return None
    with open(sp, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def check(mxprobe, name, must, must_not, ca, verbose, validator=None):
    path = os.path.join(HERE, name)
    if not os.path.exists(path):
        return "the file is missing"
    try:
        p = subprocess.run([mxprobe, "pcap", path, "--json", "--ca-file", ca],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=10)
    except subprocess.TimeoutExpired:
        return "no exit within 10 s"
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        return "killed by signal %d" % -p.returncode
    for m in SAN:
        if m in err:
            return "sanitizer report: " + err.strip()[:300]
    for c in CANARIES:
        if c in p.stdout or c in p.stderr:
            return "the AUTH canary %r is in the output" % c.decode()
    if p.returncode not in (0, 1, 2):
        return "exit %d: %s" % (p.returncode, err.strip()[:300])
    try:
        doc = json.loads(p.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as ex:
        return "invalid JSON: %s" % ex
    if validator is not None:
        errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errs:
            e = errs[0]
            return "JSON not valid against the schema at /%s: %s" % (
                "/".join(str(x) for x in e.path), e.message[:200])
    ids = finding_ids(doc)
    if verbose:
        print("# %s: exit %d, ids %s" % (name, p.returncode,
                                          ", ".join(sorted(ids)) or "-"))
    why = []
    if must - ids:
        why.append("missing %s" % ", ".join(sorted(must - ids)))
    if must_not & ids:
        why.append("must not report %s" % ", ".join(sorted(must_not & ids)))
    if "cert.chain_incomplete" in must and \
            MISSING_NAME.encode() not in p.stdout:
        why.append("the missing certificate '%s' is not named" % MISSING_NAME)
    return "; ".join(why) + (" (found: %s)" % (", ".join(sorted(ids)) or "-")
                             if why else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    mxprobe = os.environ.get("MXPROBE")
    if not mxprobe:
        sys.exit("check_expected: set MXPROBE to the mxprobe binary")
    ca = os.path.join(HERE, "lab-root.pem")
    validator = load_validator()
    rows = parse_expected(os.path.join(HERE, "EXPECTED"))
    listed = {r[0] for r in rows}
    bad = 0
    for name in sorted(os.listdir(HERE)):
        if name.endswith((".pcap", ".pcapng")) and name not in listed:
            print("not ok - %s: not in EXPECTED" % name)
            bad += 1
    n = 0
    for name, must, must_not, _ in rows:
        if a.only and a.only not in name:
            continue
        n += 1
        why = check(mxprobe, name, must, must_not, ca, a.verbose, validator)
        if why:
            bad += 1
            print("not ok - %s: %s" % (name, why))
        else:
            print("ok - %s%s" % (name, " (%s)" % ", ".join(sorted(must))
                                 if must else ""))
    print("# EXPECTED: %d captures, %d failed" % (n, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
