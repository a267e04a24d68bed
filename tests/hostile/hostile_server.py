#!/usr/bin/python3
"""hostile_server.py - scripted hostile SMTP/TLS servers for mxprobe's
hostile-server suite (tests/integration/hostile.sh, issue 13 point 4).

Usage:
  hostile_server.py gencerts DIR
      make the certificates the TLS scenarios serve (openssl CLI) in DIR
  hostile_server.py serve SCENARIO --certs DIR --port-file FILE
                          [--max-conns N] [--lifetime SECONDS]
      serve ONE scenario on 127.0.0.1, on an ephemeral port (bound with
      port 0; the number is written to FILE once the socket listens)
  hostile_server.py control --certs DIR --fifo PATH --parent PID
                            [--max-conns N] [--lifetime S] [--max-life S]
      what the runner uses (one Python start for the whole suite): for
      each line "open SCENARIO PORTFILE" read from the FIFO, serve that
      scenario as `serve` does, on a port of its own; "quit" ends; so
      does the runner's exit (PID gone) or --max-life (default 900 s)
  hostile_server.py list
      the scenario names this program knows, one a line

Network safety: binds 127.0.0.1 only; each scenario's listener accepts at
most --max-conns connections (default 64) and closes after --lifetime
seconds (default 60, at most 60) whatever happens; every connection lives
at most that long; at most 8 connections per scenario are served at once
(more are closed at once).
Every read is bounded in bytes and time.  Python 3 standard library only.

Each scenario is a script for the SMTP dialogue (scenario table SCRIPTS):
what to send for the greeting and each command, where an action (RST, FIN,
silence, a 1 byte/s trickle, an endless stream) replaces a reply; and for
TLS, either a real TLS server (the ssl module over memory BIOs, so its
records can be rewritten: split, prefixed with alert storms, cut) or
records crafted by hand with struct (bad lengths, truncation, oversize,
HelloRetryRequest twice, unknown versions).  The names are BoGo-style
switch names; tests/hostile/scenarios.tab says what mxprobe must report.
"""

import argparse
import os
import select
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

LIFETIME_MAX = 60.0
MAX_PARALLEL = 8
MAX_LINE = 4096          # bytes per command line we read
MAX_READ = 256 * 1024    # bytes we read from a client for one hello
IDLE = 20.0              # seconds we wait for a command
HOST = b"hostile.test"

# ---- terminal nasties ------------------------------------------------------
ESC_CLEAR = b"\x1b[2J\x1b[H"
OSC_TITLE = b"\x1b]0;pwned-title\x07"
OSC_LINK = b"\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
C1_CSI = b"\x9b2J"            # a raw 8-bit C1 CSI
C1_UTF8 = b"\xc2\x9b2J\xc2\x9d0;t\xc2\x9c"  # C1 CSI/OSC/ST as UTF-8
NASTY = ESC_CLEAR + OSC_TITLE + OSC_LINK + b"\x00" + C1_CSI + C1_UTF8 + b"\x07"


class Stop(Exception):
    """The scenario ended this connection."""


def log(msg):
    sys.stderr.write("hostile_server[%d]: %s\n" % (os.getpid(), msg))
    sys.stderr.flush()


# ---- one connection ----------------------------------------------------------


