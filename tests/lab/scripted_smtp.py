#!/usr/bin/python3
"""Scripted misbehaving SMTP servers for the mxprobe loopback lab.

Usage: scripted_smtp.py MODE ADDR:PORT [--pidfile FILE] [--hostname NAME]

Each mode models one failure a real MX shows and Postfix cannot be made to
show.  The server binds ONLY the given address, which must be loopback
(127.0.0.0/8 or ::1); anything else is refused.  Every connection runs in its
own thread with a hard lifetime; the number of concurrent connections is
capped, so a scanner cannot make the process grow without bound.

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

The pid file is written after the socket is bound and listening, so its
presence means the server accepts connections.  Logs go to stderr, one line
per connection.
"""

import argparse
import ipaddress
import os
import random
import signal
import socket
import socketserver
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

DEFAULT_HOSTNAMES = {
    "tls454": "tls454.lab.test",
    "silent": "silent.lab.test",
    "endless": "endless.lab.test",
    "garbage": "garbage.lab.test",
    "slowbanner": "slowbanner.lab.test",
    "reject554": "reject554.lab.test",
}


def log(msg):
    sys.stderr.write("%s scripted_smtp[%d]: %s\n" %
                     (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), msg))
    sys.stderr.flush()


class Session:
    """One client connection: bounded line reader plus reply helpers."""

    def __init__(self, sock, hostname):
        self.sock = sock
        self.hostname = hostname
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
    """A small, well-behaved command loop shared by tls454 and slowbanner.

    Accepts and discards mail; RFC 5321 §4.1.1.4: DATA ends with CRLF.CRLF.
    """
    while True:
        line = s.readline()
        if line is None:
            return "timeout/eof"
        verb = s.verb(line)
        if verb == "EHLO":
            for i, kw in enumerate(ehlo_lines):
                sep = " " if i == len(ehlo_lines) - 1 else "-"
                s.reply("250%s%s" % (sep, kw))
        elif verb == "HELO":
            s.reply("250 %s" % s.hostname)
        elif verb == "STARTTLS" and starttls_reply:
            s.reply(starttls_reply)
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


MODES = {
    "tls454": mode_tls454,
    "silent": mode_silent,
    "endless": mode_endless,
    "garbage": mode_garbage,
    "slowbanner": mode_slowbanner,
    "reject554": mode_reject554,
}


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        srv = self.server
        peer = "%s:%s" % self.client_address[:2]
        s = Session(self.request, srv.hostname)
        try:
            outcome = MODES[srv.mode](s)
        except (OSError, TimeoutError) as e:
            outcome = "error: %s" % e
        log("%s %s: %s" % (srv.mode, peer, outcome))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, addr, family, mode, hostname):
        self.address_family = family
        self.mode = mode
        self.hostname = hostname
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
    args = ap.parse_args()
    try:
        addr, family = parse_addr(args.listen)
    except ValueError as e:
        ap.error(str(e))
    hostname = args.hostname or DEFAULT_HOSTNAMES[args.mode]
    server = Server(addr, family, args.mode, hostname)

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
