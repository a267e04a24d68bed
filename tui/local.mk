# tui layer (issue 10): the ncurses dashboard; the only code that calls
# curses.
noinst_LIBRARIES += libtui.a
libtui_a_SOURCES = %reldir%/tui.h
