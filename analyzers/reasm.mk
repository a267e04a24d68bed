# analyzers/reasm.mk: see the capture work (issue 9).
