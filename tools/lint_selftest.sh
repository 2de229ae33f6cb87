#!/bin/sh
# lint_selftest.sh -- prove the layering lint can fail: copy the tree to a
# scratch directory, plant one violation at a time in a core file, and
# expect tools/lint_tree.sh to reject each.  Run by `make check`.
set -u
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

probe=src/lib/ms_str.c
pass=0
failn=0
plant() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t"
	cp -R src include platform tools "$tmp/t/" 2>/dev/null
	printf '%s\n' "$2" >>"$tmp/t/$probe"
	if sh "$tmp/t/tools/lint_tree.sh" >/dev/null 2>&1; then
		echo "lint_selftest: lint accepted $1" >&2
		failn=$((failn + 1))
	else
		pass=$((pass + 1))
	fi
}
plant "an OS header" '#include <unistd.h>'
plant "a sys/ header" '#include <sys/stat.h>'
plant "an OS macro" '#ifdef __VMS
#endif'
plant "a linux macro" '#if defined(__linux__)
#endif'
plant "strcpy" 'static void f(char *a) { strcpy(a, "x"); }'
plant "fork" 'static int g(void) { return fork(); }'
# and the clean copy passes
rm -rf "$tmp/t"; mkdir -p "$tmp/t"
cp -R src include platform tools "$tmp/t/"
if sh "$tmp/t/tools/lint_tree.sh" >/dev/null 2>&1; then
	pass=$((pass + 1))
else
	echo "lint_selftest: lint rejected the clean tree" >&2
	failn=$((failn + 1))
fi
echo "lint_selftest: $pass passed, $failn failed"
[ $failn -eq 0 ]
