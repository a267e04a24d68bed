#!/usr/bin/python3
"""Readiness checks for the mxprobe loopback lab (used by lab.sh).

Usage: labcheck.py [--timeout SECONDS] [--once] CHECK...

CHECK is NAME=KIND@ADDR:PORT, ADDR an IPv4 address or [IPv6].  All checks
run in parallel; each retries until it passes or the shared deadline
passes (default 30 s; --once tries each check exactly once).  Exit 0 when
all pass; otherwise print "FAIL NAME ADDR:PORT: reason" per failing check
and exit 1.  Only loopback addresses are accepted.

KINDs:
  tcp         the port accepts a TCP connection
  data        the server sends any bytes after connecting
  banner220   the first reply line starts with "220"
  banner554   the first reply line starts with "554"
  notls       220 banner, EHLO answered with 250 and no STARTTLS keyword
  starttls    220 banner, EHLO lists STARTTLS, STARTTLS -> 220, and a TLS
              handshake completes (no certificate verification here; TLS
              1.0 and up, every suite at security level 0, so legacy
              servers pass), then EHLO over TLS -> 250
  starttlscbc as starttls, offering only CBC suites up to TLS 1.2 (the
              intolerant front closes on AES-GCM)
  starttlsraw as starttls, without the EHLO over TLS (the GnuTLS echo
              server behind the STARTTLS relay speaks no SMTP)
  starttlsonly  banner, EHLO lists STARTTLS, STARTTLS -> 220; then close
              (the servers that fail the handshake on purpose)
  smtps       a TLS handshake completes at once, then a 220 banner
  tlsraw      a TLS handshake completes at once (no SMTP)
  dnsauth     UDP query "lab.test SOA" without recursion: NOERROR and AA
  dnsval      UDP query "lab.test MX" with DO+AD: NOERROR and AD set

--down turns every check into "nothing accepts TCP on ADDR:PORT" (used after
stop; DNS servers listen on TCP too).  --verbose also prints "ok" lines.
"""

import argparse
import ipaddress
import os
import socket
import ssl
import struct
import sys
import threading
import time
import warnings

# TLS 1.0 is deprecated in the ssl module; the legacy server speaks nothing else.
warnings.filterwarnings("ignore", category=DeprecationWarning)

STEP_TIMEOUT = 3.0


def parse_check(text):
    name, _, rest = text.partition("=")
    kind, _, addr = rest.partition("@")
    host, _, port = addr.rpartition(":")
    host = host.strip("[]")
    ip = ipaddress.ip_address(host)
    if not ip.is_loopback:
        raise ValueError("not a loopback address: %s" % host)
    fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    return name, kind, fam, (str(ip), int(port)), addr


