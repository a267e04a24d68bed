#!/usr/bin/env python3
"""pcap_sweep.py - the malformed-capture sweep (issue 9 point 6).

Derives >= 1,000 broken captures from the regression captures in
tests/data/pcap/ (deterministically: --seed) and runs

    $MXPROBE pcap FILE --json

on each with a per-file timeout.  A run FAILS when it
  - dies of a signal (ASan/UBSan builds abort on an error),
  - leaves a sanitizer report on stderr ("AddressSanitizer", "runtime
    error:", "LeakSanitizer", ...),
  - exits with a status other than 0, 1, 2 or 3,
  - does not finish within --timeout seconds (a hang), or
  - exits 0-2 with stdout that is not one JSON document valid against
    doc/mxprobe-pcap.schema.json (the schema part needs python3-jsonschema;
    without it, or with --no-schema, JSON syntax only), or
  - (unmutated seeds only) shows the AUTH canary password of
    authstub_swaks_plaintext.pcap or its base64 on stdout or stderr.
Every --text-every'th capture (default 4th) is also read without --json:
the same checks but JSON, and no raw control byte (C0 but TAB/LF/CR,
DEL, C1) on stdout or stderr - peer text must be escaped.
It prints one line per failure, then "N captures, N crashes" (crashes =
every failure above; hangs and bad JSON are also counted apart) and exits 1
if there was any failure, 0 otherwise.

Variants (see MUTATORS): truncation inside the file header, a record header
and packet data; bit flips (anywhere, in TCP payload); record lengths
(caplen > len, caplen huge or short, len 0); snaplen 0/huge and real
snapping (-s 96); wrong magic and version; link type changed; records
reordered, reversed, duplicated (retransmissions), dropped (gaps, capture
starting mid-flow); TCP segments split (1-byte segments, TLS records cut
across segments), overlapping retransmissions with other bytes, sequence
numbers wrapping 2^32; TLS record/handshake length fields broken; IP/TCP
header fields broken (IHL, total length, fragments, data offset, IPv6
extension headers); timestamps backwards or invalid; two captures
interleaved; many concurrent flows; garbage after the last record; and for
pcapng (the .pcapng seeds and classic seeds converted): block total length
0/4/huge/odd, trailing length mismatch, byte-order magic, section length,
interface id out of range, EPB caplen beyond the block, broken options,
unknown and simple packet blocks, a second section of the other byte order,
truncation inside blocks.

Usage:
  MXPROBE=./mxprobe pcap_sweep.py [--srcdir DIR] [--count N] [--seed S]
        [--timeout S] [--jobs N] [--keep DIR] [--only KIND,...]
  pcap_sweep.py --generate-only DIR [...]   write the variants, run nothing
  pcap_sweep.py --list-kinds

The generated files live in a temporary directory that is removed at the
end (failing inputs are copied to --keep DIR when given).  Memory: every
seed is small; the largest variant (many flows) is a few MB.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

# ---- classic pcap -----------------------------------------------------------

MAGIC_US = 0xA1B2C3D4
MAGIC_NS = 0xA1B23C4D


class Cap:
    """A classic pcap in memory: e = '<' or '>', hdr fields, records."""

    def __init__(self, e, vmaj, vmin, tz, sig, snap, link, recs, magic):
        self.e, self.vmaj, self.vmin, self.tz, self.sig = e, vmaj, vmin, tz, sig
        self.snap, self.link, self.recs, self.magic = snap, link, recs, magic

    def copy(self):
        return Cap(self.e, self.vmaj, self.vmin, self.tz, self.sig, self.snap,
                   self.link, [list(r) for r in self.recs], self.magic)


def read_classic(d):
    if len(d) < 24:
        return None
    for e in ("<", ">"):
        m = struct.unpack(e + "I", d[:4])[0]
        if m in (MAGIC_US, MAGIC_NS):
            break
    else:
        return None
    vmaj, vmin, tz, sig, snap, link = struct.unpack(e + "HHiIII", d[4:24])
    recs, off = [], 24
    while off + 16 <= len(d):
        sec, frac, caplen, wirelen = struct.unpack(e + "IIII", d[off:off + 16])
        data = d[off + 16:off + 16 + caplen]
        if len(data) < caplen:
            break
        recs.append([sec, frac, caplen, wirelen, bytes(data)])
        off += 16 + caplen
    return Cap(e, vmaj, vmin, tz, sig, snap, link, recs, m)


def write_classic(c, fix_caplen=True):
    out = [struct.pack(c.e + "IHHiIII", c.magic, c.vmaj, c.vmin, c.tz, c.sig,
                       c.snap, c.link)]
    for sec, frac, caplen, wirelen, data in c.recs:
        if fix_caplen:
            caplen = len(data)
        out.append(struct.pack(c.e + "IIII", sec & 0xFFFFFFFF,
                               frac & 0xFFFFFFFF, caplen & 0xFFFFFFFF,
                               wirelen & 0xFFFFFFFF) + data)
    return b"".join(out)


def rec_offsets(c):
    offs, off = [], 24
    for r in c.recs:
        offs.append(off)
        off += 16 + len(r[4])
    return offs


# ---- pcapng -----------------------------------------------------------------

def pad4(n):
    return (n + 3) & ~3


def ng_block(e, btype, body):
    body = body + b"\0" * (pad4(len(body)) - len(body))
    tl = 12 + len(body)
    return struct.pack(e + "II", btype, tl) + body + struct.pack(e + "I", tl)


def ng_opt(e, code, val):
    return struct.pack(e + "HH", code, len(val)) + val + \
        b"\0" * (pad4(len(val)) - len(val))


def to_pcapng(c, e="<", comments=True):
    """A classic capture as pcapng: SHB, IDB, one EPB per record."""
    shb = struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + \
        ng_opt(e, 4, b"pcap_sweep.py") + ng_opt(e, 0, b"")
    idb = struct.pack(e + "HHI", c.link & 0xFFFF, 0, c.snap & 0xFFFFFFFF) + \
        ng_opt(e, 9, b"\x06") + ng_opt(e, 0, b"")
    out = [ng_block(e, 0x0A0D0D0A, shb), ng_block(e, 1, idb)]
    div = 1000 if c.magic == MAGIC_NS else 1
    for i, (sec, frac, caplen, wirelen, data) in enumerate(c.recs):
        ts = sec * 1000000 + frac // div
        body = struct.pack(e + "IIIII", 0, (ts >> 32) & 0xFFFFFFFF,
                           ts & 0xFFFFFFFF, len(data), wirelen) + data
        body += b"\0" * (pad4(len(data)) - len(data))
        if comments and i % 3 == 0:
            body += ng_opt(e, 1, b"frame %d" % (i + 1)) + ng_opt(e, 0, b"")
        out.append(ng_block(e, 6, body))
    return b"".join(out)


def read_pcapng_blocks(d):
    """[(offset, type, total_len)] of a well-formed pcapng, and its e."""
    if len(d) < 12 or d[:4] != b"\x0a\x0d\x0d\x0a":
        return None, None
    bom = d[8:12]
    e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
    blocks, off = [], 0
    while off + 12 <= len(d):
        bt, tl = struct.unpack(e + "II", d[off:off + 8])
        if tl < 12 or off + tl > len(d):
            break
        blocks.append((off, bt, tl))
        off += tl
    return blocks, e


def pcapng_to_classic(d):
    """Best effort: the EPBs of one IDB as a Cap (for the TCP mutators)."""
    blocks, e = read_pcapng_blocks(d)
    if not blocks:
        return None
    link, snap, recs = 1, 262144, []
    for off, bt, tl in blocks:
        if bt == 1:
            link, _, snap = struct.unpack(e + "HHI", d[off + 8:off + 16])
        elif bt == 6:
            _, hi, lo, caplen, wirelen = struct.unpack(
                e + "IIIII", d[off + 8:off + 28])
            ts = (hi << 32) | lo
            recs.append([ts // 1000000, ts % 1000000, caplen, wirelen,
                         d[off + 28:off + 28 + caplen]])
    return Cap("<", 2, 4, 0, 0, snap, link, recs, MAGIC_US)


# ---- IP / TCP inside a frame --------------------------------------------------

def l3_off(link, f):
    """Offset of the IP header in frame f, or None."""
    if link == 1:
        if len(f) >= 14 and f[12:14] in (b"\x08\x00", b"\x86\xdd"):
            return 14
    elif link == 113:
        if len(f) >= 16 and f[14:16] in (b"\x08\x00", b"\x86\xdd"):
            return 16
    elif link == 276:
        if len(f) >= 20 and f[0:2] in (b"\x08\x00", b"\x86\xdd"):
            return 20
    elif link in (101, 12, 228, 229):
        return 0
    elif link == 0:
        return 4 if len(f) >= 4 else None
    return None


def tcp_of(link, f):
    """(ip_off, v6, tcp_off, payload_off, payload_end) or None."""
    o = l3_off(link, f)
    if o is None or len(f) < o + 20:
        return None
    v = f[o] >> 4
    if v == 4:
        ihl = (f[o] & 15) * 4
        if f[o + 9] != 6 or ihl < 20:
            return None
        tot = struct.unpack(">H", f[o + 2:o + 4])[0]
        t = o + ihl
        end = min(len(f), o + tot)
        v6 = False
    elif v == 6:
        if len(f) < o + 40 or f[o + 6] != 6:
            return None
        t = o + 40
        end = min(len(f), t + struct.unpack(">H", f[o + 4:o + 6])[0])
        v6 = True
    else:
        return None
    if len(f) < t + 20:
        return None
    doff = (f[t + 12] >> 4) * 4
    if doff < 20 or t + doff > end:
        return None
    return o, v6, t, t + doff, end


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fix_lengths(link, f, tp):
    """After a payload change: IP total length (v4 header checksum too)."""
    o, v6, t, p, end = tp
    f = bytearray(f)
    if v6:
        f[o + 4:o + 6] = struct.pack(">H", len(f) - (o + 40))
    else:
        f[o + 2:o + 4] = struct.pack(">H", len(f) - o)
        ihl = (f[o] & 15) * 4
        f[o + 10:o + 12] = b"\0\0"
        f[o + 10:o + 12] = struct.pack(">H", csum(bytes(f[o:o + ihl])))
    return bytes(f)


def with_payload(link, f, tp, payload, seq_delta=0):
    o, v6, t, p, end = tp
    nf = bytearray(f[:p] + payload)
    seq = struct.unpack(">I", nf[t + 4:t + 8])[0]
    nf[t + 4:t + 8] = struct.pack(">I", (seq + seq_delta) & 0xFFFFFFFF)
    return fix_lengths(link, bytes(nf), (o, v6, t, p, len(nf)))


def flow_key(f, tp):
    o, v6, t, p, end = tp
    if v6:
        src, dst = f[o + 8:o + 24], f[o + 24:o + 40]
    else:
        src, dst = f[o + 12:o + 16], f[o + 16:o + 20]
    return src, dst, f[t:t + 2], f[t + 2:t + 4]


def payload_frames(c):
    """Indexes of records with a TCP payload."""
    out = []
    for i, r in enumerate(c.recs):
        tp = tcp_of(c.link, r[4])
        if tp and tp[4] > tp[3]:
            out.append(i)
    return out


def tls_frames(c):
    out = []
    for i, r in enumerate(c.recs):
        tp = tcp_of(c.link, r[4])
        if tp and tp[4] - tp[3] >= 5 and r[4][tp[3]] == 0x16 and \
                r[4][tp[3] + 1] == 3:
            out.append(i)
    return out


# ---- mutators ---------------------------------------------------------------
# Each takes (rng, raw bytes, Cap or None) and returns bytes or None (not
# applicable).  Names become the variant's file name.

def m_trunc_filehdr(rng, d, c):
    return d[:rng.randrange(0, 24)]


def m_trunc_rechdr(rng, d, c):
    if not c or not c.recs:
        return None
    off = rng.choice(rec_offsets(c))
    return d[:off + rng.randrange(1, 16)]


def m_trunc_data(rng, d, c):
    if not c or not c.recs:
        return None
    i = rng.randrange(len(c.recs))
    off, n = rec_offsets(c)[i], len(c.recs[i][4])
    if n < 2:
        return None
    return d[:off + 16 + rng.randrange(1, n)]


def m_trunc_any(rng, d, c):
    return d[:rng.randrange(0, len(d))] if d else None


def m_bitflip(rng, d, c):
    b = bytearray(d)
    if not b:
        return None
    for _ in range(rng.choice([1, 1, 2, 4, 8, 32, 128])):
        k = rng.randrange(len(b))
        b[k] ^= 1 << rng.randrange(8)
    return bytes(b)


def m_byteset(rng, d, c):
    b = bytearray(d)
    if not b:
        return None
    for _ in range(rng.choice([1, 2, 4, 16])):
        k = rng.randrange(len(b))
        b[k] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    return bytes(b)


def m_flip_payload(rng, d, c):
    if not c:
        return None
    idx = payload_frames(c)
    if not idx:
        return None
    c = c.copy()
    for _ in range(rng.choice([1, 2, 8])):
        r = c.recs[rng.choice(idx)]
        tp = tcp_of(c.link, r[4])
        if not tp:
            continue
        b = bytearray(r[4])
        for _ in range(rng.choice([1, 3, 10])):
            k = rng.randrange(tp[3], tp[4])
            b[k] ^= 1 << rng.randrange(8)
        r[4] = bytes(b)
    return write_classic(c)


def set_rec_field(rng, c, field, value, all_recs=False):
    c = c.copy()
    targets = range(len(c.recs)) if all_recs else [rng.randrange(len(c.recs))]
    for i in targets:
        c.recs[i][field] = value(c.recs[i]) if callable(value) else value
    return c


def m_caplen_gt_len(rng, d, c):
    if not c or not c.recs:
        return None
    c = set_rec_field(rng, c, 3, lambda r: max(0, len(r[4]) - rng.randrange(1, 60)),
                      all_recs=rng.random() < 0.3)
    return write_classic(c)


def m_caplen_huge(rng, d, c):
    if not c or not c.recs:
        return None
    c = c.copy()
    i = rng.randrange(len(c.recs))
    v = rng.choice([0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0x10000000,
                    c.snap + 1, 262145, 0x40000, 65536, len(d)])
    out = bytearray(write_classic(c))
    off = rec_offsets(c)[i]
    out[off + 8:off + 12] = struct.pack(c.e + "I", v & 0xFFFFFFFF)
    return bytes(out)


def m_caplen_short(rng, d, c):
    if not c or not c.recs:
        return None
    i = rng.randrange(len(c.recs))
    out = bytearray(d)
    off = rec_offsets(c)[i]
    n = len(c.recs[i][4])
    out[off + 8:off + 12] = struct.pack(c.e + "I", rng.randrange(0, max(1, n)))
    return bytes(out)


def m_len_zero(rng, d, c):
    if not c or not c.recs:
        return None
    c = set_rec_field(rng, c, 3, 0, all_recs=rng.random() < 0.5)
    if rng.random() < 0.3:
        c.recs[rng.randrange(len(c.recs))][4] = b""
    return write_classic(c)


def m_snaplen(rng, d, c):
    if not c:
        return None
    c = c.copy()
    c.snap = rng.choice([0, 1, 14, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000,
                         65535 * 1000])
    return write_classic(c)


def m_snap_cut(rng, d, c):
    """Real snapping (tcpdump -s N): caplen < len, TLS records cut."""
    if not c:
        return None
    c = c.copy()
    s = rng.choice([14, 34, 54, 60, 68, 96, 128, 200, 300, 1000])
    c.snap = s
    for r in c.recs:
        r[4] = r[4][:s]
    return write_classic(c)


def m_magic(rng, d, c):
    if len(d) < 4:
        return None
    m = rng.choice([b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1",
                    b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                    b"\x0a\x0d\x0d\x0a", b"\x00\x00\x00\x00",
                    b"\xff\xff\xff\xff", b"\xa1\xb2\xcd\x34",
                    bytes(rng.randrange(256) for _ in range(4))])
    return m + d[4:]


def m_version(rng, d, c):
    if not c:
        return None
    c = c.copy()
    c.vmaj, c.vmin = rng.choice([(1, 0), (2, 2), (3, 0), (0, 0), (2, 0),
                                 (65535, 65535), (4, 2)])
    return write_classic(c)


def m_linktype(rng, d, c):
    if not c:
        return None
    c = c.copy()
    c.link = rng.choice([0, 1, 9, 12, 14, 101, 104, 105, 108, 113, 127, 147,
                         192, 228, 229, 239, 276, 0xFFFF, 0x10000 | 1,
                         0xFFFFFFFF, rng.randrange(1 << 32)])
    return write_classic(c)


def m_swap_adjacent(rng, d, c):
    if not c or len(c.recs) < 3:
        return None
    c = c.copy()
    for _ in range(rng.choice([1, 2, 5])):
        i = rng.randrange(len(c.recs) - 1)
        c.recs[i], c.recs[i + 1] = c.recs[i + 1], c.recs[i]
    return write_classic(c)


def m_shuffle_window(rng, d, c):
    if not c or len(c.recs) < 3:
        return None
    c = c.copy()
    w = rng.choice([3, 4, 6])
    for i in range(0, len(c.recs), w):
        part = c.recs[i:i + w]
        rng.shuffle(part)
        c.recs[i:i + w] = part
    return write_classic(c)


def m_reverse(rng, d, c):
    if not c or len(c.recs) < 2:
        return None
    c = c.copy()
    c.recs.reverse()
    return write_classic(c)


def m_duplicate(rng, d, c):
    if not c or not c.recs:
        return None
    c = c.copy()
    if rng.random() < 0.2:
        c.recs = [r for r in c.recs for _ in (0, 1)]
    else:
        for _ in range(rng.choice([1, 3, 10])):
            i = rng.randrange(len(c.recs))
            j = min(len(c.recs), i + 1 + rng.choice([0, 0, 2, 5]))
            c.recs.insert(j, list(c.recs[i]))
    return write_classic(c)


def m_drop(rng, d, c):
    if not c or len(c.recs) < 2:
        return None
    c = c.copy()
    how = rng.choice(["random", "head", "syn", "tls"])
    if how == "head":  # the capture starts mid-flow
        del c.recs[:rng.randrange(1, len(c.recs))]
    elif how == "tls" and tls_frames(c):
        del c.recs[rng.choice(tls_frames(c))]
    elif how == "syn":
        del c.recs[0]
    else:
        for _ in range(rng.choice([1, 2, 4])):
            if len(c.recs) > 1:
                del c.recs[rng.randrange(len(c.recs))]
    return write_classic(c)


def m_split_segment(rng, d, c):
    """A TCP segment cut into pieces (TLS records across segments), the
    pieces maybe out of order or repeated."""
    if not c:
        return None
    idx = tls_frames(c) or payload_frames(c)
    if not idx:
        return None
    c = c.copy()
    for i in sorted(rng.sample(idx, min(len(idx), rng.choice([1, 2, 3]))),
                    reverse=True):
        r = c.recs[i]
        tp = tcp_of(c.link, r[4])
        pl = r[4][tp[3]:tp[4]]
        if len(pl) < 2:
            continue
        if rng.random() < 0.25 and len(pl) <= 400:
            cuts = list(range(1, len(pl)))  # 1-byte segments
        else:
            cuts = sorted(rng.sample(range(1, len(pl)),
                                     min(len(pl) - 1, rng.choice([1, 2, 5]))))
        pieces, prev = [], 0
        for k in cuts + [len(pl)]:
            f = with_payload(c.link, r[4], tp, pl[prev:k], seq_delta=prev)
            pieces.append([r[0], r[1], len(f), len(f), f])
            prev = k
        mode = rng.random()
        if mode < 0.3:
            rng.shuffle(pieces)
        elif mode < 0.45:
            pieces = pieces + pieces[:rng.randrange(1, len(pieces) + 1)]
        c.recs[i:i + 1] = pieces
    return write_classic(c)


def m_overlap(rng, d, c):
    """A retransmission that overlaps with different bytes."""
    if not c:
        return None
    idx = payload_frames(c)
    if not idx:
        return None
    c = c.copy()
    i = rng.choice(idx)
    r = c.recs[i]
    tp = tcp_of(c.link, r[4])
    pl = bytearray(r[4][tp[3]:tp[4]])
    shift = rng.randrange(0, max(1, len(pl)))
    for _ in range(rng.choice([1, 5, len(pl)])):
        pl[rng.randrange(len(pl))] = rng.randrange(256)
    extra = bytes(rng.randrange(256) for _ in range(rng.choice([0, 10, 300])))
    f = with_payload(c.link, r[4], tp, bytes(pl[shift:]) + extra,
                     seq_delta=shift)
    c.recs.insert(i + rng.choice([1, 2, 4]), [r[0], r[1], len(f), len(f), f])
    return write_classic(c)


def m_seq_wrap(rng, d, c):
    """Sequence numbers that wrap past 2^32 in the middle of the stream."""
    if not c:
        return None
    first = {}
    for r in c.recs:
        tp = tcp_of(c.link, r[4])
        if tp:
            k = flow_key(r[4], tp)
            first.setdefault(k, struct.unpack(">I", r[4][tp[2] + 4:tp[2] + 8])[0])
    if not first:
        return None
    delta = {k: ((1 << 32) - rng.randrange(1, 4000) - v) & 0xFFFFFFFF
             for k, v in first.items()}
    c = c.copy()
    for r in c.recs:
        tp = tcp_of(c.link, r[4])
        if not tp:
            continue
        t = tp[2]
        k = flow_key(r[4], tp)
        rk = (k[1], k[0], k[3], k[2])
        b = bytearray(r[4])
        seq, ack = struct.unpack(">II", b[t + 4:t + 12])
        seq = (seq + delta.get(k, 0)) & 0xFFFFFFFF
        if b[t + 13] & 0x10:
            ack = (ack + delta.get(rk, 0)) & 0xFFFFFFFF
        b[t + 4:t + 12] = struct.pack(">II", seq, ack)
        r[4] = bytes(b)
    return write_classic(c)


def m_tls_len(rng, d, c):
    """TLS record / handshake / certificate-list lengths broken."""
    if not c:
        return None
    idx = tls_frames(c)
    if not idx:
        return None
    c = c.copy()
    r = c.recs[rng.choice(idx)]
    tp = tcp_of(c.link, r[4])
    b = bytearray(r[4])
    p = tp[3]
    what = rng.choice(["rec", "hs", "hs", "inner", "type", "version"])
    if what == "rec":
        b[p + 3:p + 5] = struct.pack(">H", rng.choice(
            [0, 1, 3, 4, 0x4000, 0x4001, 0x4800, 0xFFFF,
             max(0, struct.unpack(">H", b[p + 3:p + 5])[0] - 1)]))
    elif what == "hs" and tp[4] - p >= 9:
        b[p + 6:p + 9] = rng.choice([b"\0\0\0", b"\0\0\1", b"\xff\xff\xff",
                                     b"\x01\x00\x00", b"\x00\x40\x00"])
    elif what == "inner":
        # somewhere after the handshake header: a 2- or 3-byte length
        if tp[4] - p > 20:
            k = rng.randrange(p + 9, tp[4] - 3)
            b[k:k + 3] = rng.choice([b"\xff\xff\xff", b"\x00\x00\x00",
                                     b"\x7f\xff\xff", b"\x00\xff\xff"])
    elif what == "type" and tp[4] - p >= 6:
        b[p + 5] = rng.choice([0, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20, 24,
                               254, 255])
    else:
        b[p + 1:p + 3] = rng.choice([b"\x00\x02", b"\x03\x05", b"\xfe\xff",
                                     b"\x7f\x1c"])
    r[4] = bytes(b)
    return write_classic(c)


def m_ip_hdr(rng, d, c):
    if not c:
        return None
    idx = payload_frames(c) or list(range(len(c.recs)))
    if not idx:
        return None
    c = c.copy()
    r = c.recs[rng.choice(idx)]
    tp = tcp_of(c.link, r[4])
    o = l3_off(c.link, r[4])
    if o is None or len(r[4]) < o + 20:
        return None
    b = bytearray(r[4])
    what = rng.choice(["ihl", "totlen", "frag", "proto", "doff", "v6ext",
                       "v6len", "version"])
    v6 = b[o] >> 4 == 6
    if what == "ihl" and not v6:
        b[o] = 0x40 | rng.choice([0, 1, 4, 5, 6, 15])
    elif what == "totlen" and not v6:
        b[o + 2:o + 4] = struct.pack(">H", rng.choice([0, 1, 19, 20, 40,
                                                        0xFFFF]))
    elif what == "frag" and not v6:
        b[o + 6:o + 8] = rng.choice([b"\x20\x00", b"\x00\x10", b"\x3f\xff",
                                     b"\x40\x00"])
    elif what == "proto":
        b[o + (6 if v6 else 9)] = rng.choice([0, 17, 41, 43, 44, 58, 255])
    elif what == "doff" and tp:
        b[tp[2] + 12] = rng.choice([0, 1, 4, 15]) << 4
    elif what == "v6ext" and v6 and len(b) >= o + 48:
        # next header: hop-by-hop, routing, destination options chained
        b[o + 6] = rng.choice([0, 43, 60, 44])
        b[o + 40] = rng.choice([0, 43, 60, 6, 59])
        b[o + 41] = rng.choice([0, 1, 255])
    elif what == "v6len" and v6:
        b[o + 4:o + 6] = struct.pack(">H", rng.choice([0, 1, 0xFFFF]))
    else:
        b[o] = (rng.choice([0, 4, 5, 6, 7, 15]) << 4) | (b[o] & 15)
    r[4] = bytes(b)
    return write_classic(c)


def m_timestamps(rng, d, c):
    if not c or not c.recs:
        return None
    c = c.copy()
    how = rng.choice(["back", "usec", "zero", "huge", "jitter"])
    for i, r in enumerate(c.recs):
        if how == "back":
            r[0] = max(0, r[0] - i * 7)
        elif how == "usec":
            r[1] = rng.choice([1000000, 999999999, 0xFFFFFFFF, r[1]])
        elif how == "zero":
            r[0] = r[1] = 0
        elif how == "huge":
            r[0] = 0xFFFFFFFF - i
        else:
            r[0] += rng.randrange(-100, 100)
            r[0] &= 0xFFFFFFFF
    return write_classic(c)


def m_garbage_tail(rng, d, c):
    n = rng.choice([1, 7, 15, 16, 17, 100, 5000])
    return d + bytes(rng.randrange(256) for _ in range(n))


def m_empty(rng, d, c):
    if not c:
        return b""
    return rng.choice([b"", write_classic(Cap(c.e, c.vmaj, c.vmin, 0, 0,
                                                c.snap, c.link, [],
                                                c.magic))])


def m_many_flows(rng, d, c):
    """The capture's flows replayed with many client ports at once."""
    if not c or not c.recs or len(c.recs) > 60:
        return None
    n = rng.choice([50, 300, 600])
    recs = []
    for k in range(n):
        for r in c.recs:
            tp = tcp_of(c.link, r[4])
            if not tp:
                continue
            b = bytearray(r[4])
            t = tp[2]
            sp, dp = struct.unpack(">HH", b[t:t + 4])
            if sp > dp:
                sp = 1024 + k
            else:
                dp = 1024 + k
            b[t:t + 4] = struct.pack(">HH", sp, dp)
            recs.append([r[0], r[1], len(b), r[3], bytes(b)])
    if not recs:
        return None
    # interleave: flows overlap
    rng.shuffle(recs) if rng.random() < 0.2 else recs.sort(
        key=lambda x: (x[0], x[1]))
    c = c.copy()
    c.recs = recs
    return write_classic(c)


