# store layer (issue 10): the history of `watch` and `history` in SQLite.
noinst_LIBRARIES += libstore.a
libstore_a_SOURCES = %reldir%/history.h
