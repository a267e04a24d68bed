#!/usr/bin/env python3
"""watch_smtpd.py - a small SMTP server with STARTTLS for the watch tests.

The watch tests need a server they own and may restart with another
certificate or DH group between two rounds (drift), and one whose banner
carries terminal escapes (the dashboard must not be torn by it).  The
shared lab must not be changed, so this one runs on a loopback address
of the test's own.

usage: watch_smtpd.py ADDR PORT [--cert F --key F] [--dhparam F]
                      [--ciphers S] [--tls12] [--implicit]
                      [--banner TEXT] [--pidfile F]

--banner is sent after "220 " with Python escapes interpreted
("\\x1b[2J" is ESC [ 2 J).  --ciphers/--dhparam/--tls12 pin the key
exchange (a DHE suite with the group in --dhparam).  Each connection is
one thread (at most 64 at once), ends after 30 s without a line, and
answers EHLO (STARTTLS before TLS), HELO, STARTTLS, NOOP, RSET and QUIT;
anything else gets 502.  Stops on SIGTERM.
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import threading

MAX_CONN = 64


def serve(conn, args, ctx, slots):
    f = None
    try:
        conn.settimeout(30)
        if args.implicit:
            conn = ctx.wrap_socket(conn, server_side=True)
        tls = args.implicit
        banner = args.banner.encode("latin-1").decode("unicode_escape")
        conn.sendall(b"220 " + banner.encode("latin-1") + b"\r\n")
        f = conn.makefile("rb")
        for _ in range(100):
            line = f.readline(2048)
            if not line:
                return
            verb = line.strip().split(b" ")[0].upper()
            if verb == b"EHLO":
                caps = [b"250-watch.test", b"250-PIPELINING"]
                if not tls and ctx is not None:
                    caps.append(b"250-STARTTLS")
                caps.append(b"250 8BITMIME")
                conn.sendall(b"\r\n".join(caps) + b"\r\n")
            elif verb == b"HELO":
                conn.sendall(b"250 watch.test\r\n")
            elif verb == b"STARTTLS" and not tls and ctx is not None:
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                f.close()
                conn = ctx.wrap_socket(conn, server_side=True)
                f = conn.makefile("rb")
                tls = True
            elif verb in (b"NOOP", b"RSET"):
                conn.sendall(b"250 2.0.0 OK\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 2.0.0 Bye\r\n")
                return
            else:
                conn.sendall(b"502 5.5.2 Not implemented\r\n")
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            if f is not None:
                f.close()
            conn.close()
        except OSError:
            pass
        slots.release()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--dhparam")
    ap.add_argument("--ciphers")
    ap.add_argument("--tls12", action="store_true")
    ap.add_argument("--implicit", action="store_true")
    ap.add_argument("--banner", default="watch.test ESMTP")
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    if not args.addr.startswith("127."):
        sys.exit("watch_smtpd.py: loopback addresses only")
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        if args.tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if args.ciphers:
            ctx.set_ciphers(args.ciphers)
        if args.dhparam:
            ctx.load_dh_params(args.dhparam)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.addr, args.port))
    s.listen(32)
    if args.pidfile:
        with open(args.pidfile, "w") as pf:
            pf.write("%d\n" % os.getpid())
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    slots = threading.BoundedSemaphore(MAX_CONN)
    while True:
        conn, _ = s.accept()
        if not slots.acquire(blocking=False):
            conn.close()
            continue
        threading.Thread(target=serve, args=(conn, args, ctx, slots),
                         daemon=True).start()


if __name__ == "__main__":
    main()