# Two captures interleaved: needs the other seed, filled in by the driver.
def m_interleave(rng, d, c, other=None):
    if not c or other is None:
        return None
    c = c.copy()
    oc = other.copy()
    oc_recs = [r for r in oc.recs]
    out = []
    while c.recs or oc_recs:
        src = c.recs if (c.recs and (not oc_recs or rng.random() < 0.5)) \
            else oc_recs
        out.append(src.pop(0))
    c.recs = out
    return write_classic(c)


# ---- pcapng mutators ----------------------------------------------------------

def ng_source(rng, d, c):
    """The pcapng bytes to mutate: the seed itself or a conversion."""
    if d[:4] == b"\x0a\x0d\x0d\x0a":
        return d
    if c:
        return to_pcapng(c, e=rng.choice(["<", "<", ">"]))
    return None


def n_block_len(rng, d, c):
    d = ng_source(rng, d, c)
    blocks, e = read_pcapng_blocks(d) if d else (None, None)
    if not blocks:
        return None
    off, bt, tl = rng.choice(blocks)
    b = bytearray(d)
    v = rng.choice([0, 4, 8, 11, 12, 13, tl + 4, tl - 4, tl + 1, 0x7FFFFFFF,
                    0xFFFFFFFF, 0xFFFFFFFC, len(d) * 2])
    v &= 0xFFFFFFFF
    if rng.random() < 0.7:
        b[off + 4:off + 8] = struct.pack(e + "I", v)
    else:
        b[off + tl - 4:off + tl] = struct.pack(e + "I", v)  # trailer only
    return bytes(b)


