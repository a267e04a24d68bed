#!/usr/bin/env python3
"""Capture real server flights for tests/unit/test_tls_flight.c.

Starts `openssl s_server` on loopback (127.0.0.28, ports 4433..), sends one
of the golden ClientHellos of this directory, saves every byte the server
answers until it falls silent, and stops the server.  Run from this
directory; it only talks to the servers it starts itself.

    python3 capture.py            # writes flight_*.bin

Scenarios (name, hello, extra s_server arguments):
  tls12_ecdhe   hello_tls12.bin      -no_tls1_3
  tls12_dhe1024 hello_tls12.bin      -no_tls1_3 -cipher DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=1
                                     -dhparam dh1024-postfix.pem
  tls13         hello_tls13.bin      (defaults)
  tls13_hrr     hello_tls13_hrr.bin  (defaults)
  alert         hello_tls12.bin      -no_tls1_3 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
"""
import os
import socket
import subprocess
import sys
import time

ADDR = "127.0.0.28"
SCENARIOS = [
    ("tls12_ecdhe", "hello_tls12.bin", ["-no_tls1_3"]),
    ("tls12_dhe1024", "hello_tls12.bin",
     ["-no_tls1_3", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=1",
      "-dhparam", "dh1024-postfix.pem"]),
    ("tls13", "hello_tls13.bin", []),
    ("tls13_hrr", "hello_tls13_hrr.bin", []),
    ("alert", "hello_tls12.bin",
     ["-no_tls1_3", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]),
]


def connect(port, deadline):
    while time.time() < deadline:
        try:
            return socket.create_connection((ADDR, port), timeout=1.0)
        except OSError:
            time.sleep(0.05)
    raise SystemExit("s_server on port %d did not come up" % port)


def capture(name, hello_file, extra, port):
    cmd = ["openssl", "s_server", "-accept", "%s:%d" % (ADDR, port),
           "-cert", "server-rsa.pem", "-key", "server-rsa.key",
           "-naccept", "1", "-quiet"] + extra
    srv = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        s = connect(port, time.time() + 5)
        with open(hello_file, "rb") as f:
            s.sendall(f.read())
        s.settimeout(1.0)
        got = b""
        while len(got) < 1 << 20:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
        s.close()
    finally:
        srv.kill()
        srv.wait()
    out = "flight_%s.bin" % name
    with open(out, "wb") as f:
        f.write(got)
    print("%-16s %5d bytes  first record type %s" %
          (out, len(got), got[0] if got else "-"))


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    for i, (name, hello, extra) in enumerate(SCENARIOS):
        capture(name, hello, extra, 4433 + i)
    return 0


if __name__ == "__main__":
    sys.exit(main())
