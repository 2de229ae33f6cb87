#!/bin/sh
# cli_recon.sh -- `msgstore reconstruct` and `msgstore check` end to end:
# a store made with `account create` and `deliver`, damaged on disk
# (index, cache, mailbox list, quota), checked (exit 1, text and JSON),
# reconstructed (exit 0), checked clean; a second reconstruct fixes
# nothing; --dry-run changes nothing; usage errors (64) and unknown
# accounts (67); reconstruct --all while another process is delivering
# (no message lost, store clean afterwards).
#
# Usage: sh test/unit/cli_recon.sh [BINDIR]     (default build/bin)
# Run from the repository root.  Prints one line per failure and a final
# "cli_recon: N passed, M failed"; exits non-zero when anything failed.
set -u

bindir=${1:-build/bin}
cli=$bindir/msgstore
pass=0
fail=0

if [ ! -x "$cli" ]; then
	echo "cli_recon: $cli is missing (run make first)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_recon.XXXXXX") || exit 1
bgpid=
cleanup() {
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
unset MSGSTORE_CONF

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "cli_recon: FAIL: $*" >&2; }

ms() {
	"$cli" --set "store.root=$tmp/root" --set auth.pbkdf2_iterations=1000 \
		--set store.default_domain=example.com "$@"
}

# run NAME WANT_STATUS ARGS...: msgstore ARGS, stdout in $tmp/out,
# stderr in $tmp/err, status checked.
run() {
	name=$1 want=$2
	shift 2
	ms "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok
	else
		bad "$name: exit $got, want $want"
		sed 's/^/    /' "$tmp/out" "$tmp/err" >&2
	fi
}

# has NAME PATTERN: $tmp/out matches the extended regex
has() {
	if grep -Eq -- "$2" "$tmp/out"; then ok; else
		bad "$1: output lacks /$2/"
		sed 's/^/    /' "$tmp/out" >&2
	fi
}

# lacks NAME PATTERN: $tmp/out does not match the extended regex
lacks() {
	if grep -Eq -- "$2" "$tmp/out"; then
		bad "$1: output has /$2/"
		sed 's/^/    /' "$tmp/out" >&2
	else ok; fi
}

msg() {
	printf 'From: a@example.com\r\nTo: %s\r\nSubject: %s\r\n\r\nbody of %s\r\n' \
		"$1" "$2" "$2"
}

deliver() {
	msg "$1" "$2" | ms deliver "$1" >/dev/null 2>&1
}

home() {
	find "$tmp/root/users" -type d -name "$1-example-com-*" | head -1
}

# ---- a store with two accounts -----------------------------------------
echo "secret-alice" >"$tmp/pw"
run "create alice" 0 account create alice --password-stdin <"$tmp/pw"
run "create bob" 0 account create bob --password-stdin <"$tmp/pw"
for i in 1 2 3 4 5; do
	deliver alice@example.com "a$i" || bad "deliver alice $i"
	deliver bob@example.com "b$i" || bad "deliver bob $i"
done
ha=$(home alice)
[ -n "$ha" ] && [ -f "$ha/profile" ] && ok || bad "alice's home not found"

run "check clean" 0 check
has "check clean" "check: 2 account\\(s\\), 2 mailbox\\(es\\), 10 message\\(s\\); 0 fixed, 0 problem"
run "check clean --json" 0 check --json
has "check json" '"ok":true'
has "check json" '"problems":0'

# ---- damage: index, cache, mailbox list, quota -------------------------
rm -f "$ha/m/00000001/index" "$ha/m/00000001/cache" "$ha/mailboxes"
printf 'garbage' >"$ha/quota"
run "check damaged" 1 check
has "check damaged" "problem +alice@example.com: mblist-missing"
has "check damaged" "mailbox-damaged"
run "check damaged one account" 1 check alice
run "check other account" 0 check bob@example.com
run "check damaged --json" 1 check --json
has "check json damaged" '"ok":false'
has "check json damaged" '"what":"mblist-missing","count":1,"fixed":false'

run "dry run" 1 reconstruct --dry-run alice
has "dry run" "problem +alice@example.com"
[ ! -f "$ha/mailboxes" ] && ok || bad "dry run wrote the mailbox list"

run "reconstruct alice" 0 reconstruct alice
has "reconstruct alice" "fixed +alice@example.com: mblist-missing"
has "reconstruct alice" "quota-wrong"
has "reconstruct alice" "5 message\\(s\\); [1-9][0-9]* fixed, 0 problem"
[ -f "$ha/mailboxes" ] && ok || bad "mailbox list not recovered"
grep -q '^mailbox: 00000001 [0-9]* - INBOX$' "$ha/mailboxes" && ok ||
	bad "INBOX not recovered as INBOX"
run "check after" 0 check
has "check after" "10 message\\(s\\); 0 fixed, 0 problem"
run "reconstruct again" 0 reconstruct --all --json
has "reconstruct again" '"fixed":0,"problems":0,"errors":0,"items":\[\]'

# ---- usage and unknown accounts ------------------------------------------
run "reconstruct no args" 64 reconstruct
run "reconstruct both" 64 reconstruct --all alice
run "reconstruct bad opt" 64 reconstruct --bogus alice
run "check dry-run is no option" 64 check --dry-run
run "reconstruct unknown" 67 reconstruct nobody
run "check unknown" 67 check nobody@example.com
run "restored needs accounts" 64 reconstruct --restored --all
run "check has no --restored" 64 check --restored alice

# ---- an account restored from a backup ------------------------------------
uv_before=$(grep -h 'mailbox:' "$ha/mailboxes" | head -1)
run "reconstruct --restored" 0 reconstruct --restored alice
has "reconstruct --restored" "fixed +alice@example.com \"INBOX\": uidvalidity-new"
lacks "reconstruct --restored" "mailbox-damaged"
uv_after=$(grep -h 'mailbox:' "$ha/mailboxes" | head -1)
[ "$uv_before" != "$uv_after" ] && ok || bad "UIDVALIDITY kept: $uv_after"
run "check after --restored" 0 check alice
has "check after --restored" "0 fixed, 0 problem"

# ---- reconstruct while another process delivers ---------------------------
n=40
(
	i=1
	while [ $i -le $n ]; do
		deliver bob@example.com "c$i" || echo "deliver c$i failed" >>"$tmp/bgerr"
		i=$((i + 1))
	done
) &
bgpid=$!
k=0
while kill -0 "$bgpid" 2>/dev/null && [ $k -lt 50 ]; do
	ms reconstruct --all >/dev/null 2>"$tmp/rerr"
	st=$?
	# 0, or 75 when a lock could not be had in time
	if [ $st -ne 0 ] && [ $st -ne 75 ]; then
		bad "reconstruct during delivery: exit $st"
		sed 's/^/    /' "$tmp/rerr" >&2
	fi
	k=$((k + 1))
done
wait "$bgpid"
bgpid=
[ $k -ge 1 ] && ok || bad "no reconstruct ran during the delivery"
[ ! -s "$tmp/bgerr" ] && ok || { bad "deliveries failed"; cat "$tmp/bgerr" >&2; }
hb=$(home bob)
files=$(ls "$hb/m/00000001" | grep -c '\.msg$')
[ "$files" -eq $((5 + n)) ] && ok || bad "bob has $files message files, want $((5 + n))"
run "check after concurrent" 0 check --json
has "check after concurrent" "\"messages\":$((10 + n)),\"fixed\":0,\"problems\":0"
run "reconstruct after concurrent" 0 reconstruct --all
has "reconstruct after concurrent" "0 fixed, 0 problem"

echo "cli_recon: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