def n_shb(rng, d, c):
    d = ng_source(rng, d, c)
    if not d or len(d) < 28:
        return None
    b = bytearray(d)
    what = rng.choice(["bom", "version", "seclen"])
    if what == "bom":
        b[8:12] = rng.choice([b"\0\0\0\0", b"\x1a\x2b\x3c\x4e",
                              b"\x4d\x3c\x2b\x1a"[::-1], b"\xff\xff\xff\xff"])
    elif what == "version":
        b[12:16] = rng.choice([b"\x02\x00\x00\x00", b"\x00\x00\x00\x00",
                               b"\xff\xff\xff\xff"])
    else:
        b[16:24] = rng.choice([b"\0" * 8, b"\x10\0\0\0\0\0\0\0",
                               b"\xff\xff\xff\xff\xff\xff\xff\x7f"])
    return bytes(b)


def n_idb(rng, d, c):
    d = ng_source(rng, d, c)
    blocks, e = read_pcapng_blocks(d) if d else (None, None)
    if not blocks:
        return None
    idbs = [x for x in blocks if x[1] == 1]
    if not idbs:
        return None
    off, bt, tl = rng.choice(idbs)
    b = bytearray(d)
    what = rng.choice(["link", "snap", "tsresol", "drop"])
    if what == "link":
        b[off + 8:off + 10] = struct.pack(e + "H", rng.choice(
            [0, 9, 101, 113, 147, 276, 0xFFFF]))
    elif what == "snap":
        b[off + 12:off + 16] = struct.pack(e + "I", rng.choice(
            [0, 1, 0xFFFFFFFF]))
    elif what == "tsresol":
        # an if_tsresol option with an odd value (2^-127, 10^-255)
        body = struct.pack(e + "HHI", 1, 0, 65535) + \
            ng_opt(e, 9, bytes([rng.choice([0x7F, 0xFF, 0x80, 0, 19])])) + \
            ng_opt(e, 0, b"")
        b[off:off + tl] = ng_block(e, 1, body)
    else:
        del b[off:off + tl]  # packets that name no interface
    return bytes(b)


