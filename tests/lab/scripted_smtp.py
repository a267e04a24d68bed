#!/usr/bin/python3
"""Scripted misbehaving SMTP servers for the mxprobe loopback lab.

Usage: scripted_smtp.py MODE ADDR:PORT [--pidfile FILE] [--hostname NAME]
                         [--backend ADDR:PORT | --backend unix:PATH]

Each mode models one failure a real MX shows and Postfix cannot be made to
show, or relays to a real server that cannot sit on the address itself.  The
server binds ONLY the given address, which must be loopback (127.0.0.0/8 or
::1), and relays only to loopback or a unix socket; anything else is refused.
Every connection runs in its own thread with a hard lifetime; the number of
concurrent connections is capped, so a scanner cannot make the process grow
without bound.

Modes (RFC 5321 reply codes; text fixed so tests can compare it):
  tls454      220 banner, EHLO advertises STARTTLS, STARTTLS answers
              "454 4.7.0 TLS not available due to temporary reason", the
              session goes on (MAIL/RCPT/DATA accepted and discarded,
              QUIT -> 221).
  silent      accepts TCP, never sends a banner; closes after 120 s or when
              the client closes.
  endless     220 banner, then EHLO is answered with an endless stream of
              "250-XXXX..." continuation lines; stops after 10 MB or when
              the client goes away.  HELO gets a normal 250.
  garbage     sends "HTTP/1.1 400 Bad Request" followed by fixed pseudo-
              random binary bytes including ESC[2J, NUL, CR, DEL and 8-bit
              bytes, instead of a banner; then closes.
  slowbanner  waits 3 s (a tarpit), then behaves as a minimal SMTP server
              without STARTTLS.
  reject554   greets "554 5.7.1 No SMTP service here"; per RFC 5321 §3.1
              answers every command but QUIT with 503 and QUIT with 221.

TLS failures after STARTTLS.  Each is a small SMTP server (220 banner, EHLO
with STARTTLS) that answers STARTTLS with "220 2.0.0 Ready to start TLS"
(RFC 3207 §4), then reads the ClientHello (TLS records reassembled, at most
64 KiB, 30 s) and:
  tlsfin      closes the connection: FIN, no byte sent.
  tlsrst      resets it: SO_LINGER {on, 0} then close, so the kernel sends
              RST.
  tlsalert    sends one TLS alert record, fatal handshake_failure(40)
              (RFC 5246 §7.2: 15 03 03 00 02 02 28), then closes (FIN).
  tlssilent   sends nothing; closes after 120 s or when the client closes.
  intolerant  handshake intolerance of an old server: if the hello offers
              any AES-GCM suite (0x009C-0x00A7, 0xC02B-0xC032, 0x1301,
              0x1302) it closes (FIN, no reply); otherwise it passes the
              hello, and everything after it, to the real server in
              --backend (a Postfix STARTTLS listener).  Before answering
              220 it has already opened that backend and taken it through
              banner, EHLO and STARTTLS, so the TLS session the client gets
              is the backend's, in the state after STARTTLS: EHLO over TLS
              is answered by the real server.  If the backend cannot be
              reached, STARTTLS gets 454 4.7.0.

Relays (a proxy, not a TLS server: bytes pass unchanged):
  relay          every connection is joined to --backend at once (implicit
                 TLS in front of a TLS server that cannot bind this address).
  starttlsrelay  SMTP up to STARTTLS -> 220, then joined to --backend (which
                 speaks TLS at once), so STARTTLS clients reach it.

The pid file is written after the socket is bound and listening, so its
presence means the server accepts connections.  Logs go to stderr, one line
per connection.
"""

import argparse
import ipaddress
import os
import random
import selectors
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

