#!/usr/bin/env python3
"""assert_json.py - assertions on mxprobe JSON output for the shell tests.

  has-finding FILE ID [SEVERITY] [WHERE-SUBSTRING]
  no-finding FILE ID
  count-findings FILE ID            prints the count
  get FILE PATH                     PATH like targets.0.endpoints.1.tls.version
  validate FILE SCHEMA              JSON Schema validation (python3-jsonschema)
"""
import json
import sys


def findings(doc):
    """Every finding object anywhere in the document."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "findings" and isinstance(v, list):
                    out.extend(f for f in v if isinstance(f, dict) and "id" in f)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return out


def load(path):
    with open(path, encoding="utf-8") as fp:
        return json.load(fp)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, path = argv[1], argv[2]
    doc = load(path)
    if cmd in ("has-finding", "no-finding", "count-findings"):
        fid = argv[3]
        hits = [f for f in findings(doc) if f.get("id") == fid]
        if cmd == "count-findings":
            print(len(hits))
            return 0
        if cmd == "no-finding":
            if hits:
                print("unexpected %s: %s" % (fid, json.dumps(hits)[:800]))
                return 1
            return 0
        if len(argv) > 4 and argv[4]:
            hits = [f for f in hits if f.get("severity") == argv[4]]
        if len(argv) > 5:
            hits = [f for f in hits if argv[5] in (f.get("where") or "")]
        if not hits:
            print("missing %s; findings were: %s" % (
                " ".join(argv[3:]),
                ", ".join("%s/%s@%s" % (f.get("id"), f.get("severity"), f.get("where"))
                          for f in findings(doc))))
            return 1
        return 0
    if cmd == "get":
        node = doc
        for part in argv[3].split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        print(json.dumps(node) if isinstance(node, (dict, list)) else node)
        return 0
    if cmd == "validate":
        import jsonschema
        schema = load(argv[3])
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:20]:
            print("%s: %s" % ("/".join(str(p) for p in e.path), e.message))
        return 1 if errors else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