class Conn:
    def __init__(self, fam, addr):
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.settimeout(STEP_TIMEOUT)
        self.sock.connect(addr)
        self.f = None

    def tls(self, ciphers="ALL:@SECLEVEL=0", maximum=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        if maximum:
            ctx.maximum_version = maximum
        ctx.set_ciphers(ciphers)
        self.sock = ctx.wrap_socket(self.sock)
        self.f = None

    def reply(self):
        if self.f is None:
            self.f = self.sock.makefile("rb")
        lines = []
        while len(lines) < 100:
            line = self.f.readline(2048)
            if not line:
                raise ConnectionError("connection closed, got %r" % lines)
            lines.append(line.rstrip(b"\r\n").decode("latin-1"))
            if len(line) < 4 or line[3:4] != b"-":
                break
        return lines

    def cmd(self, text):
        self.sock.sendall(text.encode("ascii") + b"\r\n")
        return self.reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def expect(lines, code, what):
    if not lines or not lines[0].startswith(code):
        raise RuntimeError("%s: expected %s, got %r" % (what, code, lines[:3]))


def smtp_check(kind, fam, addr):
    c = Conn(fam, addr)
    try:
        if kind == "tcp":
            return
        if kind == "data":
            if not c.sock.recv(1):
                raise RuntimeError("closed without sending anything")
            return
        if kind == "tlsraw":
            c.tls()
            return
        if kind == "smtps":
            c.tls()
        banner = c.reply()
        if kind == "banner554":
            expect(banner, "554", "banner")
            return
        expect(banner, "220", "banner")
        if kind in ("banner220", "smtps"):
            c.cmd("QUIT")
            return
        ehlo = c.cmd("EHLO labcheck.lab.test")
        expect(ehlo, "250", "EHLO")
        has_tls = any(l[4:].upper().startswith("STARTTLS") for l in ehlo)
        if kind == "notls":
            if has_tls:
                raise RuntimeError("STARTTLS advertised but should not be")
            c.cmd("QUIT")
            return
        if not has_tls:
            raise RuntimeError("STARTTLS not advertised: %r" % ehlo)
        expect(c.cmd("STARTTLS"), "220", "STARTTLS")
        if kind == "starttlsonly":
            return
        if kind == "starttlscbc":
            c.tls("ECDHE-RSA-AES128-SHA:AES256-SHA:@SECLEVEL=0",
                  ssl.TLSVersion.TLSv1_2)
        else:
            c.tls()
        if kind == "starttlsraw":
            return
        expect(c.cmd("EHLO labcheck.lab.test"), "250", "EHLO after TLS")
        c.cmd("QUIT")
    finally:
        c.close()


def dns_query(fam, addr, qname, qtype, rd, do):
    qid = int.from_bytes(os.urandom(2), "big")
    flags = 0x0100 if rd else 0
    flags |= 0x0020  # AD: ask for the AD bit (RFC 6840 §5.7)
    hdr = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1)
    q = b"".join(bytes([len(p)]) + p.encode() for p in qname.split(".") if p)
    q += b"\0" + struct.pack(">HH", qtype, 1)
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000 if do else 0, 0)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(STEP_TIMEOUT)
    try:
        s.sendto(hdr + q + opt, addr)
        while True:
            data, _ = s.recvfrom(4096)
            if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
                break
    finally:
        s.close()
    rflags = struct.unpack(">H", data[2:4])[0]
    ancount = struct.unpack(">H", data[6:8])[0]
    return rflags & 0xF, bool(rflags & 0x0400), bool(rflags & 0x0020), ancount


def dns_check(kind, fam, addr):
    if kind == "dnsauth":
        rcode, aa, _, an = dns_query(fam, addr, "lab.test", 6, False, True)
        if rcode != 0 or not aa or an == 0:
            raise RuntimeError("SOA lab.test: rcode=%d aa=%s answers=%d" %
                               (rcode, aa, an))
    else:
        rcode, _, ad, an = dns_query(fam, addr, "lab.test", 15, True, True)
        if rcode != 0 or not ad or an == 0:
            raise RuntimeError("MX lab.test: rcode=%d ad=%s answers=%d "
                               "(validation failing?)" % (rcode, ad, an))


def down_check(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(STEP_TIMEOUT)
    try:
        s.connect(addr)
    except (ConnectionRefusedError, socket.timeout):
        return
    finally:
        s.close()
    raise RuntimeError("still accepting connections")


def run_one(check, deadline, once, down, results):
    name, kind, fam, addr, text = check
    last = "not tried"
    while True:
        try:
            if down:
                down_check(fam, addr)
            elif kind.startswith("dns"):
                dns_check(kind, fam, addr)
            else:
                smtp_check(kind, fam, addr)
            results[name] = None
            return
        except (OSError, RuntimeError, ConnectionError, ssl.SSLError) as e:
            last = "%s: %s" % (type(e).__name__, e)
        if once or time.monotonic() > deadline:
            results[name] = "FAIL %s %s: %s" % (name, text, last)
            return
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--once", action="store_true")
    ap.add_argument("--down", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("checks", nargs="+")
    args = ap.parse_args()
    checks = [parse_check(c) for c in args.checks]
    deadline = time.monotonic() + args.timeout
    results = {}
    threads = [threading.Thread(target=run_one,
                                args=(c, deadline, args.once, args.down, results))
               for c in checks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [results[c[0]] for c in checks if results.get(c[0])]
    if args.verbose:
        for c in checks:
            if not results.get(c[0]):
                print("ok   %s %s" % (c[0], c[4]))
    for f in failed:
        print(f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
