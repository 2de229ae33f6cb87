#!/bin/sh
# cli_fwd.sh -- end-to-end tests of `msgstore forward ...` against a
# temporary store: add (de-duplication, --keep, canonical targets), show
# (human and JSON), keep, delete (targets, the last target, the whole
# forward), list (order, paging with --after/--limit, JSON), refusals
# with their exit codes (65 bad address / target equal to the source /
# more than 64 targets, 66 no such forward or target, 64 usage), hostile
# addresses that never become paths, a damaged entry file (75, skipped
# by list, reported by check and reconstruct, replaced by add after
# delete), and `help`.
#
# Usage: sh test/unit/cli_fwd.sh [BINDIR]     (default build/bin)
# Run from the repository root.  Prints one line per failure and a final
# "cli_fwd: N passed, M failed"; exits non-zero when anything failed.
set -u

bindir=${1:-build/bin}
cli=$bindir/msgstore
suite=cli_fwd
. "$(dirname "$0")/cli_lib.sh"

# ms ARGS...: msgstore on the test store.
ms() {
	"$cli" --set "store.root=$root" --set store.default_domain=example.com \
		"$@"
}

# ---- add / show ----------------------------------------------------------
run add 0 ms forward add Alice@Example.COM bob Carol@Other.ORG
has add out "alice@example.com -> bob@example.com, Carol@other.org"
lacks add out "[keep]"
run show 0 ms forward show alice
has show out "address:  alice@example.com"
has show out "keep:     no"
has show out "to:       bob@example.com"
has show out "to:       Carol@other.org"
run show-json 0 ms forward show ALICE@example.com --json
json show-json 'j == {"address": "alice@example.com", "keep": False, "targets": ["bob@example.com", "Carol@other.org"]}'

# repeats (any case) are skipped; --keep sets the flag; quoted targets
run add-more 0 ms forward add alice carol@other.org BOB '"dave"@X.net' \
	'"a b"@x.net' --keep
has add-more out "[keep]"
run show-more 0 ms forward show alice --json
json show-more 'j["keep"] is True and j["targets"] == ["bob@example.com", "Carol@other.org", "dave@x.net", "\"a b\"@x.net"]'
run add-again 0 ms forward add alice bob@example.com
run show-again 0 ms forward show alice --json
json show-again 'j["keep"] is True and len(j["targets"]) == 4'

# ---- keep ------------------------------------------------------------------
run keep-no 0 ms forward keep alice no
lacks keep-no out "[keep]"
run show-keep 0 ms forward show alice --json
json show-keep 'j["keep"] is False'
run keep-yes 0 ms forward keep alice yes
has keep-yes out "[keep]"
run keep-bad 64 ms forward keep alice maybe
run keep-none 66 ms forward keep nobody yes
has keep-none err "nobody"

# ---- refusals ----------------------------------------------------------------
run add-self 65 ms forward add alice ALICE@example.com
has add-self err "itself"
run add-bad-target 65 ms forward add alice 'not an address'
run add-bad-target2 65 ms forward add alice 'x@-bad-.org'
run add-bad-source 65 ms forward add 'a/b@example.com' bob
run add-bad-source2 65 ms forward add 'a@b@c' bob
run add-usage 64 ms forward add alice
run add-usage-opt 64 ms forward add alice bob --frob
run show-usage 64 ms forward show
run show-none 66 ms forward show nobody@example.com
has show-none err "no forward"
run delete-usage 64 ms forward delete
# 64 targets at most
set --
i=0
while [ $i -lt 65 ]; do
	set -- "$@" "t$i@many.org"
	i=$((i + 1))
done
run add-65 65 ms forward add many "$@"
has add-65 err "at most 64"
run show-65 66 ms forward show many
shift
run add-64 0 ms forward add many "$@"
run show-64 0 ms forward show many --json
json show-64 'len(j["targets"]) == 64'
run add-65th 65 ms forward add many t0@many.org
run show-64b 0 ms forward show many --json
json show-64b 'len(j["targets"]) == 64 and "t0@many.org" not in j["targets"]'

# ---- delete ------------------------------------------------------------------
run del-target 0 ms forward delete alice 'dave@X.NET' CAROL@other.org
has del-target out "alice@example.com -> bob@example.com, \"a b\"@x.net [keep]"
run del-unknown 66 ms forward delete alice nobody@x.net
has del-unknown err "not a target"
run show-del 0 ms forward show alice --json
json show-del 'j["targets"] == ["bob@example.com", "\"a b\"@x.net"]'
run del-last 0 ms forward delete alice bob '"a b"@x.net'
has del-last out "no target left"
run show-gone 66 ms forward show alice
run del-gone 66 ms forward delete alice
run del-whole 0 ms forward delete many
has del-whole out "deleted the forward of many"
run show-whole 66 ms forward show many