MAX_CONNECTIONS = 256  # concurrent; more are closed at once
MAX_LINE = 2048  # bytes per command line (as Postfix's line_length_limit)
IDLE_TIMEOUT = 30.0  # seconds without a command before we hang up
LIFETIME = 130.0  # hard cap on one connection's lifetime, every mode
SILENT_HOLD = 120.0  # how long "silent" keeps a socket open
SLOW_BANNER_DELAY = 3.0
ENDLESS_LIMIT = 10 * 1024 * 1024  # bytes of 250- lines before we give up
SEND_TIMEOUT = 10.0  # a client that stops reading is dropped
HELLO_TIMEOUT = 30.0  # for the whole ClientHello after STARTTLS
HELLO_MAX = 64 * 1024  # bytes of handshake data we reassemble, at most
RECORD_MAX = 16384 + 2048  # TLSCiphertext.length limit, RFC 5246 §6.2.3
RELAY_IDLE = 60.0  # a relayed connection with no traffic this long ends
BACKEND_TIMEOUT = 10.0

# RFC 5246 §7.2 alert record: type 21, version 3.3, length 2, fatal(2),
# handshake_failure(40).
ALERT_HANDSHAKE_FAILURE = bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])

# AES-GCM cipher suites (IANA TLS Cipher Suites registry): RFC 5288
# (0x009C-0x00A7), RFC 5289 (0xC02B-0xC032), RFC 8446 (0x1301, 0x1302).
GCM_SUITES = frozenset(list(range(0x009C, 0x00A8)) +
                       list(range(0xC02B, 0xC033)) + [0x1301, 0x1302])

DEFAULT_HOSTNAMES = {
    "tls454": "tls454.lab.test",
    "silent": "silent.lab.test",
    "endless": "endless.lab.test",
    "garbage": "garbage.lab.test",
    "slowbanner": "slowbanner.lab.test",
    "reject554": "reject554.lab.test",
    "tlsfin": "tlsfin.lab.test",
    "tlsrst": "tlsrst.lab.test",
    "tlsalert": "tlsalert.lab.test",
    "tlssilent": "tlssilent.lab.test",
    "intolerant": "intolerant.lab.test",
    "relay": "relay.lab.test",
    "starttlsrelay": "relay.lab.test",
}

STARTTLS_READY = "220 2.0.0 Ready to start TLS"
STARTTLS_EHLO = ["PIPELINING", "SIZE 10240000", "STARTTLS",
                 "ENHANCEDSTATUSCODES", "8BITMIME"]


def log(msg):
    sys.stderr.write("%s scripted_smtp[%d]: %s\n" %
                     (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), msg))
    sys.stderr.flush()


class Session:
    """One client connection: bounded line reader plus reply helpers."""

    def __init__(self, sock, hostname, backend=None):
        self.sock = sock
        # Replies go out at once: no Nagle delay behind a delayed ACK.
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.hostname = hostname
        self.backend = backend
        self.buf = b""
        self.deadline = time.monotonic() + LIFETIME
        self.sent = 0

    def remaining(self):
        return self.deadline - time.monotonic()

    def send(self, data):
        if self.remaining() <= 0:
            raise TimeoutError("connection lifetime exceeded")
        self.sock.settimeout(min(SEND_TIMEOUT, self.remaining()))
        self.sock.sendall(data)
        self.sent += len(data)

    def reply(self, text):
        self.send(text.encode("ascii") + b"\r\n")

    def readline(self, timeout=IDLE_TIMEOUT):
        """Return one line without CRLF, or None on EOF/timeout/overlong."""
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                return line.rstrip(b"\r")
            if len(self.buf) > MAX_LINE:
                self.reply("500 5.5.0 Error: line too long")
                return None
            left = min(timeout, self.remaining())
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except (socket.timeout, TimeoutError):
                return None
            if not chunk:
                return None
            self.buf += chunk

    def verb(self, line):
        return line.split(b" ", 1)[0].upper().decode("ascii", "replace")


