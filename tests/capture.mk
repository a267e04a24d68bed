# tests/capture.mk: the capture work (issue 9), tests and data.
#
# tests/data/pcap/: regression captures made in the lab by real clients
# (record.sh re-records them; EXPECTED says what a correct decoder reports
# for each).  They, and bench/pcap_decode.sh + bench/pcap_gen.py, are
# distributed through the tests/data and bench entries of EXTRA_DIST in
# Makefile.am (listing them again would copy them twice).
#
# The malformed-capture sweep: >= 1,000 captures derived from those, each
# read by `mxprobe pcap FILE --json` (no lab, no root).  INTEGRATION_TESTS
# is part of TESTS and of EXTRA_DIST (tests/local.mk).
INTEGRATION_TESTS += tests/integration/pcap_sweep.sh
EXTRA_DIST += tests/integration/pcap_sweep.py
