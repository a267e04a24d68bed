#!/usr/bin/env python3
"""pcap_gen.py - a large capture of mail traffic for bench/pcap_decode.sh.

Replicates the packets of the regression captures (tests/data/pcap/*.pcap:
real SMTP, STARTTLS and TLS sessions from the lab) into one classic pcap
(Ethernet, microseconds) of about --size bytes.  Every copy of a session
gets its own 4-tuple and time:

  - client address 10.a.b.c (IPv4) or fd00::a:b:c (IPv6), client port
    1024-65023, both from the copy's number, so no two live copies share a
    4-tuple;
  - server address 172.16.s.n (IPv4) or fd01::s:n (IPv6): s = the seed's
    index, n cycles through 250 servers; server port unchanged (25, 465,
    587, 2465, 2587, 2525, 53);
  - checksums valid: the templates' TCP/UDP checksums (offloaded, so
    wrong, on loopback) are computed once, each copy updates them
    incrementally (RFC 1624) and recomputes the IPv4 header checksum;
  - timestamps: copies start in waves of --concurrency sessions, 1 ms
    apart inside a wave; a wave's packets are merged in time order, so up
    to --concurrency flows are open at once (the decoder's flow table and
    reassembly caps are exercised, not only its loop).

Streaming: one wave (--concurrency sessions, a few MB) is in memory at a
time; the output is written as it goes.  Bounded: stops at --size bytes,
at --max-seconds of generation, or after --max-waves waves.

Usage: pcap_gen.py OUT.pcap [--size 1G] [--srcdir DIR] [--concurrency 200]
       [--seed 1] [--max-seconds 3600] [--max-waves N] [--seeds A,B]
Prints one line: bytes, packets, sessions, waves, seconds.
"""
import argparse
import os
import random
import struct
import sys
import time

ETH_V4 = b"\x00" * 12 + b"\x08\x00"
ETH_V6 = b"\x00" * 12 + b"\x86\xdd"


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    s = s.strip().upper().rstrip("IB").rstrip("B") if s[-1:].isalpha() \
        else s
    if s and s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(s)


