#!/usr/bin/python3
"""judge.py - the assertions of the hostile-server suite on one mxprobe run.

Usage: judge.py --out FILE --err FILE [--json] [--schema FILE]
                [--expect LIST]
       judge.py --batch FILE

Prints one line per problem found (nothing when all is well) and exits 1
if there was any problem, 0 otherwise.  With --batch, each line of FILE is
one run, tab-separated: PROBLEMS-FILE LABEL OUT ERR JSON(0/1) EXPECT
SCHEMA(or -); its problems are appended to PROBLEMS-FILE as "LABEL: ..."
lines (one Python start for the whole suite).  Checks:

  escapes  neither stdout nor stderr holds a byte the peer could use to
           drive a terminal: ESC (so no CSI/OSC), a C1 control (U+0080 to
           U+009F, or a raw 0x80-0x9F byte that is not part of valid
           UTF-8), NUL, BEL, or another C0 control but TAB, LF, CR;
  json     (--json) stdout parses as JSON (python3 json);
  schema   (--schema) the document is valid under the JSON Schema
           (python3-jsonschema);
  expect   (--expect, with --json) a comma-separated list: ID means a
           finding with that id must be present (anywhere in the
           document), !ID that none may be, ID~TEXT that the evidence of
           such a finding holds TEXT (byte for byte, as decoded from
           JSON; %XX in TEXT is the byte XX, so %20 is a space),
           ID!~TEXT that none does, $PATH=VALUE that the document's
           value at PATH (keys and list indexes joined by ".", a
           negative index counts from the end) is VALUE (JSON: null,
           true, 550; else a string), $PATH!=VALUE that it is not, -
           nothing.
"""
import argparse
import json
import sys
import urllib.parse

ALLOWED_C0 = {0x09, 0x0A, 0x0D}


def bad_bytes(data):
    """Describe the first few terminal-control bytes in data, if any."""
    probs = []
    text = data.decode("utf-8", "surrogateescape")
    for i, ch in enumerate(text):
        o = ord(ch)
        what = None
        if o < 0x20 and o not in ALLOWED_C0:
            what = {0x1B: "ESC", 0x00: "NUL", 0x07: "BEL"}.get(
                o, "C0 0x%02x" % o)
        elif o == 0x7F:
            what = "DEL"
        elif 0x80 <= o <= 0x9F:
            what = "C1 U+%04X" % o
        elif 0xDC80 <= o <= 0xDC9F:
            what = "raw C1 byte 0x%02x" % (o - 0xDC00)
        if what:
            ctx = text[max(0, i - 20):i + 20].encode(
                "unicode_escape", "backslashreplace").decode("ascii")
            probs.append("%s at %d (near '%s')" % (what, i, ctx))
            if len(probs) >= 3:
                break
    return probs


def findings(doc):
    out = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "findings" and isinstance(v, list):
                    out.extend(f for f in v
                               if isinstance(f, dict) and "id" in f)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return out


MISSING = object()


def at_path(doc, path):
    """The value at a dotted path (dict keys, list indexes), or MISSING."""
    cur = doc
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list):
            try:
                cur = cur[int(part)]
            except (ValueError, IndexError):
                return MISSING
        else:
            return MISSING
    return cur


def value_check(doc, want):
    """A "$PATH=VALUE" or "$PATH!=VALUE" expectation: a problem or None."""
    neg = "!=" in want
    path, raw = want[1:].split("!=" if neg else "=", 1)
    raw = urllib.parse.unquote(raw)
    try:
        val = json.loads(raw)
    except ValueError:
        val = raw
    got = at_path(doc, path)
    if got is MISSING:
        return "no value at %s" % path
    if neg and got == val:
        return "%s is %s" % (path, json.dumps(got)[:200])
    if not neg and got != val:
        return "%s is %s, want %s" % (path, json.dumps(got)[:200],
                                      json.dumps(val))
    return None


def judge(out_path, err_path, is_json, schema_path, expect, schemas):
    probs = []
    with open(out_path, "rb") as f:
        out = f.read()
    with open(err_path, "rb") as f:
        err = f.read()
    for name, data in (("stdout", out), ("stderr", err)):
        for p in bad_bytes(data):
            probs.append("escape leak on %s: %s" % (name, p))
    if not is_json:
        return probs
    try:
        doc = json.loads(out.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        probs.append("stdout is not JSON: %s (starts %r)" % (e, out[:60]))
        return probs
    if schema_path:
        import jsonschema
        if schema_path not in schemas:
            with open(schema_path, encoding="utf-8") as f:
                schema = json.load(f)
            cls = jsonschema.validators.validator_for(schema)
            schemas[schema_path] = cls(schema)
        errs = sorted(schemas[schema_path].iter_errors(doc),
                      key=lambda e: list(e.path))
        for e in errs[:5]:
            probs.append("schema %s: /%s: %s" % (
                schema_path.rsplit("/", 1)[-1],
                "/".join(str(p) for p in e.path), e.message[:200]))
    fs = findings(doc)
    ids = [f.get("id") for f in fs]
    for want in expect.split(","):
        want = want.strip()
        if not want or want == "-":
            continue
        if want.startswith("$"):
            p = value_check(doc, want)
            if p:
                probs.append(p)
            continue
        if "~" in want:
            neg = "!~" in want
            fid, text = want.split("!~" if neg else "~", 1)
            text = urllib.parse.unquote(text)
            evs = [f.get("evidence") or "" for f in fs if f.get("id") == fid]
            hit = any(text in e for e in evs)
            if neg and hit:
                probs.append("evidence of %s holds %r: %r" % (
                    fid, text, next(e for e in evs if text in e)[:200]))
            elif not neg and not hit:
                probs.append("no %s with %r in its evidence (%s)" % (
                    fid, text, "; ".join(repr(e[:120]) for e in evs) or
                    "no such finding"))
            continue
        if want.startswith("!"):
            if want[1:] in ids:
                probs.append("unexpected finding %s" % want[1:])
        elif want not in ids:
            probs.append("missing finding %s (findings: %s)" % (
                want, ", ".join(ids) or "none"))
    return probs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch")
    ap.add_argument("--out")
    ap.add_argument("--err")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--schema")
    ap.add_argument("--expect", default="-")
    a = ap.parse_args()
    schemas = {}
    if a.batch:
        with open(a.batch, encoding="utf-8") as f:
            for line in f:
                pf, label, out, err, js, expect, schema = \
                    line.rstrip("\n").split("\t")
                probs = judge(out, err, js == "1",
                              None if schema == "-" else schema, expect,
                              schemas)
                if probs:
                    with open(pf, "a", encoding="utf-8") as o:
                        for p in probs:
                            o.write("%s: %s\n" % (label, p))
        return 0
    if not a.out or not a.err:
        ap.error("--out and --err, or --batch")
    probs = judge(a.out, a.err, a.json, a.schema, a.expect, schemas)
    for p in probs:
        print(p)
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main())
