#!/usr/bin/env python3
"""scale_dnscount.py - a counting DNS forwarder on loopback (issue 12
point 1, bench/scale_dns.sh): listens on UDP LISTEN_ADDR:PORT, forwards
every query unchanged to UPSTREAM (the lab's resolver) and the answer
back, and appends one line per query to LOG: "qname qtype flags".  It
caches nothing, so the log is exactly what the client asked.  UDP only
(the lab's answers fit); stops after --seconds (default 600) or SIGTERM.

  scale_dnscount.py --listen 127.10.250.53 --port 53 \\
      --upstream 127.0.0.21 --log queries.txt
"""
import argparse
import select
import signal
import socket
import struct
import sys
import time

TYPES = {1: "A", 28: "AAAA", 15: "MX", 16: "TXT", 52: "TLSA", 43: "DS",
         48: "DNSKEY", 2: "NS", 6: "SOA", 5: "CNAME", 10: "NULL"}


def question(pkt):
    """(qname, qtype name, flags) of a query, or None."""
    if len(pkt) < 12:
        return None
    flags = struct.unpack("!H", pkt[2:4])[0]
    i, labels = 12, []
    while i < len(pkt) and len(labels) < 128:
        n = pkt[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:
            return None
        labels.append(pkt[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 4 > len(pkt):
        return None
    qtype = struct.unpack("!H", pkt[i:i + 2])[0]
    fl = []
    if flags & 0x0020:
        fl.append("ad")
    if flags & 0x0010:
        fl.append("cd")
    if flags & 0x0100:
        fl.append("rd")
    return (".".join(labels).lower() + ".", TYPES.get(qtype, str(qtype)),
            ",".join(fl) or "-")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.10.250.53")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--upstream", default="127.0.0.21")
    ap.add_argument("--upstream-port", type=int, default=53)
    ap.add_argument("--log", required=True)
    ap.add_argument("--seconds", type=float, default=600)
    a = ap.parse_args()
    if not (a.listen.startswith("127.") and a.upstream.startswith("127.")):
        sys.exit("scale_dnscount: loopback addresses only")
    lsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lsock.bind((a.listen, a.port))
    log = open(a.log, "a", buffering=1)
    pending = {}  # upstream socket -> (client address, time)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print("ready", flush=True)
    end = time.time() + a.seconds
    while not stop and time.time() < end:
        r, _, _ = select.select([lsock] + list(pending), [], [], 0.5)
        for s in r:
            if s is lsock:
                pkt, client = lsock.recvfrom(65535)
                q = question(pkt)
                if q:
                    log.write("%s %s %s\n" % q)
                up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                up.sendto(pkt, (a.upstream, a.upstream_port))
                pending[up] = (client, time.time())
            else:
                pkt = s.recv(65535)
                lsock.sendto(pkt, pending.pop(s)[0])
                s.close()
        now = time.time()
        for s, (_, t) in list(pending.items()):
            if now - t > 10:  # no answer: the client times out itself
                pending.pop(s)
                s.close()


if __name__ == "__main__":
    main()
