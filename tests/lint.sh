#!/bin/sh
# lint.sh SRCDIR - machine-checked style for mxprobe (STYLE.md habit 15).
#
# Run by `make lint`.  Checks every .c and .h file under SRCDIR (build
# directories, build-fuzz/, autom4te.cache/ and .git/ are skipped):
#
#  1. banned calls, anywhere: sprintf strcpy strcat strtok atoi gets
#     system popen, as whole words followed by "(" - use snprintf,
#     memcpy with a checked length, mx_buf, strtol/strtoul with end and
#     errno checks, fgets, fork+exec.
#  2. printing from library layers: printf fprintf vprintf vfprintf puts
#     putchar perror are allowed only in reports/ tui/ src/ tests/ bench/,
#     and in common/log.c (the developer log) and common/xalloc.c (the
#     abort path).  Library layers return a status and a diagnostic.
#  3. formatting: clang-format --dry-run against SRCDIR/.clang-format.
#     The files written before .clang-format existed do not match it line
#     for line (hand-aligned trailing comments, a few hand-chosen breaks),
#     so differences are REPORTED and do not fail, unless LINT_FORMAT=strict
#     is set.  Skipped with a note when clang-format is not installed.
#  4. include cycles: the graph of the project's own includes
#     (#include "layer/file.h", resolved against SRCDIR) must have none,
#     within a layer (DESIGN.md: "no include cycles between files of one
#     layer") or across layers (which breaks the layering anyway).  Each
#     cycle is printed as a chain, a.h -> b.h -> a.h, and fails.
#
# Comments, string and character literals are blanked before checks 1
# and 2, so "never call sprintf()" in a comment is not a violation.
# Exit status: 0 clean, 1 violations of 1, 2 or 4 (or 3 when strict),
# 2 usage.
set -u

srcdir=${1:-${MXPROBE_SRCDIR:-}}
if [ -z "$srcdir" ] || [ ! -d "$srcdir" ]; then
	echo "usage: $0 SRCDIR" >&2
	exit 2
fi
AWK=${AWK:-awk}
CLANG_FORMAT=${CLANG_FORMAT:-}

cd "$srcdir" || exit 2

files=$(find . \( -name .git -o -name autom4te.cache -o -name 'build' \
	-o -name 'build-*' -o -name '_build' -o -name 'mxprobe-[0-9]*' \) \
	-prune -o -type f \( -name '*.c' -o -name '*.h' \) -print |
	sed 's|^\./||' | LC_ALL=C sort)
if [ -z "$files" ]; then
	echo "lint: no .c or .h files under $srcdir" >&2
	exit 2
fi

