# tui layer (issue 10): the ncurses dashboard; the only code that calls
# curses.
noinst_LIBRARIES += libtui.a
libtui_a_SOURCES = %reldir%/tui.h \
	%reldir%/tui_int.h \
	%reldir%/tui.c \
	%reldir%/input.c \
	%reldir%/list.c \
	%reldir%/lines.c \
	%reldir%/overview.c \
	%reldir%/drill.c \
	%reldir%/panes.c \
	%reldir%/panes2.c \
	%reldir%/help.c \
	%reldir%/term.c \
	%reldir%/sanitize.c %reldir%/sanitize.h

# The dashboard driven for real on a pseudo-terminal (cmocka).
check_PROGRAMS += tests/unit/test_tui
TESTS += tests/unit/test_tui
tests_unit_test_tui_SOURCES = tests/unit/test_tui.c \
	tests/unit/test_tui_fixture.c tests/unit/test_tui_fixture.h
tests_unit_test_tui_LDADD = $(LIB_TUI) $(NCURSES_LIBS) $(CMOCKA_TEST_LDADD)
tests_unit_test_tui_LDFLAGS = $(AM_LDFLAGS) -pthread

# bench/tui_redraw (not built by `make`; `make bench/tui_redraw`):
# overview redraw time and memory with 1,000 endpoints (bench/README.md).
EXTRA_PROGRAMS = bench/tui_redraw
bench_tui_redraw_SOURCES = bench/tui_redraw.c \
	tests/unit/test_tui_fixture.c tests/unit/test_tui_fixture.h
bench_tui_redraw_LDADD = $(LIB_TUI) $(NCURSES_LIBS)
bench_tui_redraw_LDFLAGS = $(AM_LDFLAGS) -pthread
check_PROGRAMS += tests/unit/test_tui_sanitize
TESTS += tests/unit/test_tui_sanitize
tests_unit_test_tui_sanitize_SOURCES = tests/unit/test_tui_sanitize.c
tests_unit_test_tui_sanitize_LDADD = $(LIB_TUI) $(CMOCKA_TEST_LDADD)