def n_epb(rng, d, c):
    d = ng_source(rng, d, c)
    blocks, e = read_pcapng_blocks(d) if d else (None, None)
    if not blocks:
        return None
    epbs = [x for x in blocks if x[1] == 6 and x[2] >= 32]
    if not epbs:
        return None
    off, bt, tl = rng.choice(epbs)
    b = bytearray(d)
    what = rng.choice(["ifid", "caplen", "caplen", "wirelen", "opt"])
    if what == "ifid":
        b[off + 8:off + 12] = struct.pack(e + "I", rng.choice(
            [1, 7, 0xFFFFFFFF]))
    elif what == "caplen":
        b[off + 20:off + 24] = struct.pack(e + "I", rng.choice(
            [tl, tl - 27, tl - 28, tl + 100, 0xFFFFFFFF, 0x80000000, 65536]))
    elif what == "wirelen":
        b[off + 24:off + 28] = struct.pack(e + "I", rng.choice([0, 1]))
    else:
        caplen = struct.unpack(e + "I", b[off + 20:off + 24])[0]
        o = off + 28 + pad4(caplen)
        if o + 4 <= off + tl - 4:
            b[o + 2:o + 4] = struct.pack(e + "H", rng.choice(
                [0xFFFF, 0xFFFC, tl, 1]))
        else:
            return None
    return bytes(b)