def minimal_smtp(s, ehlo_lines, starttls_reply=None):
    """A small, well-behaved command loop shared by the SMTP modes.

    Accepts and discards mail; RFC 5321 §4.1.1.4: DATA ends with CRLF.CRLF.
    starttls_reply is the reply text, or a function returning it; when the
    reply is 220 the loop returns "starttls" and the caller goes on with TLS
    (RFC 3207 §4); bytes the client sent after STARTTLS stay in s.buf.
    """
    while True:
        line = s.readline()
        if line is None:
            return "timeout/eof"
        verb = s.verb(line)
        if verb == "EHLO":
            # One write for the whole multiline reply, as Postfix does: a
            # client that reads one chunk and goes on must not see the
            # rest arrive later (sslscan, nmap stop there).
            s.send(b"".join(("250%s%s\r\n" % (
                " " if i == len(ehlo_lines) - 1 else "-", kw)).encode("ascii")
                for i, kw in enumerate(ehlo_lines)))
        elif verb == "HELO":
            s.reply("250 %s" % s.hostname)
        elif verb == "STARTTLS" and starttls_reply:
            text = starttls_reply() if callable(starttls_reply) else starttls_reply
            s.reply(text)
            if text.startswith("220"):
                return "starttls"
        elif verb == "MAIL":
            s.reply("250 2.1.0 Ok")
        elif verb == "RCPT":
            s.reply("250 2.1.5 Ok")
        elif verb == "DATA":
            s.reply("354 End data with <CR><LF>.<CR><LF>")
            size = 0
            while True:
                d = s.readline()
                if d is None:
                    return "eof in DATA"
                if d == b".":
                    break
                size += len(d)
            s.reply("250 2.0.0 Ok: %d bytes discarded" % size)
        elif verb == "RSET":
            s.reply("250 2.0.0 Ok")
        elif verb == "NOOP":
            s.reply("250 2.0.0 Ok")
        elif verb == "QUIT":
            s.reply("221 2.0.0 Bye")
            return "quit"
        else:
            s.reply("502 5.5.2 Error: command not recognized")


def mode_tls454(s):
    s.reply("220 %s ESMTP" % s.hostname)
    return minimal_smtp(
        s,
        [s.hostname, "PIPELINING", "SIZE 10240000", "STARTTLS",
         "ENHANCEDSTATUSCODES", "8BITMIME"],
        starttls_reply="454 4.7.0 TLS not available due to temporary reason")


def mode_silent(s):
    end = time.monotonic() + SILENT_HOLD
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return "held %ds" % SILENT_HOLD
        s.sock.settimeout(left)
        try:
            if not s.sock.recv(4096):
                return "client closed"
        except (socket.timeout, TimeoutError):
            return "held %ds" % SILENT_HOLD


def mode_endless(s):
    s.reply("220 %s ESMTP" % s.hostname)
    while True:
        line = s.readline()
        if line is None:
            return "timeout/eof"
        verb = s.verb(line)
        if verb == "EHLO":
            chunk = b"".join(b"250-" + b"X" * 72 + b"\r\n" for _ in range(64))
            s.send(("250-%s\r\n" % s.hostname).encode("ascii"))
            while s.sent < ENDLESS_LIMIT:
                s.send(chunk)
            return "sent %d bytes of EHLO continuation" % s.sent
        if verb == "QUIT":
            s.reply("221 2.0.0 Bye")
            return "quit"
        if verb == "HELO":
            s.reply("250 %s" % s.hostname)
        else:
            s.reply("502 5.5.2 Error: command not recognized")


def garbage_bytes():
    """Fixed (seeded) bytes, so captures and golden files stay stable."""
    rnd = random.Random(20240525)
    body = bytes(rnd.getrandbits(8) for _ in range(512))
    return (b"HTTP/1.1 400 Bad Request\r\n"
            b"Server: not-smtp\r\n\x1b[2J\x1b[31mREDALERT\x1b[0m\x07\x00\r\n"
            b"\x7f\x08\x08\x08\xff\xfe\r\n" + body + b"\r\n")


def mode_garbage(s):
    s.send(garbage_bytes())
    try:
        s.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    return "sent garbage"


def mode_slowbanner(s):
    time.sleep(SLOW_BANNER_DELAY)
    s.reply("220 %s ESMTP" % s.hostname)
    return minimal_smtp(
        s, [s.hostname, "PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES",
            "8BITMIME"])


