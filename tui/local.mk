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
	%reldir%/sanitize.c %reldir%/sanitize.h