class Sess:
    """A client connection: bounded reads, plain or through TLS."""

    def __init__(self, sock, deadline, args):
        self.sock = sock
        self.deadline = deadline
        self.args = args
        self.buf = b""
        self.tls = None          # a Tls once the handshake is done
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def left(self):
        return self.deadline - time.monotonic()

    def _timeout(self, t):
        left = min(t, self.left())
        if left <= 0:
            raise Stop("lifetime")
        self.sock.settimeout(left)

    def raw_send(self, data):
        self._timeout(10.0)
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Stop("send: %s" % e)

    def raw_recv(self, timeout=IDLE, n=65536):
        """Bytes from the socket; b"" on EOF; Stop on timeout or error."""
        self._timeout(timeout)
        try:
            return self.sock.recv(n)
        except (socket.timeout, TimeoutError):
            raise Stop("read timeout")
        except OSError as e:
            raise Stop("recv: %s" % e)

    def send(self, data):
        if self.tls is not None:
            self.tls.write(data)
        else:
            self.raw_send(data)

    def recv(self, timeout=IDLE):
        if self.tls is not None:
            return self.tls.read(timeout)
        return self.raw_recv(timeout)

    def readline(self, timeout=IDLE):
        """One line without CRLF; Stop on EOF, timeout or a long line."""
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                return line.rstrip(b"\r")
            if len(self.buf) > MAX_LINE:
                raise Stop("line too long")
            chunk = self.recv(timeout)
            if not chunk:
                raise Stop("eof")
            self.buf += chunk

    # ---- actions that end the connection ----

    def rst(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        self.sock.close()
        raise Stop("RST")

    def fin(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.drain(5.0)
        raise Stop("FIN")

    def drain(self, hold):
        end = time.monotonic() + min(hold, max(self.left(), 0))
        while time.monotonic() < end:
            try:
                self._timeout(end - time.monotonic())
                if not self.sock.recv(65536):
                    return
            except (OSError, Stop):
                return

    def silence(self):
        self.drain(LIFETIME_MAX)
        raise Stop("silence")

    def trickle(self, data, per_byte=1.0):
        for i in range(len(data)):
            self.send(data[i:i + 1])
            time.sleep(per_byte)
            if self.left() <= 0:
                raise Stop("lifetime")
        raise Stop("trickled")


# Actions usable in a script wherever a reply is expected.
def RST(s):
    s.rst()


def FIN(s):
    s.fin()


def SILENCE(s):
    s.silence()


def then(data, action):
    """Send data, then do action (a partial reply cut by RST/FIN...)."""
    def act(s):
        s.send(data)
        action(s)
    return act


def trickle(data, per_byte=1.0):
    return lambda s: s.trickle(data, per_byte)


def endless(first, unit, limit=16 * 1024 * 1024):
    """first, then unit again and again up to limit bytes (or until the
    client goes away)."""
    def act(s):
        s.send(first)
        sent = len(first)
        chunk = unit * max(1, 8192 // len(unit))
        while sent < limit:
            s.send(chunk)
            sent += len(chunk)
        s.fin()
    return act


def late(data, secs):
    """data after secs seconds (each step just inside the client's step
    timeout: only the whole-delivery deadline can stop the client)."""
    def act(s):
        time.sleep(min(secs, max(0.0, s.left())))
        s.send(data)
    return act


def big_line(prefix, size, fill=b"A"):
    return prefix + fill * size + b"\r\n"


def multiline(code, n, text=b"x"):
    out = []
    for i in range(n):
        sep = b" " if i == n - 1 else b"-"
        out.append(code + sep + text + b" %d\r\n" % i)
    return b"".join(out)


# ---- the SMTP dialogue -------------------------------------------------------

GREET = b"220 " + HOST + b" ESMTP hostile\r\n"
EHLO_TLS = (b"250-" + HOST + b"\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
            b"250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
EHLO_PLAIN = (b"250-" + HOST + b"\r\n250-PIPELINING\r\n"
              b"250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
EHLO_AFTER_TLS = (b"250-" + HOST + b"\r\n250-PIPELINING\r\n"
                  b"250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
READY = b"220 2.0.0 Ready to start TLS\r\n"

DEFAULTS = {
    "greet": GREET,
    "ehlo": EHLO_TLS,
    "helo": b"250 " + HOST + b"\r\n",
    "starttls": READY,
    "mail": b"250 2.1.0 Ok\r\n",
    "rcpt": b"250 2.1.5 Ok\r\n",
    "data": b"354 End data with <CR><LF>.<CR><LF>\r\n",
    "eod": b"250 2.0.0 Ok: queued as HOSTILE\r\n",
    "rset": b"250 2.0.0 Ok\r\n",
    "noop": b"250 2.0.0 Ok\r\n",
    "quit": b"221 2.0.0 Bye\r\n",
    "auth": b"502 5.5.2 Error: command not recognized\r\n",
    "tls": None,             # what follows 220 to STARTTLS
    "implicit": False,       # TLS first (smtps), then the dialogue
    "ehlo_tls": EHLO_AFTER_TLS,
}


def respond(s, what):
    if what is None:
        return
    if callable(what):
        what(s)
    else:
        s.send(what)


def dialogue(s, sc):
    """The SMTP server side of a scenario (RFC 5321 verbs)."""
    if sc["implicit"]:
        sc["tls"](s)
        if s.tls is None:
            raise Stop("no TLS session")
    respond(s, sc["greet"])
    while True:
        line = s.readline()
        verb = line.split(b" ", 1)[0].upper()
        if verb == b"EHLO":
            respond(s, sc["ehlo_tls"] if s.tls is not None else sc["ehlo"])
        elif verb == b"HELO":
            respond(s, sc["helo"])
        elif verb == b"STARTTLS" and s.tls is None:
            respond(s, sc["starttls"])
            if sc["tls"] is None:
                raise Stop("no TLS in this scenario")
            sc["tls"](s)
            if s.tls is None:
                raise Stop("TLS part ended")
        elif verb == b"MAIL":
            respond(s, sc["mail"])
        elif verb == b"RCPT":
            respond(s, sc["rcpt"])
        elif verb == b"DATA":
            respond(s, sc["data"])
            if isinstance(sc["data"], bytes) and sc["data"].startswith(b"354"):
                size = 0
                while True:
                    d = s.readline()
                    if d == b".":
                        break
                    size += len(d)
                    if size > 64 * 1024 * 1024:
                        raise Stop("message too big")
                respond(s, sc["eod"])
        elif verb == b"RSET":
            respond(s, sc["rset"])
        elif verb == b"NOOP":
            respond(s, sc["noop"])
        elif verb == b"AUTH":
            respond(s, sc["auth"])
        elif verb == b"QUIT":
            respond(s, sc["quit"])
            raise Stop("quit")
        else:
            s.send(b"502 5.5.2 Error: command not recognized\r\n")


# ---- TLS records by hand -------------------------------------------------------

HRR_RANDOM = bytes.fromhex(
    "CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")


def record(ctype, body, version=0x0303):
    return struct.pack(">BHH", ctype, version, len(body)) + body


def handshake(htype, body):
    return struct.pack(">B", htype) + len(body).to_bytes(3, "big") + body


def alert(level, desc, version=0x0303):
    return record(21, bytes([level, desc]), version)


def u8v(b):
    return struct.pack(">B", len(b)) + b


def u16v(b):
    return struct.pack(">H", len(b)) + b


def ext(etype, body):
    return struct.pack(">H", etype) + u16v(body)


def read_hello(s):
    """Read one ClientHello (records reassembled; ChangeCipherSpec records
    skipped).  Returns a dict: sid, suites, groups, shares, versions; or
    raises Stop."""
    raw = s.buf
    s.buf = b""
    hs = b""

    def need(n):
        nonlocal raw
        while len(raw) < n:
            if len(raw) > MAX_READ:
                raise Stop("hello too big")
            chunk = s.raw_recv(15.0)
            if not chunk:
                raise Stop("eof before the hello")
            raw += chunk

    while True:
        need(5)
        ctype, ver, n = struct.unpack(">BHH", raw[:5])
        need(5 + n)
        body, raw = raw[5:5 + n], raw[5 + n:]
        if ctype == 20:
            continue
        if ctype != 22:
            raise Stop("not a handshake record: %d" % ctype)
        hs += body
        if len(hs) >= 4:
            blen = int.from_bytes(hs[1:4], "big")
            if blen > MAX_READ:
                raise Stop("hello length")
            if len(hs) >= 4 + blen:
                s.buf = raw
                return parse_hello(hs[4:4 + blen])


def parse_hello(b):
    """RFC 8446 §4.1.2 ClientHello; tolerant: missing parts are empty."""
    out = {"sid": b"", "suites": [], "groups": [], "shares": [],
           "versions": []}
    try:
        p = 34
        sl = b[p]
        out["sid"] = b[p + 1:p + 1 + sl]
        p += 1 + sl
        n = struct.unpack(">H", b[p:p + 2])[0]
        out["suites"] = [struct.unpack(">H", b[i:i + 2])[0]
                         for i in range(p + 2, p + 2 + n, 2)]
        p += 2 + n
        p += 1 + b[p]
        end = p + 2 + struct.unpack(">H", b[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            et, el = struct.unpack(">HH", b[p:p + 4])
            eb = b[p + 4:p + 4 + el]
            p += 4 + el
            if et == 10:
                out["groups"] = [struct.unpack(">H", eb[i:i + 2])[0]
                                 for i in range(2, len(eb) - 1, 2)]
            elif et == 43:
                out["versions"] = [struct.unpack(">H", eb[i:i + 2])[0]
                                   for i in range(1, len(eb) - 1, 2)]
            elif et == 51:
                q = 2
                while q + 4 <= len(eb):
                    g, kl = struct.unpack(">HH", eb[q:q + 4])
                    out["shares"].append(g)
                    q += 4 + kl
    except (IndexError, struct.error):
        pass
    return out


def server_hello(h, version=0x0303, suite=None, exts=b"", random=None):
    if suite is None:
        suite = 0xC02F if 0xC02F in h["suites"] else (
            h["suites"][0] if h["suites"] else 0x002F)
    body = (struct.pack(">H", version) + (random or os.urandom(32)) +
            u8v(h["sid"]) + struct.pack(">HB", suite, 0))
    if exts:
        body += u16v(exts)
    return handshake(2, body)


def hrr(h):
    """A HelloRetryRequest (RFC 8446 §4.1.4) asking for a group the client
    supports but sent no key share for."""
    group = next((g for g in h["groups"] if g not in h["shares"]), 0x0017)
    exts = ext(43, struct.pack(">H", 0x0304)) + ext(51, struct.pack(">H", group))
    return record(22, server_hello(h, suite=0x1301, exts=exts,
                                   random=HRR_RANDOM))


def crafted(builder, after=None):
    """A TLS part: read the ClientHello, send builder(s, hello) bytes,
    then do after (default FIN)."""
    def tls(s):
        h = read_hello(s)
        data = builder(s, h)
        if data:
            s.raw_send(data)
        (after or FIN)(s)
    return tls


def two_hrr(s, h):
    s.raw_send(hrr(h) + record(20, b"\x01"))
    h2 = read_hello(s)
    return hrr(h2)


def sh_plain(h, **kw):
    return record(22, server_hello(h, **kw))


# ---- real TLS over memory BIOs, records rewritten ------------------------------


class Rewriter:
    """Rewrites the records a real TLS server sends during its handshake.

    split:   cut plaintext handshake records into fragments of this size
             (RFC 8446 §5.1: handshake messages may span records)
    prefix:  bytes sent before the first record (alert storms...)
    cut:     after this many bytes of the server's flight, do cut_action
    """

    def __init__(self, split=0, prefix=b"", cut=None, cut_action=None):
        self.split, self.prefix = split, prefix
        self.cut, self.cut_action = cut, cut_action
        self.pending = b""
        self.encrypted = False
        self.sent = 0

    def feed(self, s, data):
        out = b""
        if self.prefix:
            out, self.prefix = self.prefix, b""
        self.pending += data
        while len(self.pending) >= 5:
            ctype, ver, n = struct.unpack(">BHH", self.pending[:5])
            if len(self.pending) < 5 + n:
                break
            body = self.pending[5:5 + n]
            whole = self.pending[:5 + n]
            self.pending = self.pending[5 + n:]
            if ctype == 20:
                self.encrypted = True
            if ctype == 22 and self.split and not self.encrypted:
                for i in range(0, len(body), self.split):
                    out += record(22, body[i:i + self.split], ver)
            else:
                out += whole
        if self.cut is not None and self.sent + len(out) >= self.cut:
            s.raw_send(out[:self.cut - self.sent])
            self.cut_action(s)
        self.sent += len(out)
        if out:
            s.raw_send(out)


class Tls:
    """A server-side SSLObject on the session's socket."""

    def __init__(self, s, obj, inb, outb):
        self.s, self.obj, self.inb, self.outb = s, obj, inb, outb

    def flush(self):
        out = self.outb.read()
        if out:
            self.s.raw_send(out)

    def write(self, data):
        self.obj.write(data)
        self.flush()

    def read(self, timeout):
        while True:
            try:
                data = self.obj.read(65536)
                self.flush()
                return data
            except ssl.SSLWantReadError:
                self.flush()
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""
            except ssl.SSLError as e:
                raise Stop("TLS read: %s" % e)
            chunk = self.s.raw_recv(timeout)
            if not chunk:
                return b""
            self.inb.write(chunk)


def context(certs, name, maxv=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certs, name + ".chain.pem"),
                        os.path.join(certs, name + ".key"))
    if maxv is not None:
        ctx.maximum_version = maxv
    return ctx


def real_tls(cert="leaf", maxv=None, **rw):
    """A TLS part: a real handshake whose records pass the Rewriter."""
    def tls(s):
        ctx = context(s.args.certs, cert, maxv)
        inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(inb, outb, server_side=True)
        rew = Rewriter(**rw)
        if s.buf:
            inb.write(s.buf)
            s.buf = b""
        while True:
            try:
                obj.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            except ssl.SSLError as e:
                rew.feed(s, outb.read())
                raise Stop("handshake: %s" % e)
            out = outb.read()
            if out:
                rew.feed(s, out)
            if done:
                break
            chunk = s.raw_recv(15.0)
            if not chunk:
                raise Stop("eof in the handshake")
            inb.write(chunk)
        s.tls = Tls(s, obj, inb, outb)
    return tls


def plain_after_220(data, action=None):
    """A TLS part that is not TLS: plaintext (or nothing) after the 220."""
    def tls(s):
        if data:
            s.raw_send(data)
        (action or SILENCE)(s)
    return tls


# ---- the scenarios ---------------------------------------------------------------

HTTP = (b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html"
        b"\r\nContent-Length: 22\r\nConnection: close\r\n\r\n<h1>" + ESC_CLEAR +
        b"</h1>\r\n")
TLS_ALERT_WARN = alert(1, 100)   # warning no_renegotiation
TLS_ALERT_FATAL = alert(2, 40)   # fatal handshake_failure


def junk_record_header(h):
    return b"\x16\x03\x03\xff\xff" + b"\x00" * 200


SCRIPTS = {
    # -- SMTP: greeting --
    "smtp-no-greeting": dict(greet=SILENCE),
    "smtp-trickle-1bps": dict(greet=trickle(GREET)),
    "smtp-greeting-421": dict(greet=b"421 4.3.2 " + HOST +
                              b" Service shutting down, try later\r\n"),
    "smtp-greeting-554": dict(greet=b"554 5.7.1 " + HOST +
                              b" No SMTP service here\r\n"),
    "smtp-greeting-1mib-line": dict(greet=big_line(b"220 ", 1024 * 1024)),
    "smtp-greeting-code-999": dict(greet=b"999 " + HOST + b" what is this\r\n"),
    "smtp-greeting-inconsistent-codes": dict(
        greet=b"220-" + HOST + b" hello\r\n554-go away\r\n220 ok\r\n"),
    "smtp-greeting-endless": dict(greet=endless(b"220-" + HOST + b"\r\n",
                                                b"220-" + b"G" * 70 + b"\r\n")),
    "smtp-greeting-esc": dict(greet=b"554 5.7.1 " + NASTY + b" no\r\n"),
    "smtp-greeting-nul": dict(greet=b"421 4.7.0 nul\x00here" + OSC_TITLE +
                              b"\r\n"),
    "smtp-greeting-bare-lf": dict(
        greet=b"220 " + HOST + b" ESMTP\n",
        ehlo=b"250-" + HOST + b"\n250-PIPELINING\n250 8BITMIME\n"),
    "smtp-greeting-http": dict(greet=HTTP + b"\x00\xff\xfe" + OSC_LINK),
    "smtp-greeting-unsolicited": dict(
        greet=GREET + b"250 2.0.0 unsolicited\r\n250 2.0.0 again\r\n",
        tls=real_tls()),
    # -- SMTP: connection ends at each step --
    "smtp-rst-on-connect": dict(greet=RST),
    "smtp-fin-on-connect": dict(greet=FIN),
    "smtp-rst-mid-greeting": dict(greet=then(b"220 host", RST)),
    "smtp-fin-mid-greeting": dict(greet=then(b"220 host", FIN)),
    "smtp-rst-after-ehlo-cmd": dict(ehlo=RST),
    "smtp-fin-after-ehlo-cmd": dict(ehlo=FIN),
    "smtp-rst-mid-ehlo": dict(ehlo=then(b"250-" + HOST + b"\r\n250-PIPEL",
                                        RST)),
    "smtp-fin-mid-ehlo": dict(ehlo=then(b"250-" + HOST + b"\r\n250-PIPEL",
                                        FIN)),
    "smtp-rst-after-starttls-cmd": dict(starttls=RST),
    "smtp-fin-after-starttls-cmd": dict(starttls=FIN),
    # -- SMTP: EHLO --
    "smtp-ehlo-trickle-1bps": dict(ehlo=trickle(EHLO_TLS)),
    "smtp-ehlo-silence": dict(ehlo=SILENCE),
    "smtp-ehlo-endless-250": dict(ehlo=endless(b"250-" + HOST + b"\r\n",
                                               b"250-" + b"X" * 72 + b"\r\n")),
    "smtp-ehlo-1mib-line": dict(ehlo=big_line(b"250-", 1024 * 1024) +
                                b"250 STARTTLS\r\n"),
    "smtp-ehlo-5000-lines": dict(ehlo=multiline(b"250", 5000)),
    "smtp-ehlo-500-helo-ok": dict(ehlo=b"500 5.5.1 command unrecognized\r\n",
                                  helo=b"250 " + HOST + b"\r\n"),
    "smtp-ehlo-550-helo-550": dict(ehlo=b"550 5.7.1 " + NASTY + b"\r\n",
                                   helo=b"550 5.7.1 no HELO either " +
                                   ESC_CLEAR + b"\r\n"),
    "smtp-ehlo-451-greylist": dict(ehlo=b"451 4.7.1 Greylisted, try again "
                                   b"later\r\n"),
    "smtp-ehlo-421": dict(ehlo=b"421 4.7.0 " + HOST + b" Too many "
                          b"connections\r\n"),
    "smtp-ehlo-inconsistent-codes": dict(
        ehlo=b"250-" + HOST + b"\r\n251-PIPELINING\r\n250 STARTTLS\r\n"),
    "smtp-ehlo-code-999": dict(ehlo=b"999-" + HOST + b"\r\n999 STARTTLS\r\n"),
    "smtp-ehlo-esc-keywords": dict(
        ehlo=b"250-" + HOST + b"\r\n250-X" + NASTY + b"\r\n250-" + OSC_LINK +
        b"\r\n250 8BITMIME\r\n"),
    "smtp-ehlo-no-starttls": dict(ehlo=EHLO_PLAIN),
    # -- SMTP: STARTTLS --
    "smtp-starttls-454": dict(starttls=b"454 4.7.0 TLS not available due to "
                              b"temporary reason\r\n"),
    "smtp-starttls-554-esc": dict(starttls=b"554 5.7.0 " + NASTY + b"\r\n"),
    "smtp-starttls-silence": dict(starttls=SILENCE),
    "smtp-starttls-220-then-plaintext": dict(
        tls=plain_after_220(b"250 2.0.0 plaintext after 220\r\n" + ESC_CLEAR +
                            b"\r\n", FIN)),
    "smtp-starttls-220-then-silence": dict(tls=plain_after_220(b"")),
    "smtp-starttls-220-pipelined-bytes": dict(
        starttls=READY + b"250-injected\r\n250 STARTTLS\r\n",
        tls=real_tls()),
    "smtp-starttls-220-then-http": dict(tls=plain_after_220(HTTP, FIN)),
    # -- TLS after STARTTLS: the connection ends --
    "tls-fin-after-hello": dict(tls=crafted(lambda s, h: b"")),
    "tls-rst-after-hello": dict(tls=crafted(lambda s, h: b"", RST)),
    "tls-stall-after-hello": dict(tls=crafted(lambda s, h: b"", SILENCE)),
    "tls-stall-mid-handshake": dict(tls=real_tls(maxv=ssl.TLSVersion.TLSv1_2,
                                                 cut=300, cut_action=SILENCE)),
    "tls-fin-mid-handshake": dict(tls=real_tls(maxv=ssl.TLSVersion.TLSv1_2,
                                               cut=300, cut_action=FIN)),
    "tls-rst-mid-handshake": dict(tls=real_tls(maxv=ssl.TLSVersion.TLSv1_2,
                                               cut=300, cut_action=RST)),
    # -- TLS: records with bad lengths, truncated, oversize --
    "tls-record-length-65535": dict(tls=crafted(
        lambda s, h: junk_record_header(h))),
    "tls-record-length-zero-storm": dict(tls=crafted(
        lambda s, h: record(22, b"") * 200)),
    "tls-handshake-length-16mib": dict(tls=crafted(
        lambda s, h: record(22, b"\x02\xff\xff\xff" + b"\x00" * 60))),
    "tls-serverhello-bad-sid-length": dict(tls=crafted(
        lambda s, h: record(22, handshake(2, b"\x03\x03" + b"R" * 32 +
                                          b"\xc8" + b"\x00" * 10)))),
    "tls-serverhello-bad-ext-length": dict(tls=crafted(
        lambda s, h: record(22, handshake(2, b"\x03\x03" + b"R" * 32 +
                                          u8v(h["sid"]) + b"\xc0\x2f\x00" +
                                          b"\xff\xf0\x00\x0b")))),
    "tls-truncated-record-fin": dict(tls=crafted(
        lambda s, h: sh_plain(h)[:40])),
    "tls-truncated-record-stall": dict(tls=crafted(
        lambda s, h: sh_plain(h)[:40], SILENCE)),
    "tls-truncated-header-fin": dict(tls=crafted(lambda s, h: b"\x16\x03")),
    "tls-oversize-record-16385": dict(tls=crafted(
        lambda s, h: record(22, handshake(2, b"\x03\x03" + b"\x00" * 16381)))),
    "tls-oversize-record-18500": dict(tls=crafted(
        lambda s, h: record(22, b"\x02" + b"\x00" * 18499))),
    "tls-split-100-records": dict(tls=real_tls(maxv=ssl.TLSVersion.TLSv1_2,
                                               split=8)),
    "tls13-split-1-byte-records": dict(tls=real_tls(split=1)),
    # -- TLS: protocol oddities --
    "tls-alert-storm-warning": dict(tls=real_tls(prefix=TLS_ALERT_WARN * 500)),
    "tls-alert-storm-fatal": dict(tls=crafted(
        lambda s, h: TLS_ALERT_FATAL * 500)),
    "tls-ccs-storm": dict(tls=real_tls(prefix=record(20, b"\x01") * 100)),
    "tls13-two-hello-retry-requests": dict(tls=crafted(two_hrr)),
    "tls-serverhello-version-0305": dict(tls=crafted(
        lambda s, h: sh_plain(h, version=0x0305, suite=0x002F))),
    "tls-serverhello-supported-versions-7f1c": dict(tls=crafted(
        lambda s, h: sh_plain(h, suite=0x1301,
                              exts=ext(43, struct.pack(">H", 0x7F1C))))),
    "tls-serverhello-unoffered-suite": dict(tls=crafted(
        lambda s, h: sh_plain(h, suite=0xFEFE))),
    "tls-record-content-type-99": dict(tls=crafted(
        lambda s, h: record(99, b"\x00" * 40))),
    "tls-http-instead-of-tls": dict(tls=plain_after_220(HTTP, FIN)),
    "tls-sslv2-server-hello": dict(tls=crafted(
        lambda s, h: b"\x80\x2e\x04\x00\x01\x00\x02" + b"\x00" * 41)),
    # -- TLS: certificates --
    "tls-chain-100-certs": dict(tls=real_tls(cert="chain100")),
    "tls-chain-200kib": dict(tls=real_tls(cert="chain200k")),
    "tls-chain-1200kib": dict(tls=real_tls(cert="chain1200k")),
    "tls-chain-loop": dict(tls=real_tls(cert="loop")),
    "tls-chain-self-issued-loop": dict(tls=real_tls(cert="selfissued")),
    "tls-cert-10kib-cn-escapes": dict(tls=real_tls(cert="bigcn")),
    "tls-cert-san-escapes": dict(tls=real_tls(cert="escsan")),
    "tls-after-handshake-endless-250": dict(
        tls=real_tls(), ehlo_tls=endless(b"250-" + HOST + b"\r\n",
                                         b"250-" + b"Y" * 72 + b"\r\n")),
    # -- implicit TLS (smtps) --
    "smtps-http-instead-of-tls": dict(implicit=True,
                                      tls=plain_after_220(HTTP, FIN)),
    "smtps-plain-smtp-banner": dict(implicit=True,
                                    tls=plain_after_220(GREET, SILENCE)),
    "smtps-split-1-byte-records": dict(implicit=True, tls=real_tls(split=1)),
    # -- the sender (mxprobe send against a scripted smarthost) --
    "send-silence-after-data": dict(ehlo=EHLO_PLAIN, eod=SILENCE),
    "send-354-then-close": dict(ehlo=EHLO_PLAIN,
                                data=then(b"354 go ahead\r\n", FIN)),
    "send-354-then-rst": dict(ehlo=EHLO_PLAIN,
                              data=then(b"354 go ahead\r\n", RST)),
    "send-huge-escaped-550": dict(ehlo=EHLO_PLAIN, eod=multiline(
        b"550", 5000, b"5.7.1 rejected " + NASTY)),
    "send-escaped-550": dict(ehlo=EHLO_PLAIN, eod=multiline(
        b"550", 20, b"5.7.1 rejected " + NASTY)),
    "send-rcpt-451-greylist": dict(ehlo=EHLO_PLAIN, rcpt=b"451 4.7.1 "
                                   b"<rcpt@hostile.test>: Recipient address "
                                   b"rejected: Greylisted, try again\r\n"),
    "send-mail-421": dict(ehlo=EHLO_PLAIN, mail=b"421 4.7.0 Too many "
                          b"messages, slow down\r\n"),
    "send-data-silence": dict(ehlo=EHLO_PLAIN, data=SILENCE),
    "send-eod-trickle-1bps": dict(ehlo=EHLO_PLAIN, eod=trickle(
        b"250 2.0.0 Ok: queued\r\n")),
    "send-rcpt-endless-250": dict(ehlo=EHLO_PLAIN, rcpt=endless(
        b"250-Ok\r\n", b"250-" + b"Z" * 72 + b"\r\n")),
    "send-starttls-220-then-plaintext": dict(tls=plain_after_220(
        b"250 plaintext\r\n", FIN)),
    # every reply 2.2 s late: no step times out (3 s), the deadline (8 s)
    # ends the delivery during RCPT
    "send-slow-steps-deadline": dict(
        greet=late(GREET, 2.2), ehlo=late(EHLO_PLAIN, 2.2),
        mail=late(b"250 2.1.0 Ok\r\n", 2.2),
        rcpt=late(b"250 2.1.5 Ok\r\n", 2.2)),
}


# The same servers under the names of the other commands run against them.
for _cmd, _names in (("certs", ("chain-100-certs", "chain-200kib",
                                "chain-1200kib", "chain-loop",
                                "cert-10kib-cn-escapes", "fin-after-hello")),
                     ("ciphers", ("stall-after-hello", "split-100-records",
                                  "alert-storm-fatal",
                                  "serverhello-version-0305"))):
    for _n in _names:
        SCRIPTS["%s-%s" % (_cmd, _n)] = SCRIPTS["tls-" + _n]


# ---- certificates ----------------------------------------------------------------


def der_read(b, p):
    """(tag, header length, content length) of the DER TLV at p."""
    tag = b[p]
    n = b[p + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(b[p + 2:p + 2 + k], "big")


def der_len(n):
    if n < 0x80:
        return bytes([n])
    k = (n.bit_length() + 7) // 8
    return bytes([0x80 | k]) + n.to_bytes(k, "big")


def der_replace(b, old, new):
    """Replace the content of the (first) primitive TLV whose content is
    `old`, fixing every enclosing length (constructed tags only)."""
    def walk(p, end):
        out = b""
        while p < end:
            tag, hl, cl = der_read(b, p)
            content = b[p + hl:p + hl + cl]
            if tag & 0x20:
                content = walk(p + hl, p + hl + cl)
            elif content == old:
                content = new
            out += bytes([tag]) + der_len(len(content)) + content
            p += hl + cl
        return out
    return walk(0, len(b))


def ossl(*args, inp=None):
    subprocess.run(["openssl"] + list(args), check=True, input=inp,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def gencerts(d):
    os.makedirs(d, exist_ok=True)
    cnf = os.path.join(d, "ext.cnf")
    with open(cnf, "w") as f:
        f.write("[ca]\nbasicConstraints=critical,CA:TRUE\n"
                "keyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\n"
                "[leaf]\nbasicConstraints=CA:FALSE\n"
                "subjectAltName=DNS:hostile.test,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")

    def P(name):
        return os.path.join(d, name)

    def key(name):
        ossl("genpkey", "-algorithm", "EC", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-out", P(name + ".key"))

    def cert(name, cn, issuer=None, section="ca", extra=()):
        args = ["req", "-new", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                P(name + ".key"), "-subj",
                "/CN=" + cn, "-days", "30", "-out", P(name + ".crt"),
                "-config", cnf, "-extensions", section] + list(extra)
        if issuer:
            args += ["-CA", P(issuer + ".crt"), "-CAkey", P(issuer + ".key")]
        ossl(*args)

    def chain(name, leaf_key, parts):
        with open(P(name + ".chain.pem"), "w") as out:
            for part in parts:
                with open(P(part + ".crt")) as f:
                    out.write(f.read())
        if leaf_key != name:
            with open(P(leaf_key + ".key")) as f, \
                    open(P(name + ".key"), "w") as o:
                o.write(f.read())

    cert("ca", "Hostile Test Root")
    cert("leaf", "hostile.test", "ca", "leaf")
    chain("leaf", "leaf", ["leaf", "ca"])

    # 100 certificates: root, 98 intermediates, leaf.
    prev = "ca"
    for i in range(1, 99):
        cert("c100-%d" % i, "Hostile Int %d" % i, prev)
        prev = "c100-%d" % i
    cert("c100-leaf", "hostile.test", prev, "leaf")
    chain("chain100", "c100-leaf",
          ["c100-leaf"] + ["c100-%d" % i for i in range(98, 0, -1)] + ["ca"])

    # About 200 KiB and 1.2 MiB: intermediates with big comments.
    def fat(name, n, size):
        prev = "ca"
        for i in range(1, n + 1):
            cert("%s-%d" % (name, i), "Fat Int %d" % i, prev, extra=(
                "-addext", "nsComment=%s %d %s" % (name, i, "F" * size)))
            prev = "%s-%d" % (name, i)
        cert(name + "-leaf", "hostile.test", prev, "leaf")
        chain(name, name + "-leaf", [name + "-leaf"] +
              ["%s-%d" % (name, i) for i in range(n, 0, -1)] + ["ca"])

    fat("chain200k", 19, 10240)
    fat("chain1200k", 12, 100000)

    # A loop: A is issued by B, B by A (each signature valid); the leaf by A.
    cert("loopB0", "Loop B")                       # bootstrap, self-signed
    cert("loopA", "Loop A", "loopB0")
    os.rename(P("loopB0.key"), P("loopB.key"))
    ossl("req", "-new", "-x509", "-key", P("loopB.key"), "-subj", "/CN=Loop B",
         "-days", "30", "-out", P("loopB.crt"), "-config", cnf, "-extensions",
         "ca", "-CA", P("loopA.crt"), "-CAkey", P("loopA.key"))
    cert("loop-leaf", "hostile.test", "loopA", "leaf")
    chain("loop", "loop-leaf", ["loop-leaf", "loopA", "loopB", "loopA",
                                "loopB", "loopA"])

    # Self-issued loop: a CA whose issuer is its own name, signed by
    # another key (so it is not self-signed and never verifies).
    cert("si-other", "Self Loop")
    cert("si", "Self Loop", "si-other")
    cert("si-leaf", "hostile.test", "si", "leaf")
    chain("selfissued", "si-leaf", ["si-leaf", "si", "si", "si"])

    # A 10 KiB CN full of terminal escapes (longer than X.520's 64: made
    # with a placeholder, patched in the DER, then re-signed by openssl).
    ph = "P" * 64
    cert("bigcn0", ph)
    ossl("x509", "-in", P("bigcn0.crt"), "-outform", "DER", "-out",
         P("bigcn0.der"))
    with open(P("bigcn0.der"), "rb") as f:
        der = f.read()
    # (No raw 8-bit C1 here: OpenSSL refuses a name that is not UTF-8.)
    unit = ESC_CLEAR + OSC_TITLE + OSC_LINK + b"\x00" + C1_UTF8 + b" CN "
    cn = unit * (10240 // len(unit))
    cn += b"Z" * (10240 - len(cn))
    tbs_patched = der_replace(der, ph.encode(), cn)
    with open(P("bigcn1.der"), "wb") as f:
        f.write(tbs_patched)
    ossl("x509", "-inform", "DER", "-in", P("bigcn1.der"), "-key",
         P("bigcn0.key"), "-out", P("bigcn.crt"))
    os.rename(P("bigcn0.key"), P("bigcn.key"))
    chain("bigcn", "bigcn", ["bigcn"])

    # dNSName SANs with escapes (IA5String allows C0 controls).
    key("escsan")
    san = "DNS:evil\x1b[2J.example,DNS:x\x1b]0;t\x07.example,DNS:ok.example"
    with open(P("escsan.cnf"), "w") as f:
        f.write("[s]\nsubjectAltName=%s\nbasicConstraints=CA:FALSE\n" % san)
    ossl("req", "-new", "-x509", "-key", P("escsan.key"), "-subj",
         "/CN=esc\\1B[2Jcn", "-days", "30", "-out", P("escsan.crt"),
         "-config", P("escsan.cnf"), "-extensions", "s", "-CA", P("ca.crt"),
         "-CAkey", P("ca.key"))
    chain("escsan", "escsan", ["escsan", "ca"])


# ---- serving ------------------------------------------------------------------------


def serve_scenario(name, port_file, opts, max_conns, lifetime):
    """Serve `name` on 127.0.0.1:0; write the port to port_file.  Returns
    after max_conns connections or lifetime seconds (at most 60), once the
    connections it started have ended (never past the lifetime)."""
    sc = dict(DEFAULTS)
    sc.update(SCRIPTS[name])
    lifetime = min(lifetime, LIFETIME_MAX)
    end = time.monotonic() + lifetime
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, port_file)
    active = threading.BoundedSemaphore(MAX_PARALLEL)
    threads = []
    n = 0

    def run(conn, peer, i):
        s = Sess(conn, end, opts)
        why = "done"
        try:
            dialogue(s, sc)
        except Stop as e:
            why = str(e)
        except Exception as e:          # a bug here must not hang the test
            why = "error %r" % e
        finally:
            try:
                conn.close()
            except OSError:
                pass
            active.release()
        log("%s conn %d from %s: %s" % (name, i, peer[1], why))

    while n < max_conns:
        left = end - time.monotonic()
        if left <= 0:
            break
        ls.settimeout(min(left, 1.0))
        try:
            conn, peer = ls.accept()
        except (socket.timeout, TimeoutError):
            continue
        n += 1
        if not active.acquire(blocking=False):
            conn.close()
            continue
        t = threading.Thread(target=run, args=(conn, peer, n), daemon=True)
        t.start()
        threads.append(t)
    ls.close()
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))


def control(args):
    """Open scenario listeners on request: lines "open NAME PORTFILE" on
    the FIFO (the runner's choice of scenario per port), "quit" ends.
    Each listener is bounded as serve_scenario says; this loop ends at
    "quit", when the runner (--parent) is gone, or after --max-life."""
    end = time.monotonic() + min(args.max_life, 1800)
    fd = os.open(args.fifo, os.O_RDWR)   # our own writer: no EOF spin
    buf = b""
    while time.monotonic() < end:
        try:
            os.kill(args.parent, 0)
        except OSError:
            break
        r, _, _ = select.select([fd], [], [], 1.0)
        if not r:
            continue
        buf += os.read(fd, 4096)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            parts = line.decode("utf-8", "replace").split()
            if parts == ["quit"]:
                return
            if len(parts) != 3 or parts[0] != "open" or \
                    parts[1] not in SCRIPTS:
                log("control: bad request %r" % line[:100])
                continue
            threading.Thread(target=serve_scenario, daemon=True, args=(
                parts[1], parts[2], args, args.max_conns,
                args.lifetime)).start()
    os.close(fd)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gencerts")
    g.add_argument("dir")
    sv = sub.add_parser("serve")
    sv.add_argument("scenario", choices=sorted(SCRIPTS))
    sv.add_argument("--certs", required=True)
    sv.add_argument("--port-file", required=True)
    sv.add_argument("--max-conns", type=int, default=64)
    sv.add_argument("--lifetime", type=float, default=LIFETIME_MAX)
    ct = sub.add_parser("control")
    ct.add_argument("--certs", required=True)
    ct.add_argument("--fifo", required=True)
    ct.add_argument("--parent", type=int, required=True)
    ct.add_argument("--max-conns", type=int, default=64)
    ct.add_argument("--lifetime", type=float, default=LIFETIME_MAX)
    ct.add_argument("--max-life", type=float, default=900)
    sub.add_parser("list")
    args = ap.parse_args()
    if args.cmd == "list":
        for name in sorted(SCRIPTS):
            print(name)
    elif args.cmd == "gencerts":
        try:
            gencerts(args.dir)
        except subprocess.CalledProcessError as e:
            sys.stderr.write("openssl %s failed: %s\n" % (
                " ".join(e.cmd[1:3]), e.stderr.decode(errors="replace")))
            return 1
    elif args.cmd == "control":
        control(args)
    else:
        serve_scenario(args.scenario, args.port_file, args, args.max_conns,
                       args.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
