#!/bin/sh
# cli_smoke.sh -- smoke tests of the msgstore and msgstored programs:
# version, config show (values and origins), config check on good and
# bad files (exit 78 with FILE:LINE), --set overrides, usage errors (64).
#
# Usage: sh test/unit/cli_smoke.sh [BINDIR]     (default build/bin)
# Run from the repository root.  Prints one line per failure and a final
# "cli_smoke: N passed, M failed"; exits non-zero when anything failed.
set -u

bindir=${1:-build/bin}
cli=$bindir/msgstore
srv=$bindir/msgstored
pass=0
fail=0

for b in "$cli" "$srv"; do
	if [ ! -x "$b" ]; then
		echo "cli_smoke: $b is missing (run make first)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_smoke.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
unset MSGSTORE_CONF

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "cli_smoke: FAIL: $*" >&2; }

# run NAME WANT_STATUS CMD...: runs CMD, keeps stdout in $tmp/out and
# stderr in $tmp/err, and checks the exit status.
run() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok
	else
		bad "$name: exit $got, wanted $want"
		sed 's/^/    /' "$tmp/out" "$tmp/err" >&2
	fi
}

# has NAME FILE TEXT: FILE ($tmp/out or $tmp/err) contains TEXT.
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

# ---- version -----------------------------------------------------------
run version 0 "$cli" version
has version out "msgstore 0.1.0 ("
run --version 0 "$cli" --version
has --version out "msgstore 0.1.0 ("
run version-args 64 "$cli" version extra
run srv-version 0 "$srv" --version
has srv-version out "msgstore 0.1.0"

# ---- config show ---------------------------------------------------------
run show 0 "$cli" config show
has show out "store.root = ./var"
has show out "# default"
has show out "# no configuration file"
has show out "log.level = info"
has show out 'server.user = ""'

run show-set 0 "$cli" --set log.level=debug --set 'store.root=/srv/mail store' config show
has show-set out "log.level = debug"
has show-set out 'store.root = /srv/mail store'
has show-set out "# --set"
lacks show-set out "log.level = info"

run show-loglevel 0 "$cli" --log-level warn config show log.level
has show-loglevel out "log.level = warn"
has show-loglevel out "# --log-level"

run show-key-unknown 64 "$cli" config show store.rot
has show-key-unknown err "did you mean 'store.root'?"

cat >"$tmp/good.conf" <<'EOF'
# a good file
[store]
root = /var/mail/store

log.level = warn
EOF
run show-file 0 "$cli" -c "$tmp/good.conf" config show
has show-file out "store.root = /var/mail/store"
has show-file out "# $tmp/good.conf:3"
has show-file out "# $tmp/good.conf:5"
has show-file out "# configuration file: $tmp/good.conf"

# --set overrides the file
run show-file-set 0 "$cli" -c "$tmp/good.conf" --set store.root=/other config show store.root
has show-file-set out "store.root = /other"
has show-file-set out "# --set"

# the environment names the file when -c does not
MSGSTORE_CONF=$tmp/good.conf run show-env 0 "$cli" config show store.root
has show-env out "$tmp/good.conf:3"

# ---- config check --------------------------------------------------------
run check-defaults 0 "$cli" config check
has check-defaults out "configuration OK"
run check-good 0 "$cli" -c "$tmp/good.conf" config check
run check-shipped 0 "$cli" -c config/msgstore.conf config check

cat >"$tmp/bad.conf" <<'EOF'
# unknown key on line 3
store.root = /x
log.levle = debug
EOF
run check-bad 78 "$cli" -c "$tmp/bad.conf" config check
has check-bad err "$tmp/bad.conf:3: unknown key 'log.levle' (did you mean 'log.level'?)"

printf 'log.level = loud\n' >"$tmp/badval.conf"
run check-badval 78 "$cli" --config "$tmp/badval.conf" config check
has check-badval err "$tmp/badval.conf:1: log.level (enum): 'loud' is not one of"

printf 'store.root = /a\nstore.root = /b\n' >"$tmp/dup.conf"
run check-dup 78 "$cli" -c "$tmp/dup.conf" config check
has check-dup err "$tmp/dup.conf:2: 'store.root' given twice (first on line 1)"

printf 'log.repeat_window = 10y\n' >"$tmp/badsecs.conf"
run check-badsecs 78 "$cli" -c "$tmp/badsecs.conf" config check
has check-badsecs err "$tmp/badsecs.conf:1:"

run check-missing 78 "$cli" -c "$tmp/nonexistent.conf" config check
has check-missing err "$tmp/nonexistent.conf"

MSGSTORE_CONF=$tmp/bad.conf run check-env-bad 78 "$cli" config check
has check-env-bad err "$tmp/bad.conf:3:"

run check-set-bad 78 "$cli" --set log.sink=paper config check
has check-set-bad err "--set: log.sink (enum): 'paper' is not one of stderr|file|syslog"
run check-set-unknown 78 "$cli" --set store.rot=/x config check
has check-set-unknown err "did you mean 'store.root'?"

# checks across keys
run check-sink-file 78 "$cli" --set log.sink=file config check
has check-sink-file err "log.sink = file needs log.file"

# ---- usage errors --------------------------------------------------------
run no-command 64 "$cli"
has no-command err "usage: msgstore"
run unknown-command 64 "$cli" frobnicate
has unknown-command err "unknown command 'frobnicate'"
run partial-command 64 "$cli" config
has partial-command err "config show"
run unknown-option 64 "$cli" --frob version
has unknown-option err "unknown option --frob"
run set-no-equals 64 "$cli" --set store.root version
run c-no-value 64 "$cli" -c
run bad-log-level 64 "$cli" --log-level loud version
run help 0 "$cli" help
has help out "config check"
run help-cmd 0 "$cli" help config show
has help-cmd out "msgstore config show"
run --help 0 "$cli" --help
has --help out "--set KEY=VALUE"

# ---- msgstored -----------------------------------------------------------
# (start-up, listeners, reload and stop are test/proto/test_runtime.py's)
run srv-version 0 "$srv" --version
has srv-version out "msgstored: "
run srv-bad 78 "$srv" -c "$tmp/bad.conf"
has srv-bad err "$tmp/bad.conf:3:"
run srv-badset 78 "$srv" --set imap.max_line=1
run srv-arg 64 "$srv" extra
run srv-help 0 "$srv" --help

echo "cli_smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