def read_classic(path):
    with open(path, "rb") as f:
        d = f.read()
    if len(d) < 24:
        return None
    for e in ("<", ">"):
        m = struct.unpack(e + "I", d[:4])[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        return None
    ns = m == 0xA1B23C4D
    link = struct.unpack(e + "I", d[20:24])[0]
    recs, off = [], 24
    while off + 16 <= len(d):
        sec, frac, caplen, wirelen = struct.unpack(e + "IIII", d[off:off + 16])
        data = d[off + 16:off + 16 + caplen]
        if len(data) < caplen:
            break
        recs.append((sec * 1000000 + (frac // 1000 if ns else frac), data))
        off += 16 + caplen
    return link, recs


def l3(link, f):
    """(version, ip header bytes onward) or None."""
    if link == 1 and len(f) >= 14 and f[12:14] in (b"\x08\x00", b"\x86\xdd"):
        f = f[14:]
    elif link == 113 and len(f) >= 16:
        f = f[16:]
    elif link == 276 and len(f) >= 20:
        f = f[20:]
    elif link == 0 and len(f) >= 4:
        f = f[4:]
    elif link not in (101, 12, 228, 229):
        return None
    if not f:
        return None
    v = f[0] >> 4
    return (v, f) if v in (4, 6) else None


class Pkt:
    """A template frame with the positions to patch per copy."""
    __slots__ = ("dt", "frame", "v", "src_is_client", "ip", "l4", "proto")


def build_template(link, recs):
    """The packets of one seed as templates, or None if it has no TCP/UDP.
    The client of each flow is the sender of its first SYN, else the side
    with the higher port."""
    pkts, t0, clients = [], None, set()
    for ts, f in recs:
        x = l3(link, f)
        if not x:
            continue
        v, ip = x
        if v == 4:
            ihl = (ip[0] & 15) * 4
            proto = ip[9]
            l4 = ihl
            src, dst = ip[12:16], ip[16:20]
        else:
            proto = ip[6]
            l4 = 40
            src, dst = ip[8:24], ip[24:40]
        if proto not in (6, 17) or len(ip) < l4 + 8:
            continue
        sp, dp = struct.unpack(">HH", ip[l4:l4 + 4])
        if proto == 6 and len(ip) >= l4 + 14 and ip[l4 + 13] & 0x12 == 0x02:
            clients.add((src, sp))
        p = Pkt()
        t0 = ts if t0 is None else t0
        p.dt = ts - t0
        p.frame = (ETH_V4 if v == 4 else ETH_V6) + bytes(ip)
        p.v, p.ip, p.l4, p.proto = v, 14, 14 + l4, proto
        p.frame = fix_l4_checksum(p)
        p.src_is_client = ((src, sp), (dst, dp))  # resolved below
        pkts.append(p)
    if not pkts:
        return None
    for p in pkts:
        (s, sp), (d, dp) = p.src_is_client
        if (s, sp) in clients:
            p.src_is_client = True
        elif (d, dp) in clients:
            p.src_is_client = False
        else:
            p.src_is_client = sp > dp
    return pkts


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fix_l4_checksum(p):
    """The full TCP/UDP checksum of a template (loopback captures carry
    offloaded, i.e. wrong, checksums); copies then update it
    incrementally."""
    f = bytearray(p.frame)
    ip, l4 = p.ip, p.l4
    if p.v == 4:
        tot = struct.unpack(">H", f[ip + 2:ip + 4])[0]
        seg_len = min(len(f), ip + tot) - l4
        pseudo = bytes(f[ip + 12:ip + 20]) + struct.pack(">BBH", 0, p.proto,
                                                         seg_len)
    else:
        plen = struct.unpack(">H", f[ip + 4:ip + 6])[0]
        seg_len = min(len(f), ip + 40 + plen) - l4
        pseudo = bytes(f[ip + 8:ip + 40]) + struct.pack(">IxxxB", seg_len,
                                                        p.proto)
    co = l4 + (16 if p.proto == 6 else 6)
    if seg_len < 8 or co + 2 > l4 + seg_len:
        return bytes(f)
    f[co:co + 2] = b"\0\0"
    c = csum16(pseudo + bytes(f[l4:l4 + seg_len]))
    if p.proto == 17 and c == 0:
        c = 0xFFFF
    f[co:co + 2] = struct.pack(">H", c)
    return bytes(f)


def words(b):
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


def patch(p, cl_ip, cl_port, sv_ip):
    """A copy of p's frame with the new client/server addresses and the
    client port; checksums fixed."""
    f = bytearray(p.frame)
    ip, l4 = p.ip, p.l4
    if p.v == 4:
        so, do, alen = ip + 12, ip + 16, 4
    else:
        so, do, alen = ip + 8, ip + 24, 16
    old = bytes(f[so:so + alen]) + bytes(f[do:do + alen]) + bytes(f[l4:l4 + 4])
    if p.src_is_client:
        f[so:so + alen], f[do:do + alen] = cl_ip, sv_ip
        f[l4:l4 + 2] = struct.pack(">H", cl_port)
    else:
        f[so:so + alen], f[do:do + alen] = sv_ip, cl_ip
        f[l4 + 2:l4 + 4] = struct.pack(">H", cl_port)
    new = bytes(f[so:so + alen]) + bytes(f[do:do + alen]) + bytes(f[l4:l4 + 4])
    if p.v == 4:
        ihl = (f[ip] & 15) * 4
        f[ip + 10:ip + 12] = b"\0\0"
        f[ip + 10:ip + 12] = struct.pack(">H", csum16(bytes(f[ip:ip + ihl])))
    # RFC 1624: HC' = ~(~HC + ~m + m'), over the changed 16-bit words
    co = l4 + (16 if p.proto == 6 else 6)
    if co + 2 <= len(f):
        hc = struct.unpack(">H", f[co:co + 2])[0]
        if not (p.proto == 17 and hc == 0):
            s = (~hc & 0xFFFF) + (0xFFFF * (len(old) // 2) - words(old)) + \
                words(new)
            while s >> 16:
                s = (s & 0xFFFF) + (s >> 16)
            f[co:co + 2] = struct.pack(">H", ~s & 0xFFFF)
    return bytes(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--size", default="1G")
    ap.add_argument("--srcdir", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=3600)
    ap.add_argument("--max-waves", type=int, default=10 ** 7)
    ap.add_argument("--seeds", default="",
                    help="only captures whose name contains one of these "
                         "comma-separated strings")
    a = ap.parse_args()
    size = parse_size(a.size)
    pdir = os.path.join(a.srcdir, "tests", "data", "pcap")
    seeds = []
    for name in sorted(os.listdir(pdir)):
        # whole classic captures only (not the truncated one)
        if not name.endswith(".pcap") or "truncated" in name:
            continue
        if a.seeds and not any(x in name for x in a.seeds.split(",")):
            continue
        r = read_classic(os.path.join(pdir, name))
        if r:
            t = build_template(*r)
            if t:
                seeds.append((name, t))
    if not seeds:
        sys.exit("pcap_gen: no usable captures in " + pdir)
    rng = random.Random(a.seed)
    t_start = time.monotonic()
    base = 1796601600 * 1000000  # 2026-12-07 00:00 UTC, in us
    written = npk = nsess = waves = 0
    with open(a.out, "wb", buffering=1 << 20) as o:
        o.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        written = 24
        k = 0
        while written < size and waves < a.max_waves and \
                time.monotonic() - t_start < a.max_seconds:
            wave = []
            span = 0
            for j in range(a.concurrency):
                si = rng.randrange(len(seeds))
                pkts = seeds[si][1]
                start = j * 1000
                if pkts[0].v == 4:
                    cl = bytes((10, (k >> 16) & 255, (k >> 8) & 255, k & 255))
                    sv = bytes((172, 16, si & 255, 1 + k % 250))
                else:
                    cl = b"\xfd" + b"\0" * 12 + struct.pack(">I", k)[1:]
                    sv = b"\xfd\x01" + b"\0" * 12 + bytes((si & 255,
                                                            1 + k % 250))
                port = 1024 + k % 64000
                for p in pkts:
                    wave.append((start + p.dt, patch(p, cl, port, sv)))
                span = max(span, start + pkts[-1].dt)
                k += 1
                nsess += 1
            wave.sort(key=lambda x: x[0])
            out = []
            for dt, f in wave:
                ts = base + dt
                out.append(struct.pack("<IIII", ts // 1000000, ts % 1000000,
                                       len(f), len(f)))
                out.append(f)
                written += 16 + len(f)
                npk += 1
            o.write(b"".join(out))
            base += span + 1000
            waves += 1
    print("%d bytes, %d packets, %d sessions, %d waves, %.1f s" % (
        written, npk, nsess, waves, time.monotonic() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