def n_blocks(rng, d, c):
    """Unknown / simple packet / custom blocks, a second section of the
    other byte order, an EPB before any IDB."""
    d = ng_source(rng, d, c)
    blocks, e = read_pcapng_blocks(d) if d else (None, None)
    if not blocks:
        return None
    what = rng.choice(["unknown", "spb", "section", "epb_first", "dup_idb"])
    k = rng.randrange(1, len(blocks) + 1)
    cut = blocks[k - 1][0] + blocks[k - 1][2]
    if what == "unknown":
        ins = ng_block(e, rng.choice([0x0BAD, 0x80000001, 0x40000BAD, 5, 3,
                                      0x0A0D0D0B]),
                       bytes(rng.randrange(256) for _ in range(rng.choice(
                           [0, 3, 20, 100]))))
    elif what == "spb":
        pkt = c.recs[0][4] if c and c.recs else b"\0" * 20
        ins = ng_block(e, 3, struct.pack(e + "I", rng.choice(
            [len(pkt), 0xFFFF, 0])) + pkt)
    elif what == "section":
        oe = ">" if e == "<" else "<"
        ins = ng_block(oe, 0x0A0D0D0A, struct.pack(oe + "IHHq", 0x1A2B3C4D,
                                                     1, 0, -1)) + \
            ng_block(oe, 1, struct.pack(oe + "HHI", 1, 0, 65535))
        if c and c.recs:
            f = c.recs[-1][4]
            ins += ng_block(oe, 6, struct.pack(oe + "IIIII", 0, 0, 0, len(f),
                                                 len(f)) + f)
    elif what == "epb_first":
        epbs = [x for x in blocks if x[1] == 6]
        if not epbs:
            return None
        off, bt, tl = epbs[0]
        return d[:28] + d[off:off + tl] + d[28:] if len(d) > 28 else None
    else:
        idbs = [x for x in blocks if x[1] == 1]
        if not idbs:
            return None
        off, bt, tl = idbs[0]
        ins = d[off:off + tl] * rng.choice([1, 50])
    return d[:cut] + ins + d[cut:]


