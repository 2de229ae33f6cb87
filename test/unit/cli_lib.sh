# cli_lib.sh -- the harness shared by the CLI tests (cli_store.sh,
# cli_fwd.sh), sourced after they set $suite and $cli.
#
# Gives: $tmp (a scratch directory removed at exit), $root (a store under
# it), $have_py; ok / bad (count a check); run NAME STATUS CMD... (stdout
# to $tmp/out, stderr to $tmp/err, stdin from `input`); input FORMAT...;
# has / lacks NAME out|err TEXT; json NAME EXPR; and finish (prints
# "$suite: N passed, M failed" and sets the exit status).

pass=0
fail=0

if [ ! -x "$cli" ]; then
	echo "$suite: $cli is missing (run make first)" >&2
	exit 1
fi
if command -v python3 >/dev/null 2>&1; then
	have_py=1
else
	have_py=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$suite.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
unset MSGSTORE_CONF
root=$tmp/store

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "$suite: FAIL: $*" >&2; }

# run NAME WANT_STATUS CMD...: runs CMD with stdin from $tmp/in (empty
# unless set), stdout to $tmp/out, stderr to $tmp/err; checks the status.
run() {
	name=$1 want=$2
	shift 2
	[ -f "$tmp/in" ] || : >"$tmp/in"
	"$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	got=$?
	rm -f "$tmp/in"
	if [ "$got" -eq "$want" ]; then
		ok
	else
		bad "$name: exit $got, wanted $want"
		sed 's/^/    /' "$tmp/out" "$tmp/err" >&2
	fi
}

# input TEXT: the next run's standard input (printf format).
input() { printf "$@" >"$tmp/in"; }

has() {
	if grep -qF -- "$3" "$tmp/$2"; then
		ok
	else
		bad "$1: $2 lacks '$3'"
		sed 's/^/    /' "$tmp/$2" >&2
	fi
}

lacks() {
	if grep -qF -- "$3" "$tmp/$2"; then
		bad "$1: $2 has '$3'"
	else
		ok
	fi
}

# json NAME EXPR: $tmp/out is valid JSON and the Python expression EXPR
# over it (as j) is true.
json() {
	if [ "$have_py" -eq 0 ]; then
		ok
		return
	fi
	if python3 -c 'import json,sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2" 2>"$tmp/pyerr"; then
		ok
	else
		bad "$1: JSON check failed: $2"
		sed 's/^/    /' "$tmp/out" "$tmp/pyerr" >&2
	fi
}

finish() {
	echo "$suite: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