# Checks 1 and 2 in one awk pass; prints one line per violation.
violations=$(printf '%s\n' "$files" | "$AWK" '
function may_print(path) {
	return path ~ /^(reports|tui|src|tests|bench)\// ||
	       path == "common/log.c" || path == "common/xalloc.c"
}
# Blank comments and literals in one line; state carries across lines.
function strip(s,    out, i, n, c, d) {
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		d = substr(s, i + 1, 1)
		if (state == "comment") {
			if (c == "*" && d == "/") {
				state = "code"
				out = out "  "
				i++
			} else
				out = out " "
		} else if (state == "string" || state == "char") {
			if (c == "\\") {
				out = out "  "
				i++
			} else if ((state == "string" && c == "\"") ||
				   (state == "char" && c == "\047")) {
				state = "code"
				out = out c
			} else
				out = out " "
		} else if (c == "/" && d == "*") {
			state = "comment"
			out = out "  "
			i++
		} else if (c == "/" && d == "/") {
			return out
		} else if (c == "\"") {
			state = "string"
			out = out c
		} else if (c == "\047") {
			state = "char"
			out = out c
		} else
			out = out c
	}
	# an unterminated literal ends with its line
	if (state == "string" || state == "char")
		state = "code"
	return out
}
function report(path, lnum, what, call) {
	printf "%s:%d: %s %s()\n", path, lnum, what, call
}
function scan(path, re, what,    line, lnum, code, rest, m, call) {
	lnum = 0
	state = "code"
	while ((getline line < path) > 0) {
		lnum++
		code = strip(line)
		rest = code
		while (match(rest, re)) {
			m = substr(rest, RSTART, RLENGTH)
			call = m
			sub(/^[^A-Za-z_]/, "", call)
			sub(/[ \t]*\($/, "", call)
			report(path, lnum, what, call)
			rest = substr(rest, RSTART + RLENGTH)
		}
	}
	close(path)
}
BEGIN {
	banned = "(^|[^A-Za-z0-9_])(sprintf|strcpy|strcat|strtok|atoi|gets|system|popen)[ \t]*\\("
	prints = "(^|[^A-Za-z0-9_.>])(printf|fprintf|vprintf|vfprintf|puts|putchar|perror)[ \t]*\\("
}
{
	scan($0, banned, "banned call")
	if (!may_print($0))
		scan($0, prints, "library layer prints with")
}
')

status=0
nfiles=$(printf '%s\n' "$files" | wc -l | tr -d ' ')
if [ -n "$violations" ]; then
	printf '%s\n' "$violations"
	echo "lint: $(printf '%s\n' "$violations" | wc -l | tr -d ' ') banned or misplaced calls (see tests/lint.sh)"
	status=1
else
	echo "lint: calls: $nfiles files clean"
fi

# Check 3: formatting.
if [ -z "$CLANG_FORMAT" ]; then
	for c in clang-format clang-format-14 clang-format-15 clang-format-16; do
		if command -v "$c" >/dev/null 2>&1; then
			CLANG_FORMAT=$c
			break
		fi
	done
fi
if [ -z "$CLANG_FORMAT" ]; then
	echo "lint: format: clang-format not found, not checked"
elif [ ! -f .clang-format ]; then
	echo "lint: format: no .clang-format in $srcdir, not checked"
else
	# One clang-format run for all files (it is slow to start); count
	# the places it would change, per file.
	report=$(printf '%s\n' "$files" | xargs "$CLANG_FORMAT" --style=file \
		--dry-run 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' |
		uniq -c | "$AWK" '{ printf "%s(%d) ", $2, $1 }')
	nbad=$(printf '%s' "$report" | wc -w | tr -d ' ')
	if [ "$nbad" -eq 0 ]; then
		echo "lint: format: $nfiles files match .clang-format"
	else
		echo "lint: format: $nbad of $nfiles files differ from" \
			".clang-format (places to change):"
		printf '%s\n' "$report" | fold -s -w 78 | sed 's/^/    /'
		if [ "${LINT_FORMAT:-}" = strict ]; then
			echo "lint: format: fatal (LINT_FORMAT=strict)"
			status=1
		else
			echo "lint: format: reported, not fatal (LINT_FORMAT=strict" \
				"makes it fatal; see" \
				"'$CLANG_FORMAT --style=file FILE | diff FILE -')"
		fi
	fi
fi

# Check 4: include cycles, one depth-first search over the include graph
# (a back edge to a file still on the stack closes a cycle).
cycles=$(printf '%s\n' "$files" | "$AWK" '
function visit(v, depth,    i, w) {
	color[v] = 1 # on the stack
	stack[depth] = v
	for (i = 1; i <= nedge[v]; i++) {
		w = edge[v, i]
		if (!(w in color))
			visit(w, depth + 1)
		else if (color[w] == 1)
			cycle(w, depth)
	}
	color[v] = 2 # done
}
function cycle(w, depth,    j, s) {
	for (j = depth; j > 0 && stack[j] != w; j--)
		;
	s = ""
	for (; j <= depth; j++)
		s = s stack[j] " -> "
	print s w
}
{
	known[$0] = 1
	order[++n] = $0
}
END {
	for (k = 1; k <= n; k++) {
		path = order[k]
		nedge[path] = 0
		while ((getline line < path) > 0) {
			if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/)
				continue
			inc = line
			sub(/^[^"]*"/, "", inc)
			sub(/".*$/, "", inc)
			if ((inc in known) && inc != path)
				edge[path, ++nedge[path]] = inc
		}
		close(path)
	}
	for (k = 1; k <= n; k++)
		if (!(order[k] in color))
			visit(order[k], 0)
}
')
if [ -n "$cycles" ]; then
	printf '%s\n' "$cycles" | sed 's/^/lint: include cycle: /'
	echo "lint: $(printf '%s\n' "$cycles" | wc -l | tr -d ' ') include cycles (see tests/lint.sh)"
	status=1
else
	echo "lint: includes: no cycles"
fi

exit $status