def n_trunc(rng, d, c):
    d = ng_source(rng, d, c)
    blocks, e = read_pcapng_blocks(d) if d else (None, None)
    if not blocks:
        return None
    off, bt, tl = rng.choice(blocks)
    return d[:off + rng.randrange(0, tl)]


def n_flip(rng, d, c):
    d = ng_source(rng, d, c)
    return m_bitflip(rng, d, None) if d else None


MUTATORS = [
    ("trunc_filehdr", m_trunc_filehdr, 1), ("trunc_rechdr", m_trunc_rechdr, 2),
    ("trunc_data", m_trunc_data, 2), ("trunc_any", m_trunc_any, 2),
    ("bitflip", m_bitflip, 3), ("byteset", m_byteset, 1),
    ("flip_payload", m_flip_payload, 3), ("caplen_gt_len", m_caplen_gt_len, 1),
    ("caplen_huge", m_caplen_huge, 2), ("caplen_short", m_caplen_short, 1),
    ("len_zero", m_len_zero, 1), ("snaplen", m_snaplen, 1),
    ("snap_cut", m_snap_cut, 2), ("magic", m_magic, 1),
    ("version", m_version, 1), ("linktype", m_linktype, 2),
    ("swap_adjacent", m_swap_adjacent, 2),
    ("shuffle_window", m_shuffle_window, 2), ("reverse", m_reverse, 1),
    ("duplicate", m_duplicate, 2), ("drop", m_drop, 2),
    ("split_segment", m_split_segment, 3), ("overlap", m_overlap, 2),
    ("seq_wrap", m_seq_wrap, 1), ("tls_len", m_tls_len, 3),
    ("ip_hdr", m_ip_hdr, 2), ("timestamps", m_timestamps, 1),
    ("garbage_tail", m_garbage_tail, 1), ("empty", m_empty, 0.2),
    ("many_flows", m_many_flows, 0.5), ("interleave", m_interleave, 1),
    ("ng_block_len", n_block_len, 2), ("ng_shb", n_shb, 1),
    ("ng_idb", n_idb, 1), ("ng_epb", n_epb, 2), ("ng_blocks", n_blocks, 1),
    ("ng_trunc", n_trunc, 1), ("ng_flip", n_flip, 1),
]


