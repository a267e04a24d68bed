#!/usr/bin/env python3
"""authstub.py - a stand-in SMTP server that offers AUTH without TLS.

Used only by record.sh for the captures of plaintext AUTH (the lab's own
submission listeners require TLS before AUTH, so their 535 is encrypted and
invisible to a capture decoder).  It answers like Postfix:

  220 authstub.lab.test ESMTP
  EHLO -> 250-authstub.lab.test / 250-PIPELINING / 250-AUTH PLAIN LOGIN / 250 8BITMIME
  AUTH PLAIN [ir]      -> (334 if no initial response) 535 5.7.8 Error: authentication failed: authentication failure
  AUTH LOGIN           -> 334 VXNlcm5hbWU6, 334 UGFzc3dvcmQ6, then the 535
  QUIT                 -> 221 2.0.0 Bye, close
  anything else        -> 503 5.5.1 Error: authentication not enabled / 502

Bounds: listens on ADDR:PORT (loopback only), serves at most --max
connections one after the other, each for at most 20 s, and exits after
--lifetime seconds in all.  Usage: authstub.py 127.0.0.61 2525 [--max N]
[--lifetime S].  It prints "ready" on stdout once listening.
"""
import argparse
import ipaddress
import socket
import sys
import time

HOST = "authstub.lab.test"
FAIL = b"535 5.7.8 Error: authentication failed: authentication failure\r\n"


def readline(conn, buf, deadline):
    while b"\n" not in buf[0]:
        left = deadline - time.monotonic()
        if left <= 0 or len(buf[0]) > 4096:
            return None
        conn.settimeout(left)
        try:
            data = conn.recv(4096)
        except OSError:
            return None
        if not data:
            return None
        buf[0] += data
    line, _, rest = buf[0].partition(b"\n")
    buf[0] = rest
    return line.rstrip(b"\r")


def serve(conn):
    deadline = time.monotonic() + 20
    buf = [b""]
    conn.sendall(b"220 " + HOST.encode() + b" ESMTP\r\n")
    while True:
        line = readline(conn, buf, deadline)
        if line is None:
            return
        verb = line.split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            conn.sendall(b"250-" + HOST.encode() + b"\r\n250-PIPELINING\r\n"
                         b"250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
        elif verb == b"AUTH":
            words = line.split()
            mech = words[1].upper() if len(words) > 1 else b""
            if mech == b"PLAIN":
                if len(words) < 3:
                    conn.sendall(b"334 \r\n")
                    if readline(conn, buf, deadline) is None:
                        return
                conn.sendall(FAIL)
            elif mech == b"LOGIN":
                if len(words) < 3:
                    conn.sendall(b"334 VXNlcm5hbWU6\r\n")
                    if readline(conn, buf, deadline) is None:
                        return
                conn.sendall(b"334 UGFzc3dvcmQ6\r\n")
                if readline(conn, buf, deadline) is None:
                    return
                conn.sendall(FAIL)
            else:
                conn.sendall(b"504 5.5.4 Unrecognized authentication type\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            return
        elif verb in (b"MAIL", b"RCPT", b"DATA"):
            conn.sendall(b"530 5.7.0 Authentication required\r\n")
        elif verb in (b"RSET", b"NOOP"):
            conn.sendall(b"250 2.0.0 Ok\r\n")
        else:
            conn.sendall(b"502 5.5.2 Error: command not recognized\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--max", type=int, default=4)
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()
    if not ipaddress.ip_address(a.addr).is_loopback:
        sys.exit("authstub: loopback addresses only")
    end = time.monotonic() + a.lifetime
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(4)
    print("ready", flush=True)
    for _ in range(a.max):
        left = end - time.monotonic()
        if left <= 0:
            break
        ls.settimeout(left)
        try:
            conn, _ = ls.accept()
        except OSError:
            break
        with conn:
            try:
                serve(conn)
            except OSError:
                pass
    ls.close()


if __name__ == "__main__":
    main()