def mode_reject554(s):
    s.reply("554 5.7.1 No SMTP service here")
    while True:
        line = s.readline()
        if line is None:
            return "timeout/eof"
        if s.verb(line) == "QUIT":
            s.reply("221 2.0.0 Bye")
            return "quit"
        s.reply("503 5.5.1 Error: no SMTP service here")


# --- TLS after STARTTLS -------------------------------------------------------


def read_client_hello(s):
    """Read the ClientHello that follows STARTTLS.

    Returns (raw, suites, note): raw is every byte read (to pass on
    unchanged), suites the offered cipher suites (None if the hello could
    not be parsed) and note what was seen.  TLS records (RFC 5246 §6.2.1)
    are read one by one and their handshake fragments joined until the
    first handshake message (RFC 5246 §7.4: type, uint24 length) is whole.
    """
    raw = bytearray(s.buf)
    s.buf = b""
    hs = bytearray()
    deadline = time.monotonic() + min(HELLO_TIMEOUT, s.remaining())

    def need(n):
        while len(raw) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            s.sock.settimeout(left)
            try:
                chunk = s.sock.recv(4096)
            except (socket.timeout, TimeoutError):
                return "timeout"
            if not chunk:
                return "eof"
            raw.extend(chunk)
        return None

    pos = 0
    while True:
        err = need(pos + 5)
        if err:
            return bytes(raw), None, "%s after %d bytes" % (err, len(raw))
        ctype, major, length = raw[pos], raw[pos + 1], \
            struct.unpack(">H", raw[pos + 3:pos + 5])[0]
        if ctype != 22 or major != 3:
            return bytes(raw), None, "not a TLS handshake record"
        if length == 0 or length > RECORD_MAX or len(hs) + length > HELLO_MAX:
            return bytes(raw), None, "record length %d" % length
        err = need(pos + 5 + length)
        if err:
            return bytes(raw), None, "%s in a record" % err
        hs.extend(raw[pos + 5:pos + 5 + length])
        pos += 5 + length
        if len(hs) >= 4:
            if hs[0] != 1:
                return bytes(raw), None, "handshake type %d" % hs[0]
            body_len = int.from_bytes(hs[1:4], "big")
            if body_len > HELLO_MAX - 4:
                return bytes(raw), None, "hello length %d" % body_len
            if len(hs) >= 4 + body_len:
                suites = hello_suites(bytes(hs[4:4 + body_len]))
                return bytes(raw), suites, (
                    "ClientHello, %d suites" % len(suites) if suites is not None
                    else "ClientHello not parsed")


def hello_suites(body):
    """Cipher suites of a ClientHello body (RFC 5246 §7.4.1.2), or None.

    client_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
    """
    p = 2 + 32
    if len(body) < p + 1:
        return None
    sid = body[p]
    p += 1
    if sid > 32 or len(body) < p + sid + 2:
        return None
    p += sid
    n = struct.unpack(">H", body[p:p + 2])[0]
    p += 2
    if n < 2 or n % 2 or len(body) < p + n:
        return None
    return [struct.unpack(">H", body[i:i + 2])[0] for i in range(p, p + n, 2)]


def starttls_front(s, reply=STARTTLS_READY):
    """Banner, EHLO with STARTTLS, ... until STARTTLS is answered 220."""
    s.reply("220 %s ESMTP" % s.hostname)
    return minimal_smtp(s, [s.hostname] + STARTTLS_EHLO, starttls_reply=reply)


def close_fin(s):
    try:
        s.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def mode_tlsfin(s):
    r = starttls_front(s)
    if r != "starttls":
        return r
    _, _, note = read_client_hello(s)
    close_fin(s)
    return "%s; closed (FIN)" % note


def mode_tlsrst(s):
    r = starttls_front(s)
    if r != "starttls":
        return r
    _, _, note = read_client_hello(s)
    # SO_LINGER on with a zero timeout: close() aborts with RST.  Close here:
    # socketserver would shut down the write side first, and send a FIN.
    s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                      struct.pack("ii", 1, 0))
    s.sock.close()
    return "%s; reset (RST)" % note


