#!/bin/sh
# check_headers.sh CC "INCLUDES" -- every header compiles on its own
# (STYLE.md 2.3): `#include "x.h"` alone must pass -fsyntax-only with the
# core's flags.  Back-end-only and test headers are checked too.
set -u
cd "$(dirname "$0")/.." || exit 1
cc=$1
inc=$2
fail=0
n=0
for h in $(git ls-files --cached --others --exclude-standard \
		'src/*.h' 'include/*.h' 'platform/include/*.h' 'test/unit/*.h'); do
	[ -f "$h" ] || continue
	n=$((n + 1))
	extra=
	case "$h" in test/*) extra="-Itest/unit -D_GNU_SOURCE" ;; esac
	if ! printf '#include "%s"\n' "$(basename "$h")" |
		$cc -std=c99 -pedantic -Wall -Wextra -Werror $inc $extra \
			-Itest/unit -x c -fsyntax-only - 2>/tmp/ms_hdr.$$; then
		echo "headers: $h does not compile on its own:" >&2
		cat /tmp/ms_hdr.$$ >&2
		fail=1
	fi
done
rm -f /tmp/ms_hdr.$$
[ $fail -eq 0 ] && echo "headers: $n headers compile on their own"
exit $fail
