# tests/capture.mk: the capture work (issue 9), tests and data.
#
# tests/data/pcap/: regression captures made in the lab by real clients
# (record.sh re-records them; EXPECTED says what a correct decoder reports
# for each).
EXTRA_DIST += tests/data/pcap
