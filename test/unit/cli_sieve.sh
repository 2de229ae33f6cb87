#!/bin/sh
# cli_sieve.sh -- end-to-end tests of `msgstore sieve ...` against a
# temporary store: put from stdin (new, replace), get (exact bytes), list
# (human and JSON, order, the active mark), activate / deactivate,
# delete (the active one refused), rename (active stays active; an
# existing target refused), check, the limits (size, count, quota), and
# refusals with their exit codes (65 bad name or script, 66 no such
# script, 67 no such account, 73 over a limit, 77 the active script, 64
# usage), hostile names that never become paths.
#
# Usage: sh test/unit/cli_sieve.sh [BINDIR]     (default build/bin)
# Run from the repository root.  Prints one line per failure and a final
# "cli_sieve: N passed, M failed"; exits non-zero when anything failed.
set -u

bindir=${1:-build/bin}
cli=$bindir/msgstore
suite=cli_sieve
. "$(dirname "$0")/cli_lib.sh"

# ms ARGS...: msgstore on the test store.
ms() {
	"$cli" --set "store.root=$root" --set store.default_domain=example.com \
		--set sieve.max_scripts=3 --set sieve.max_script_size=200 \
		--set sieve.quota=300 "$@"
}

input 'pw-secret-1\n'
run create 0 ms account create alice --password-stdin

# ---- put / get / list ------------------------------------------------------
input 'require "fileinto";\nif header :contains "subject" "x" {\n  fileinto "X";\n}\n'
run put 0 ms sieve put alice main
has put out "stored script 'main' of alice"
run get 0 ms sieve get alice@example.com main
printf 'require "fileinto";\nif header :contains "subject" "x" {\n  fileinto "X";\n}\n' >"$tmp/want"
if cmp -s "$tmp/out" "$tmp/want"; then ok; else bad "get: bytes differ"; fi
input 'keep;\n'
run put2 0 ms sieve put alice "Zeta script"
input 'discard;\n'
run put3 0 ms sieve put alice 'a "quoted" name'
run list 0 ms sieve list alice
has list out "  Zeta script (6 bytes)"
has list out "  main ("
run list-json 0 ms sieve list alice --json
json list-json 'j["account"] == "alice" and [s["name"] for s in j["scripts"]] == ["Zeta script", "a \"quoted\" name", "main"] and not any(s["active"] for s in j["scripts"]) and j["scripts"][0]["size"] == 6'

# replace keeps one script of the name
input 'stop;\n'
run replace 0 ms sieve put alice "Zeta script"
run get-replaced 0 ms sieve get alice "Zeta script"
has get-replaced out "stop;"

# ---- activate / deactivate / delete / rename --------------------------------
run activate 0 ms sieve activate alice main
has activate out "script 'main' of alice is active"
run list-active 0 ms sieve list alice
has list-active out "* main"
run delete-active 77 ms sieve delete alice main
has delete-active err "active script"
run rename 0 ms sieve rename alice main filters
run list-renamed 0 ms sieve list alice --json
json list-renamed '[s["name"] for s in j["scripts"] if s["active"]] == ["filters"]'
run rename-exists 73 ms sieve rename alice filters "Zeta script"
run rename-missing 66 ms sieve rename alice nope x
run deactivate 0 ms sieve deactivate alice
run list-none 0 ms sieve list alice --json
json list-none 'not any(s["active"] for s in j["scripts"])'
run delete 0 ms sieve delete alice filters
run delete-again 66 ms sieve delete alice filters
run get-missing 66 ms sieve get alice filters
run activate-missing 66 ms sieve activate alice filters
run activate-empty 64 ms sieve activate alice ""

# ---- bad scripts and names -------------------------------------------------
input 'keep;\nnosuchcommand;\n'
run put-bad 65 ms sieve put alice broken
has put-bad err "line 2"
run get-broken 66 ms sieve get alice broken
input 'keep;\nnosuchcommand;\n'
run check-bad 65 ms sieve check
has check-bad err "line 2"
input 'require "vacation";\nvacation "away";\n'
run check-good 0 ms sieve check
has check-good out "script is valid"
for name in "../../profile" "a/b" 'a\b' "." ".."; do
	input 'keep;\n'
	run "put-name-$name" 65 ms sieve put alice "$name"
done
input 'keep;\n'
run put-ctl 65 ms sieve put alice "$(printf 'a\tb')"
has put-ctl err "control character"
run list-clean 0 ms sieve list alice --json
json list-clean '[s["name"] for s in j["scripts"]] == ["Zeta script", "a \"quoted\" name"]'

# ---- limits ----------------------------------------------------------------
printf '#%0250d\n' 0 >"$tmp/in"
run put-big 73 ms sieve put alice big
has put-big err "too large"
input '#%0150d\n' 0
run put-150 0 ms sieve put alice q150
input 'keep;\n'
run put-fourth 73 ms sieve put alice fourth
has put-fourth err "Too many scripts"
# replacing: 9 + 152 + 190 bytes is over the quota of 300
input '#%0188d\n' 0
run put-quota 73 ms sieve put alice "Zeta script"
has put-quota err "quota"
run get-kept 0 ms sieve get alice "Zeta script"
has get-kept out "stop;"

# ---- accounts and usage ----------------------------------------------------
run nouser 67 ms sieve list nobody
run usage 64 ms sieve put alice
run usage2 64 ms sieve list
run help 0 ms help
has help out "sieve put"
has help out "sieve check"

finish
