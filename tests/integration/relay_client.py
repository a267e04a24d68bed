#!/usr/bin/env python3
"""relay_client.py - the SMTP client side of the relay integration tests
(tests/integration/relay.sh, relay_kill.sh).  Loopback only.

  send HOST PORT --from A --to B [--to C] --token T [--starttls CAFILE]
       [--size N]
      One message carrying "X-Relay-Test-Token: T".  Exit 0 when the end
      of DATA got 250 (the relay acknowledged it), else 1; the last reply
      is printed.

  flood HOST PORT --from A --to B --run R --acked FILE --stop FILE
        [--size N] [--worker W] [--max-seconds S]
      Send messages one per connection until FILE --stop exists (or S
      seconds pass).  Each message gets a new token "R-W-n"; a token is
      appended to --acked (flushed) only after the relay answered 250 to
      the end of DATA.  Connection failures (the relay being killed) are
      counted and retried with a new token after a short pause.

  scan MAILDIR RUN
      Count, per token of run R, the messages in MAILDIR (any depth, new/
      and cur/) that carry it; prints one JSON object {token: count}.

  raw HOST PORT HEXBYTES
      Send EHLO, MAIL, RCPT, DATA, then the given bytes as the message
      (hex, sent as they are, no end-of-data added) and print the reply.
"""
import json
import os
import smtplib
import socket
import ssl
import sys
import time

TOKEN_HDR = "X-Relay-Test-Token"


def message(frm, to, token, size):
    body = ["From: <%s>" % frm, "To: " + ", ".join("<%s>" % t for t in to),
            "Subject: relay test %s" % token,
            "%s: %s" % (TOKEN_HDR, token), "", "token %s" % token]
    text = "\r\n".join(body) + "\r\n"
    line = "." + "x" * 70 + "\r\n"  # a leading dot: stuffed on the wire
    while len(text) < size:
        text += line
    return text


def opt(args, name, default=None, many=False):
    vals = [args[i + 1] for i, a in enumerate(args[:-1]) if a == name]
    if many:
        return vals
    return vals[-1] if vals else default


def cmd_send(args):
    host, port = args[0], int(args[1])
    frm = opt(args, "--from")
    to = opt(args, "--to", many=True)
    token = opt(args, "--token")
    cafile = opt(args, "--starttls")
    size = int(opt(args, "--size", "0"))
    try:
        s = smtplib.SMTP(host, port, timeout=15)
        s.ehlo("client.test")
        if cafile:
            ctx = ssl.create_default_context(cafile=cafile)
            ctx.check_hostname = False
            s.starttls(context=ctx)
            s.ehlo("client.test")
        s.sendmail(frm, to, message(frm, to, token, size))
        code, text = s.noop()
        s.quit()
    except (smtplib.SMTPException, OSError) as e:
        print("refused: %r" % (e,))
        return 1
    print("accepted")
    return 0


def cmd_flood(args):
    host, port = args[0], int(args[1])
    frm = opt(args, "--from")
    to = opt(args, "--to", many=True)
    run = opt(args, "--run")
    acked = opt(args, "--acked")
    stop = opt(args, "--stop")
    size = int(opt(args, "--size", "2000"))
    worker = opt(args, "--worker", "0")
    limit = float(opt(args, "--max-seconds", "300"))
    t0 = time.time()
    n = sent = failed = 0
    with open(acked, "a") as out:
        while not os.path.exists(stop) and time.time() - t0 < limit:
            n += 1
            token = "%s-%s-%d" % (run, worker, n)
            try:
                s = smtplib.SMTP(host, port, timeout=10)
                s.sendmail(frm, to, message(frm, to, token, size))
            except (smtplib.SMTPException, OSError):
                failed += 1
                time.sleep(0.05)
                continue
            # Only now did the relay say 250 to the end of DATA.
            out.write(token + "\n")
            out.flush()
            sent += 1
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass
    print("worker %s: %d acknowledged, %d attempts failed" %
          (worker, sent, failed))
    return 0


def cmd_scan(args):
    root, run = args[0], args[1]
    counts = {}
    needle = ("%s: %s-" % (TOKEN_HDR, run)).encode()
    for d, _, files in os.walk(root):
        if os.path.basename(d) not in ("new", "cur"):
            continue
        for f in files:
            try:
                with open(os.path.join(d, f), "rb") as fh:
                    data = fh.read(65536)
            except OSError:
                continue
            i = data.find(needle)
            if i < 0:
                continue
            line = data[i + len(TOKEN_HDR) + 2:].split(b"\r\n")[0]
            line = line.split(b"\n")[0].strip().decode()
            counts[line] = counts.get(line, 0) + 1
    print(json.dumps(counts))
    return 0


def reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            return "EOF"
        lines.append(line.decode(errors="replace").rstrip())
        if len(line) < 4 or line[3:4] != b"-":
            return " / ".join(lines)


def cmd_raw(args):
    host, port, payload = args[0], int(args[1]), bytes.fromhex(args[2])
    c = socket.create_connection((host, port), timeout=10)
    f = c.makefile("rb")
    reply(f)
    for cmd in (b"EHLO client.test", b"MAIL FROM:<a@lab.test>",
                b"RCPT TO:<b@lab.test>", b"DATA"):
        c.sendall(cmd + b"\r\n")
        reply(f)
    c.sendall(payload)
    print(reply(f))
    c.sendall(b"QUIT\r\n")
    c.close()
    return 0


def main():
    cmds = {"send": cmd_send, "flood": cmd_flood, "scan": cmd_scan,
            "raw": cmd_raw}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
