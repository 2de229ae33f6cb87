#!/bin/sh
# lint_tree.sh -- the L0 portability lint (docs/porting-vms.md) and the
# layering rule of docs/architecture.md, run by `make check`.
#
#  1. Nothing under src/ or include/ includes an operating-system header or
#     tests an OS macro; only platform/ talks to the OS.
#  2. No unbounded string calls or OS-only calls in the core.
#  3. src/sources.list names existing files, and every C file under src/
#     and platform/ is in it.
#  4. Every file name is ODS-2 safe (letters, digits, _ - $, at most one
#     dot, at most 39 characters each side) and C file names are unique
#     across the tree (DEC C includes flat names).
#  5. C sources and headers are plain ASCII (DEC C, MMS line rules).
# Exits non-zero with one line per finding.
set -u
cd "$(dirname "$0")/.." || exit 1

fail=0
say() { echo "lint: $*" >&2; fail=1; }

files=$(git ls-files --cached --others --exclude-standard 2>/dev/null |
	sort -u | while read -r f; do [ -e "$f" ] && echo "$f"; done)
[ -n "$files" ] || files=$(find . -type f ! -path './.git/*' ! -path './build/*' | sed 's|^\./||')

core=$(echo "$files" | grep -E '^(src|include)/.*\.[ch]$')

# 1. OS headers and OS macros in the core.
STD='assert|ctype|errno|float|inttypes|iso646|limits|locale|math|setjmp|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|time|wchar|wctype'
PKG='openssl/[a-z0-9_]+|zlib|zconf|sasl/[a-z0-9_]+|pcre2|CUnit/[A-Za-z]+'
for f in $core; do
	grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$f" |
		grep -vE "<($STD|$PKG)\.h>" |
		while IFS= read -r l; do echo "lint: $f:$l: OS header in the core (use ms_plat.h)" >&2; echo x; done |
		grep -q x && fail=1
	grep -nE '(__VMS|__vms|__linux__|__linux|__unix__|__unix|_WIN32|__APPLE__|__FreeBSD__|__sun)\b' "$f" |
		while IFS= read -r l; do echo "lint: $f:$l: OS macro in the core (use a feature macro from ms_sys.h)" >&2; echo x; done |
		grep -q x && fail=1
done

# 2. Unbounded or OS-only calls in the core.
BANNED='\b(strcpy|strcat|sprintf|vsprintf|gets|strncpy|strtok|fork|vfork|flock|mmap|syslog|socketpair|popen|system|alloca)[[:space:]]*\('
for f in $core; do
	sed 's|//.*||' "$f" | grep -nE "$BANNED" |
		while IFS= read -r l; do echo "lint: $f:$l: banned call" >&2; echo x; done |
		grep -q x && fail=1
done

# 3. The source list and the tree agree.
listed=$(awk '!/^#/ && NF == 2 { print $2 }' src/sources.list)
for f in $listed; do
	[ -f "$f" ] || say "src/sources.list names $f, which does not exist"
done
for f in $(echo "$files" | grep -E '^(src|platform)/.*\.c$'); do
	echo "$listed" | grep -qxF "$f" || say "$f is not in src/sources.list"
done

# 4. ODS-2-safe names; unique C file names.
for f in $(echo "$files" | grep -vE '(^|/)\.'); do
	old_ifs=$IFS; IFS=/
	for part in $f; do
		case "$part" in
		*[!A-Za-z0-9_.\$-]*) say "$f: '$part' is not an ODS-2 name" ;;
		*.*.*) say "$f: '$part' has more than one dot" ;;
		esac
		base=${part%%.*}; ext=${part#"$base"}; ext=${ext#.}
		[ ${#base} -le 39 ] && [ ${#ext} -le 39 ] ||
			say "$f: '$part' is longer than 39.39"
	done
	IFS=$old_ifs
done
dups=$(echo "$files" | grep -E '\.[ch]$' | grep -v '^test/vmsshim/include/' |
	awk -F/ '{ print tolower($NF) }' | sort | uniq -d)
[ -z "$dups" ] || say "C file names used twice: $dups"

# 5. ASCII-only C.
for f in $(echo "$files" | grep -E '\.[ch]$'); do
	if LC_ALL=C grep -nP '[^\x00-\x7f]' "$f" >/dev/null 2>&1; then
		say "$f: non-ASCII bytes"
	fi
done

[ $fail -eq 0 ] && echo "lint: tree clean"
exit $fail
