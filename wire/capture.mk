# wire/capture.mk: see the capture work (issue 9).
