/*
 * term.c - is $TERM a terminal terminfo describes?  Asked before
 * newterm(): a newterm() that fails leaks its screen (ncurses 6.4), and
 * setupterm() with an error slot prints nothing.  Apart from tui.c
 * because <term.h> defines capability macros (`lines`, `columns`) that
 * clash with ordinary names.
 */
#include <stdio.h>

#include "tui/tui_int.h"

/* after tui_int.h: its struct members would meet the macros */
#include <term.h>

int tui_term_known(FILE *out)
{
	int err = 0;

	if (setupterm(NULL, fileno(out), &err) != OK)
		return 0;
	del_curterm(cur_term);
	return 1;
}