def load_seeds(srcdir):
    pdir = os.path.join(srcdir, "tests", "data", "pcap")
    seeds = []
    for name in sorted(os.listdir(pdir)):
        if not name.endswith((".pcap", ".pcapng")):
            continue
        with open(os.path.join(pdir, name), "rb") as f:
            d = f.read()
        c = read_classic(d) if name.endswith(".pcap") else pcapng_to_classic(d)
        seeds.append((name.rsplit(".", 1)[0], d, c))
    return seeds


def generate(args, outdir):
    """Write the variants; return their paths (count >= args.count, or
    fewer only when --only leaves too few applicable kinds)."""
    rng = random.Random(args.seed)
    seeds = load_seeds(args.srcdir)
    if not seeds:
        sys.exit("pcap_sweep: no seeds in tests/data/pcap")
    muts = [m for m in MUTATORS if not args.only or m[0] in args.only]
    weights = [m[2] for m in muts]
    paths, tries = [], 0
    # Every seed unmutated first (they must decode too).
    for name, d, c in seeds:
        p = os.path.join(outdir, "%s.seed.%s" % (name, "pcapng" if
                                                  d[:4] == b"\x0a\x0d\x0d\x0a"
                                                  else "pcap"))
        with open(p, "wb") as f:
            f.write(d)
        paths.append(p)
    while len(paths) < args.count and tries < args.count * 20:
        tries += 1
        name, d, c = seeds[rng.randrange(len(seeds))]
        kind, fn, _ = rng.choices(muts, weights)[0]
        if fn is m_interleave:
            on, od, oc = seeds[rng.randrange(len(seeds))]
            out = fn(rng, d, c, oc if oc and c and oc.link == c.link else None)
        else:
            out = fn(rng, d, c)
        if out is None:
            continue
        ext = "pcapng" if out[:4] == b"\x0a\x0d\x0d\x0a" else "pcap"
        p = os.path.join(outdir, "%s.%04d.%s.%s" % (name, len(paths), kind, ext))
        with open(p, "wb") as f:
            f.write(out)
        paths.append(p)
    return paths


# ---- running ----------------------------------------------------------------

CANARIES = ("mxprobe-canary-pw-7Qz",
            "AGNhbmFyeUBsYWIudGVzdABteHByb2JlLWNhbmFyeS1wdy03UXo=",
            "bXhwcm9iZS1jYW5hcnktcHctN1F6")
CANARIES = tuple(c.encode() for c in CANARIES)

# Bytes no report may print raw (escapes must escape them): C0 but TAB,
# LF, CR; DEL; C1 as UTF-8.
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")

SAN_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
             "MemorySanitizer", "ThreadSanitizer", "runtime error:",
             "SUMMARY: ", "==ERROR")


def load_validator(srcdir):
    """A validator for doc/mxprobe-pcap.schema.json, or None (no
    python3-jsonschema, or no schema)."""
    sp = os.path.join(srcdir, "doc", "mxprobe-pcap.schema.json")
    try:
        import jsonschema
    except ImportError:
        return None
    if not os.path.exists(sp):
        return None
    with open(sp, encoding="utf-8") as f:
        schema = json.load(f)
    return jsonschema.validators.validator_for(schema)(schema)


VALIDATOR = [None]  # set once in main(); validators are thread-safe


