#!/usr/bin/env python3
"""relink.py - rewrite the link layer of a classic pcap made on Linux `lo`.

tcpdump on `lo` writes LINKTYPE_ETHERNET (1) with a 14-byte zero-MAC header.
The decoder must also read LINKTYPE_RAW (101: the IP header first) and
LINKTYPE_NULL (0: a 4-byte host-order address family, as BSD loopback
writes it).  No tool here records either on Linux, so record.sh derives
them from a real capture, packet for packet, timestamps unchanged:

  relink.py raw  IN.pcap OUT.pcap
  relink.py null IN.pcap OUT.pcap    (AF_INET = 2, AF_INET6 = 24 as BSD)

Frames whose EtherType is neither IPv4 nor IPv6 are dropped.  Reads and
writes one record at a time.
"""
import struct
import sys

LINK = {"raw": 101, "null": 0}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in LINK:
        sys.exit(__doc__)
    kind, src, dst = sys.argv[1:]
    with open(src, "rb") as f, open(dst, "wb") as o:
        hdr = f.read(24)
        if len(hdr) != 24:
            sys.exit("relink: short file header")
        magic = hdr[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            e = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            e = ">"
        else:
            sys.exit("relink: not a classic pcap")
        vmaj, vmin, tz, sig, snap, link = struct.unpack(e + "HHiIII", hdr[4:])
        if link != 1:
            sys.exit("relink: input link type %d, want 1 (Ethernet)" % link)
        o.write(magic + struct.pack(e + "HHiIII", vmaj, vmin, tz, sig, snap,
                                    LINK[kind]))
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            sec, frac, caplen, wirelen = struct.unpack(e + "IIII", rh)
            data = f.read(caplen)
            if len(data) < caplen or caplen < 14:
                break
            etype = struct.unpack(">H", data[12:14])[0]
            if etype not in (0x0800, 0x86DD):
                continue
            body = data[14:]
            if kind == "null":
                af = 2 if etype == 0x0800 else 24
                body = struct.pack("<I", af) + body
            delta = len(body) - caplen
            o.write(struct.pack(e + "IIII", sec, frac, len(body),
                                wirelen + delta) + body)


if __name__ == "__main__":
    main()