def mode_tlsalert(s):
    r = starttls_front(s)
    if r != "starttls":
        return r
    _, _, note = read_client_hello(s)
    s.send(ALERT_HANDSHAKE_FAILURE)
    close_fin(s)
    return "%s; sent alert handshake_failure, closed" % note


def mode_tlssilent(s):
    r = starttls_front(s)
    if r != "starttls":
        return r
    _, _, note = read_client_hello(s)
    return "%s; %s" % (note, mode_silent(s))


def open_backend(spec, timeout=BACKEND_TIMEOUT):
    """Connect to ADDR:PORT (loopback) or unix:PATH (checked at start)."""
    if spec.startswith("unix:"):
        b = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        b.settimeout(timeout)
        b.connect(spec[5:])
    else:
        addr, family = parse_addr(spec)
        b = socket.socket(family, socket.SOCK_STREAM)
        b.settimeout(timeout)
        b.connect(addr)
    return b


def pipe(s, b, first=b""):
    """Relay bytes both ways between the client s.sock and backend b.

    first goes to b before anything else.  A side's EOF is passed on as a
    half close; the relay ends when both directions are closed, after
    RELAY_IDLE seconds without traffic, or at the connection's lifetime.
    Returns (bytes to backend, bytes to client).
    """
    c = s.sock
    up = down = 0
    if first:
        b.settimeout(SEND_TIMEOUT)
        b.sendall(first)
        up += len(first)
    sel = selectors.DefaultSelector()
    sel.register(c, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, c)
    open_ = 2
    try:
        while open_:
            left = min(RELAY_IDLE, s.remaining())
            if left <= 0:
                break
            events = sel.select(left)
            if not events:
                break
            for key, _ in events:
                src, dst = key.fileobj, key.data
                try:
                    data = src.recv(16384)
                except OSError:
                    data = b""
                if data:
                    dst.settimeout(SEND_TIMEOUT)
                    dst.sendall(data)
                    if src is c:
                        up += len(data)
                    else:
                        down += len(data)
                else:
                    sel.unregister(src)
                    open_ -= 1
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
    finally:
        sel.close()
    return up, down


def mode_relay(s):
    try:
        b = open_backend(s.backend)
    except OSError as e:
        return "backend %s: %s" % (s.backend, e)
    try:
        up, down = pipe(s, b)
    finally:
        b.close()
    return "relayed %d bytes up, %d down" % (up, down)


def mode_starttlsrelay(s):
    conn = {}

    def ready():
        try:
            conn["b"] = open_backend(s.backend)
        except OSError as e:
            conn["err"] = str(e)
            return "454 4.7.0 TLS not available due to temporary reason"
        return STARTTLS_READY

    r = starttls_front(s, ready)
    if r != "starttls":
        if "b" in conn:
            conn["b"].close()
        return r + ("; backend: %s" % conn["err"] if "err" in conn else "")
    b = conn["b"]
    try:
        first, s.buf = s.buf, b""
        up, down = pipe(s, b, first)
    finally:
        b.close()
    return "STARTTLS, relayed %d bytes up, %d down" % (up, down)


def smtp_expect(f, code):
    """Read one (multi-line) reply from a backend; check its code."""
    lines = []
    while len(lines) < 100:
        line = f.readline(MAX_LINE)
        if not line:
            raise ConnectionError("backend closed after %r" % lines)
        lines.append(line)
        if line[3:4] != b"-":
            break
    if not lines[0].startswith(code.encode()):
        raise ConnectionError("backend answered %r" % lines[0][:80])


def backend_after_starttls(spec, helo):
    """A backend SMTP connection taken through banner, EHLO and STARTTLS."""
    b = open_backend(spec)
    try:
        f = b.makefile("rb", buffering=0)
        smtp_expect(f, "220")
        b.sendall(b"EHLO " + helo.encode("ascii") + b"\r\n")
        smtp_expect(f, "250")
        b.sendall(b"STARTTLS\r\n")
        smtp_expect(f, "220")
        f.close()  # unbuffered: nothing read past the 220 line
    except (OSError, ConnectionError):
        b.close()
        raise
    return b


