/*
 * headers.h - what `mxprobe headers` shows, taken from the parsed header
 * section (pure).
 *
 * API: mx_headers_from_parse() copies the Received chain (oldest hop
 * first, TLS per hop, delays), the (ARC-)Authentication-Results and the
 * state of the section from what wire/mailhdr.c parsed into the model
 * (model/headers.h), and counts the hops that say clear text; the
 * renderers (reports/headers.h) read only the model.
 * Ownership: h is borrowed; the result is the caller's, freed with
 * mx_headers_free().  Strings are copied as parsed (escaped already).
 */
#ifndef MX_ANALYZERS_HEADERS_H
#define MX_ANALYZERS_HEADERS_H

#include "model/headers.h"
#include "wire/mailhdr.h"

struct mx_headers *mx_headers_from_parse(const struct mx_mailhdr *h);

#endif
