#!/bin/sh
# srctree.sh SRCDIR DEST - mirror the source files of SRCDIR into DEST as
# symbolic links, for the fuzz build of a tree configured in place.
#
# automake refuses a second, out-of-tree build of a source dir that holds
# its own config.status (and make would pick the in-tree objects through
# VPATH), so `make fuzz` run from the top source dir configures the
# libFuzzer build inside DEST (build-fuzz/tree) over this mirror instead.
# Build outputs are left out: the build-*/ dirs at the top (not
# build-aux), .git, autom4te.cache, .deps,
# objects, archives, logs, config.status, config.h, stamp-h1, Makefiles
# (Makefile.in is kept) and ELF executables.  Run again, it adds new
# files and drops links whose file has gone; existing entries are kept.
set -u
[ $# -eq 2 ] || { echo "usage: $0 SRCDIR DEST" >&2; exit 2; }
src=$(cd "$1" && pwd) || exit 1
mkdir -p "$2" || exit 1
dest=$(cd "$2" && pwd) || exit 1
cd "$src" || exit 1
find . \( -name .git -o \( -path './build-*' ! -path './build-aux*' \) \
	-o -name autom4te.cache -o -name .deps \) -prune -o -type f ! \( -name '*.o' -o -name '*.a' \
	-o -name '*.log' -o -name '*.trs' -o -name config.status \
	-o -name config.h -o -name stamp-h1 -o -name Makefile \
	-o -name .dirstamp \) -print |
	while IFS= read -r f; do
		[ -e "$dest/$f" ] || [ -L "$dest/$f" ] && continue
		if [ -x "$f" ] && [ "$(head -c 4 "$f" | tr -d '\177')" = ELF ]
		then
			continue
		fi
		mkdir -p "$dest/${f%/*}" && ln -s "$src/${f#./}" "$dest/$f" ||
			exit 1
	done
# links whose source file has gone
find "$dest" -xtype l -exec rm -f {} + 2>/dev/null
exit 0
