/*
 * pcapng.h - a small pcapng writer (libpcap writes only classic pcap).
 *
 * Purpose: `--pcap-out FILE` (issue 9 point 2): the frames of a live
 * capture with a comment on each packet naming the connection and the
 * probe step, readable by Wireshark, tshark and libpcap.
 *
 * Format (draft-ietf-opsawg-pcapng; host byte order, announced by the
 * byte-order magic): one Section Header Block (version 1.0, section
 * length -1 = unknown, shb_userappl "mxprobe"), Interface Description
 * Blocks (link type, snap length, if_name, if_tsresol 6 = microseconds),
 * Enhanced Packet Blocks (interface id, 64-bit timestamp in microseconds,
 * captured and original length, the bytes, opt_comment).  Every block and
 * option is padded to 32 bits and carries its total length at both ends.
 *
 * API:
 *   w = mx_pcapng_open(path, force, err, errlen);   NULL on error
 *   id = mx_pcapng_interface(w, linktype, snaplen, ifname);  0, 1, ...
 *   mx_pcapng_packet(w, id, ts_us, caplen, wirelen, bytes, comment);
 *   rc = mx_pcapng_close(w);    0, or -1 when any write failed
 *   mx_pcapng_error(w);         what failed first (after close too)
 *   mx_pcapng_free(w);          closes too when still open
 *
 * Files: created with mode 0600 and O_EXCL (an existing file is refused);
 * with force, an existing regular file is truncated instead and set to
 * 0600.  A symlink at path is never followed (O_NOFOLLOW, and O_EXCL
 * refuses it too); anything but a regular file is refused.
 *
 * Errors: a failed write makes the writer sticky-failed: later calls
 * return -1 and write nothing; close reports it.  Bad arguments (unknown
 * interface id, caplen > wirelen, negative time) return -1 without
 * touching the file.  A comment longer than MX_PCAPNG_MAX_COMMENT bytes is
 * cut at a UTF-8 character boundary.  The writer never fsyncs.
 * Reports layer: no libpcap, no model knowledge.
 */
#ifndef MX_REPORTS_PCAPNG_H
#define MX_REPORTS_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define MX_PCAPNG_MAX_COMMENT 4096
#define MX_PCAPNG_MAX_PACKET (1024u * 1024)

struct mx_pcapng;

struct mx_pcapng *mx_pcapng_open(const char *path, int force, char *err,
				 size_t errlen);
/* Returns the interface id (0-based) or -1.  snaplen 0: no limit;
 * ifname NULL: no if_name option. */
int mx_pcapng_interface(struct mx_pcapng *w, int linktype, uint32_t snaplen,
			const char *ifname);
int mx_pcapng_packet(struct mx_pcapng *w, unsigned ifindex, int64_t ts_us,
		     uint32_t caplen, uint32_t wirelen, const uint8_t *bytes,
		     const char *comment);
int mx_pcapng_close(struct mx_pcapng *w);
const char *mx_pcapng_error(const struct mx_pcapng *w);
void mx_pcapng_free(struct mx_pcapng *w);

#endif