def run_one(mxprobe, path, timeout, extra, text=False):
    """(verdict, detail, maxrss_kib). verdict: ok, crash, hang, json,
    secret, control.  text: the text report instead of --json."""
    out_p, err_p = path + ".out", path + ".err"
    with open(out_p, "wb") as o, open(err_p, "wb") as e:
        p = subprocess.Popen([mxprobe, "pcap", path] +
                             ([] if text else ["--json"]) + extra,
                             stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                             start_new_session=True)
    deadline = time.monotonic() + timeout
    status, ru, hung = None, None, False
    while True:
        pid, st, r = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            status, ru = st, r
            break
        if time.monotonic() > deadline:
            hung = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            _, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.003)
    p.returncode = 0  # reaped here, not by Popen
    rss = ru.ru_maxrss if ru else 0
    with open(err_p, "rb") as f:
        err = f.read(200000).decode("utf-8", "replace")
    if hung:
        return "hang", "no exit within %gs" % timeout, rss
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return "crash", "signal %d (%s); %s" % (
            sig, signal.Signals(sig).name, first_san_line(err)), rss
    rc = os.WEXITSTATUS(status)
    san = first_san_line(err)
    if san:
        return "crash", "sanitizer: " + san, rss
    if rc not in (0, 1, 2, 3):
        return "crash", "exit %d; stderr: %s" % (rc, err.strip()[:200]), rss
    with open(out_p, "rb") as f:
        data = f.read()
    if text:
        m = CONTROL.search(data) or CONTROL.search(err.encode())
        if m:
            return "control", "text report: raw control byte %r" % \
                m.group(0), rss
    elif rc in (0, 1, 2):
        try:
            doc = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as ex:
            return "json", "exit %d, invalid JSON: %s" % (rc, ex), rss
        if VALIDATOR[0] is not None:
            e = next(iter(VALIDATOR[0].iter_errors(doc)), None)
            if e is not None:
                return "json", "exit %d, not valid against the schema at " \
                    "/%s: %s" % (rc, "/".join(str(x) for x in e.path),
                                 e.message[:200]), rss
    # The unmutated seeds: the AUTH canary of authstub_swaks_plaintext
    # (tests/data/pcap/EXPECTED) never reaches the output.
    if ".seed." in os.path.basename(path):
        for c in CANARIES:
            if c in data or c in err.encode():
                return "secret", "the AUTH canary %r is in the output" % c, rss
    return "ok", "exit %d" % rc, rss


def first_san_line(err):
    for line in err.splitlines():
        if any(m in line for m in SAN_MARKS):
            return line.strip()[:300]
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--srcdir", default=os.environ.get(
        "MXPROBE_SRCDIR", os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "..", "..")))
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", help="copy failing inputs here")
    ap.add_argument("--only", type=lambda s: set(s.split(",")),
                    help="only these kinds (see --list-kinds)")
    ap.add_argument("--generate-only", metavar="DIR")
    ap.add_argument("--list-kinds", action="store_true")
    ap.add_argument("--max-rss-mib", type=float, default=0,
                    help="fail a run whose max RSS exceeds this (0: report)")
    ap.add_argument("--no-schema", action="store_true",
                    help="JSON syntax only, not the schema")
    ap.add_argument("--text-every", type=int, default=4,
                    help="also run the text report on every Nth capture "
                         "(0: never)")
    ap.add_argument("--arg", action="append", default=[],
                    help="extra mxprobe argument (repeatable)")
    args = ap.parse_args()
    if args.list_kinds:
        print("\n".join(m[0] for m in MUTATORS))
        return 0
    if args.generate_only:
        os.makedirs(args.generate_only, exist_ok=True)
        paths = generate(args, args.generate_only)
        print("%d captures written to %s" % (len(paths), args.generate_only))
        return 0
    mxprobe = os.environ.get("MXPROBE")
    if not mxprobe:
        sys.exit("pcap_sweep: set MXPROBE to the mxprobe binary")
    # Sanitizer errors abort (a signal), whatever make check exported.
    for var, want in (("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1"),
                      ("UBSAN_OPTIONS", "halt_on_error=1:abort_on_error=1:"
                                        "print_stacktrace=1")):
        have = os.environ.get(var, "")
        os.environ[var] = (have + ":" if have else "") + want
    if not args.no_schema:
        VALIDATOR[0] = load_validator(args.srcdir)
    print("# JSON checked against doc/mxprobe-pcap.schema.json: %s" %
          ("yes" if VALIDATOR[0] else "no (python3-jsonschema or the "
           "schema missing, or --no-schema)"))
    tmp = tempfile.mkdtemp(prefix="mxprobe-pcap-sweep.")
    try:
        t0 = time.monotonic()
        paths = generate(args, tmp)
        gen_s = time.monotonic() - t0
        results = [None] * len(paths)
        lock = threading.Lock()
        nxt = [0]

        def worker():
            while True:
                with lock:
                    i = nxt[0]
                    nxt[0] += 1
                if i >= len(paths):
                    return
                res = run_one(mxprobe, paths[i], args.timeout, args.arg)
                if res[0] == "ok" and args.text_every and \
                        i % args.text_every == 0:
                    t = run_one(mxprobe, paths[i], args.timeout, args.arg,
                                text=True)
                    if t[0] != "ok":
                        res = (t[0], "(text) " + t[1], max(res[2], t[2]))
                results[i] = res

        ths = [threading.Thread(target=worker) for _ in range(max(1, args.jobs))]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        run_s = time.monotonic() - t0 - gen_s
        counts = {"ok": 0, "crash": 0, "hang": 0, "json": 0, "rss": 0,
                  "secret": 0, "control": 0}
        rcs = {}
        big = (0, "")
        for p, (v, detail, rss) in zip(paths, results):
            if args.max_rss_mib and rss > args.max_rss_mib * 1024 and v == "ok":
                v, detail = "rss", "max RSS %.1f MiB" % (rss / 1024)
            counts[v] += 1
            if v == "ok":
                rcs[detail] = rcs.get(detail, 0) + 1
            if rss > big[0]:
                big = (rss, os.path.basename(p))
            if v != "ok":
                print("FAIL %-5s %s: %s" % (v, os.path.basename(p), detail))
                with open(p + ".err", "rb") as f:
                    tail = f.read()[-1500:].decode("utf-8", "replace")
                if tail.strip():
                    print("  stderr: " + tail.replace("\n", "\n  stderr: "))
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    shutil.copy(p, args.keep)
        bad = len(paths) - counts["ok"]
        # ru_maxrss of wait4(): may include the forking python's own
        # footprint before exec, so an upper bound.
        print("# %s; generated in %.1fs, run in %.1fs (%d jobs); largest "
              "max RSS %.1f MiB (%s)" % (", ".join("%s %d" % kv for kv in
                                           sorted(rcs.items())),
                                 gen_s, run_s, args.jobs, big[0] / 1024,
                                 big[1]))
        print("# hangs %d, invalid JSON %d, over RSS %d, canary shown %d, "
              "raw control bytes (text) %d" % (
                  counts["hang"], counts["json"], counts["rss"],
                  counts["secret"], counts["control"]))
        print("%d captures, %d crashes" % (len(paths), bad))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
