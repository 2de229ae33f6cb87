#!/bin/sh
# check_extnames.sh LIB -- external names of the library (L0 lint):
# every defined external symbol starts with ms_ (our prefix), is at most 31
# characters (VMS /NAMES=SHORTENED would otherwise mangle it), and no two
# are equal in their first 31 characters.
set -u
lib=$1
syms=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
[ -n "$syms" ] || { echo "extnames: no symbols in $lib" >&2; exit 1; }
fail=0
for s in $syms; do
	case "$s" in
	ms_*) ;;
	*) echo "extnames: $s lacks the ms_ prefix" >&2; fail=1 ;;
	esac
	if [ ${#s} -gt 31 ]; then
		echo "extnames: $s is ${#s} characters (VMS keeps 31)" >&2
		fail=1
	fi
done
dups=$(echo "$syms" | cut -c1-31 | sort | uniq -d)
[ -z "$dups" ] || { echo "extnames: equal in 31 characters: $dups" >&2; fail=1; }
[ $fail -eq 0 ] && echo "extnames: $(echo "$syms" | wc -l) external names, all ms_ and <= 31 characters"
exit $fail