def mode_intolerant(s):
    conn = {}

    def ready():
        try:
            conn["b"] = backend_after_starttls(s.backend, s.hostname)
        except (OSError, ConnectionError) as e:
            conn["err"] = str(e)
            return "454 4.7.0 TLS not available due to temporary reason"
        return STARTTLS_READY

    r = starttls_front(s, ready)
    if r != "starttls":
        if "b" in conn:
            conn["b"].close()
        return r + ("; backend: %s" % conn["err"] if "err" in conn else "")
    b = conn["b"]
    try:
        raw, suites, note = read_client_hello(s)
        gcm = sorted(set(suites or []) & GCM_SUITES)
        if gcm:
            close_fin(s)
            return "%s, AES-GCM offered (%s): closed (FIN)" % (
                note, ",".join("0x%04X" % x for x in gcm))
        if not raw:
            return note
        up, down = pipe(s, b, raw)
    finally:
        b.close()
    return "%s, no AES-GCM: relayed %d bytes up, %d down" % (note, up, down)


MODES = {
    "tls454": mode_tls454,
    "silent": mode_silent,
    "endless": mode_endless,
    "garbage": mode_garbage,
    "slowbanner": mode_slowbanner,
    "reject554": mode_reject554,
    "tlsfin": mode_tlsfin,
    "tlsrst": mode_tlsrst,
    "tlsalert": mode_tlsalert,
    "tlssilent": mode_tlssilent,
    "intolerant": mode_intolerant,
    "relay": mode_relay,
    "starttlsrelay": mode_starttlsrelay,
}

NEEDS_BACKEND = ("intolerant", "relay", "starttlsrelay")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        srv = self.server
        peer = "%s:%s" % self.client_address[:2]
        s = Session(self.request, srv.hostname, srv.backend)
        try:
            outcome = MODES[srv.mode](s)
        except (OSError, TimeoutError, ConnectionError) as e:
            outcome = "error: %s" % e
        log("%s %s: %s" % (srv.mode, peer, outcome))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, addr, family, mode, hostname, backend=None):
        self.address_family = family
        self.mode = mode
        self.hostname = hostname
        self.backend = backend
        self.active = 0
        self.lock = threading.Lock()
        super().__init__(addr, Handler)

    def process_request(self, request, client_address):
        with self.lock:
            if self.active >= MAX_CONNECTIONS:
                request.close()
                return
            self.active += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.active -= 1


def parse_addr(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        raise ValueError("expected ADDR:PORT, got %r" % text)
    host = host.strip("[]")
    ip = ipaddress.ip_address(host)
    if not ip.is_loopback:
        raise ValueError("refusing to bind non-loopback address %s" % ip)
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    return (str(ip), int(port)), family


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=sorted(MODES))
    ap.add_argument("listen", help="ADDR:PORT on loopback, e.g. 127.0.0.41:25")
    ap.add_argument("--pidfile")
    ap.add_argument("--hostname")
    ap.add_argument("--backend",
                    help="ADDR:PORT on loopback, or unix:PATH (relay modes)")
    args = ap.parse_args()
    try:
        addr, family = parse_addr(args.listen)
        if args.backend and not args.backend.startswith("unix:"):
            parse_addr(args.backend)
    except ValueError as e:
        ap.error(str(e))
    if (args.mode in NEEDS_BACKEND) != bool(args.backend):
        ap.error("--backend is needed by, and only by, %s" %
                 ", ".join(NEEDS_BACKEND))
    hostname = args.hostname or DEFAULT_HOSTNAMES[args.mode]
    server = Server(addr, family, args.mode, hostname, args.backend)

    def on_term(signum, frame):
        # Exit at once; daemon threads die with the process.
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)
    log("%s listening on %s:%d as %s" % (args.mode, addr[0], addr[1],
                                        hostname))
    server.serve_forever()


if __name__ == "__main__":
    main()