# ---- list ----------------------------------------------------------------------
for u in erin dave carol bob alice; do
	run "add-$u" 0 ms forward add "$u@list.org" "$u@elsewhere.net"
done
run add-other 0 ms forward add zed@zzz.org keep@example.com --keep
run list 0 ms forward list
has list out "alice@list.org -> alice@elsewhere.net"
has list out "zed@zzz.org -> keep@example.com [keep]"
if [ "$(head -n 1 "$tmp/out")" = "alice@list.org -> alice@elsewhere.net" ]
then ok; else bad "list: not sorted"; sed 's/^/    /' "$tmp/out" >&2; fi
run list-json 0 ms forward list --json
json list-json '[f["address"] for f in j["forwards"]] == ["alice@list.org", "bob@list.org", "carol@list.org", "dave@list.org", "erin@list.org", "zed@zzz.org"] and j["more"] is False and j["forwards"][5]["keep"] is True'
run list-page1 0 ms forward list --limit 4 --json
json list-page1 '[f["address"] for f in j["forwards"]] == ["alice@list.org", "bob@list.org", "carol@list.org", "dave@list.org"] and j["more"] is True'
run list-page1h 0 ms forward list --limit 4
has list-page1h err "--after dave@list.org"
run list-page2 0 ms forward list --limit 4 --after dave@list.org --json
json list-page2 '[f["address"] for f in j["forwards"]] == ["erin@list.org", "zed@zzz.org"] and j["more"] is False'
run list-badlimit 64 ms forward list --limit 0
run list-badlimit2 64 ms forward list --limit lots
run list-arg 64 ms forward list extra

# ---- hostile addresses: never a path ---------------------------------------
run hostile1 0 ms forward add '..@..' x@example.org
run hostile2 0 ms forward add '"..\..\x"@example.com' x@example.org
run hostile3 0 ms forward add 'CON.aux@nul' x@example.org
run hostile4 0 ms forward add 'x@y' '"../../etc/passwd"@x.org'
run hostile-bad 65 ms forward add '../../etc/passwd@x' x@example.org
weird=$(cd "$root" && find forward | grep -v '^forward\(/[0-9a-f][0-9a-f]\(/[0-9a-f][0-9a-f]\(/[a-z0-9-]*\.fwd\)\?\)\?\)\?$')
if [ -z "$weird" ]; then ok; else bad "unsafe names under forward/: $weird"; fi
if [ -e "$root/etc" ] || [ -e "$tmp/etc" ] || [ -e "$root/x" ]; then
	bad "a hostile address made a path"
else
	ok
fi
run show-hostile 0 ms forward show '"..\..\x"@EXAMPLE.com' --json
json show-hostile 'j["address"] == "\"..\\..\\x\"@example.com"'

# ---- a damaged entry file ------------------------------------------------------
run add-dmg 0 ms forward add damaged@example.com t@example.org
f=$(find "$root/forward" -name 'damaged-example-com-*.fwd')
if [ -n "$f" ] && grep -q '^to: t@example.org$' "$f"; then ok; else
	bad "entry file of damaged@example.com not found"; fi
printf 'format: 1\naddress: damaged@example.com\nkeep: perhaps\n' >"$f"
run show-dmg 75 ms forward show damaged@example.com
has show-dmg err "damaged"
run add-dmg2 75 ms forward add damaged@example.com u@example.org
run list-dmg 0 ms forward list --json
json list-dmg '"damaged@example.com" not in [f["address"] for f in j["forwards"]]'
# check and reconstruct report it (only an admin can mend it)
run check-dmg 1 ms check --all
has check-dmg out "forward-damaged"
run recon-dmg 1 ms reconstruct --all
has recon-dmg out "forward-damaged"
run del-dmg 0 ms forward delete damaged@example.com
run check-dmg2 0 ms check --all
lacks check-dmg2 out "forward-damaged"
run add-dmg3 0 ms forward add damaged@example.com u@example.org
run show-dmg3 0 ms forward show damaged@example.com --json
json show-dmg3 'j["targets"] == ["u@example.org"]'

# ---- help ------------------------------------------------------------------------
run help 0 "$cli" help
has help out "forward add"
has help out "forward list"
run help-cmd 0 "$cli" help forward add
has help-cmd out "msgstore forward add ADDRESS TARGET..."

finish
