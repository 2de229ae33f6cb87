#!/bin/sh
# cli_store.sh -- end-to-end tests of the msgstore store commands against
# a temporary store: account create/delete/show/list (paging, domain,
# JSON; domain, subdomain, last login), passwd, quota, flags, services,
# fullname, subdomain, move, site limits,
# mailbox list/create/delete/rename/subscribe (hostile names refused),
# deliver (exit codes per sysexits: 67 unknown user, 75 over quota, 65
# too large / empty, 73 over quota when permanent), and stats.
#
# Usage: sh test/unit/cli_store.sh [BINDIR]     (default build/bin)
# Run from the repository root.  Prints one line per failure and a final
# "cli_store: N passed, M failed"; exits non-zero when anything failed.
set -u

bindir=${1:-build/bin}
cli=$bindir/msgstore
suite=cli_store
. "$(dirname "$0")/cli_lib.sh"

# ms ARGS...: msgstore on the test store.
ms() {
	"$cli" --set "store.root=$root" --set auth.pbkdf2_iterations=1000 \
		--set store.default_domain=example.com "$@"
}

# ---- account create / show -----------------------------------------------
input 'secret-1\n'
run create 0 ms account create Alice@Example.COM --password-stdin \
	--quota 1M --quota-messages 100 --flags manage,lockpwd \
	--services imap --fullname "Alice Ümlaut \"Q\"" --subdomain "Sales Nord"
has create out "created"
run show 0 ms account show alice@example.com
has show out "alice@example.com"
has show out "manage lockpwd"
has show out "1048576"
has show out "Alice Ümlaut"
has show out "domain:          example.com"
has show out "subdomain:       Sales Nord"
has show out "last login:      never"
run show-json 0 ms account show ALICE@example.com --json
json show-json 'j["name"] == "alice@example.com" and j["flags"] == ["manage", "lockpwd"] and j["services"] == ["imap"] and j["quota_bytes"] == 1048576 and j["quota_messages"] == 100 and j["has_password"] is True and j["fullname"] == "Alice \u00dcmlaut \"Q\"" and j["domain"] == "example.com" and j["subdomain"] == "Sales Nord" and j["last_login"] is None'
# the profile records the domain; a login (written here as the servers
# will) shows up, a damaged lastlogin file reads as never/unknown
home=$(find "$root/users" -type d -name 'alice-example-com-*' | head -n 1)
if grep -qx 'domain: example.com' "$home/profile"; then ok; else bad "profile lacks domain"; fi
printf '2024-03-01T10:20:30Z\n' >"$home/lastlogin"
run show-login 0 ms account show alice@example.com
has show-login out "last login:      2024-03-01T10:20:30Z"
run show-login-json 0 ms account show alice@example.com --json
json show-login-json 'j["last_login"] == "2024-03-01T10:20:30Z"'
printf '2024-03-01T10:2' >"$home/lastlogin"
run show-login-torn 0 ms account show alice@example.com
has show-login-torn out "last login:      never"
rm -f "$home/lastlogin"

input 'pw\n'
run create-dup 73 ms account create alice@example.com --password-stdin
has create-dup err "alice@example.com"
run create-nopw 64 ms account create bob@example.com
has create-nopw err "--password-stdin"
input ''
run create-emptypw 65 ms account create bob@example.com --password-stdin
run create-badflag 64 ms account create bob@example.com --password-stdin --flags root
run create-badsvc 64 ms account create bob@example.com --password-stdin --services smtp
run create-badquota 64 ms account create bob@example.com --password-stdin --quota lots
input 'pw\n'
run create-badname 65 ms account create 'bad/name@example.com' --password-stdin
input 'pw\n'
run create-badname2 65 ms account create '../etc@example.com' --password-stdin
input 'pw\n'
run create-ctl 65 ms account create "$(printf 'a\tb@example.com')" --password-stdin
run show-nouser 67 ms account show nobody@example.com
has show-nouser err "nobody@example.com"
run create-pwargv 64 ms account create bob@example.com --password secret

# a bare name gets the default domain
input 'pw2\n'
run create-bare 0 ms account create bob --password-stdin
run show-bare 0 ms account show bob@example.com --json
json show-bare 'j["name"] == "bob@example.com" and j["services"] == ["imap", "pop"] and j["flags"] == []'

# ---- list, paging, domain filter -------------------------------------------
for u in carol dave erin frank; do
	input 'pw\n'
	run "create-$u" 0 ms account create "$u@example.com" --password-stdin
done
input 'pw\n'
run create-other 0 ms account create zed@other.org --password-stdin
run list 0 ms account list
has list out "alice@example.com"
has list out "zed@other.org"
run list-json 0 ms account list --json
json list-json 'j["accounts"] == sorted(j["accounts"]) and len(j["accounts"]) == 7 and j["more"] is False'
run list-page1 0 ms account list --limit 3 --json
json list-page1 'j["accounts"] == ["alice@example.com", "bob@example.com", "carol@example.com"] and j["more"] is True'
run list-page2 0 ms account list --limit 3 --after carol@example.com --json
json list-page2 'j["accounts"] == ["dave@example.com", "erin@example.com", "frank@example.com"] and j["more"] is True'
run list-page3 0 ms account list --limit 3 --after frank@example.com --json
json list-page3 'j["accounts"] == ["zed@other.org"] and j["more"] is False'
run list-human-more 0 ms account list --limit 2
has list-human-more err "--after bob@example.com"
run list-domain 0 ms account list --domain OTHER.org --json
json list-domain 'j["accounts"] == ["zed@other.org"]'
run list-badlimit 64 ms account list --limit 0
run list-extra 64 ms account list extra

# ---- passwd, quota, flags, services, fullname -------------------------------
input 'new-secret\n'
run passwd 0 ms account passwd alice@example.com --password-stdin
input 'x\n'
run passwd-nouser 67 ms account passwd nobody@example.com --password-stdin
run passwd-noflag 64 ms account passwd alice@example.com

run quota 0 ms account quota bob@example.com 2k 5
run quota-show 0 ms account show bob --json
json quota-show 'j["quota_bytes"] == 2048 and j["quota_messages"] == 5'
run quota-bad 64 ms account quota bob@example.com -5
run quota-nouser 67 ms account quota nobody@example.com 1

run flags 0 ms account flags bob@example.com +manage disabled
run flags-show 0 ms account show bob --json
json flags-show 'j["flags"] == ["manage", "disabled"]'
run flags-clear 0 ms account flags bob@example.com -disabled
run flags-show2 0 ms account show bob --json
json flags-show2 'j["flags"] == ["manage"]'
run flags-bad 64 ms account flags bob@example.com +root
run flags-none 64 ms account flags bob@example.com

run services 0 ms account services bob@example.com pop
run services-show 0 ms account show bob --json
json services-show 'j["services"] == ["pop"]'
run services-none 0 ms account services bob@example.com none
run services-show2 0 ms account show bob --json
json services-show2 'j["services"] == []'
run services-both 0 ms account services bob@example.com imap,pop
run services-bad 64 ms account services bob@example.com smtp

run fullname 0 ms account fullname bob@example.com "Bob B"
run fullname-show 0 ms account show bob --json
json fullname-show 'j["fullname"] == "Bob B"'

run subdomain 0 ms account subdomain bob@example.com "Support EMEA"
run subdomain-show 0 ms account show bob --json
json subdomain-show 'j["subdomain"] == "Support EMEA" and j["domain"] == "example.com"'
run subdomain-ctl 65 ms account subdomain bob@example.com "$(printf 'a\tb')"
run subdomain-nouser 67 ms account subdomain nobody@example.com x
run subdomain-noarg 64 ms account subdomain bob@example.com
run subdomain-show2 0 ms account show bob
has subdomain-show2 out "subdomain:       Support EMEA"
run subdomain-clear 0 ms account subdomain bob@example.com ""
run subdomain-show3 0 ms account show bob --json
json subdomain-show3 'j["subdomain"] == ""'
input 'pw\n'
run create-badsub 65 ms account create hank@example.com --password-stdin --subdomain "$(printf 'x\001')"

# ---- site limits ---------------------------------------------------------------
input 'pw\n'
run limit-accounts 73 ms --set limits.max_accounts=7 account create gina@example.com --password-stdin
has limit-accounts err "limit"
input 'pw\n'
run limit-imap 73 ms --set limits.max_imap_accounts=1 account create hank@example.com --password-stdin --services imap
input 'pw\n'
run limit-pop-ok 0 ms --set limits.max_imap_accounts=1 account create hank@example.com --password-stdin --services pop
run limit-services 73 ms --set limits.max_imap_accounts=1 account services hank@example.com imap,pop
rm -rf "$tmp/one"
input 'pw\n'
run limit-one 0 "$cli" --set "store.root=$tmp/one" --set auth.pbkdf2_iterations=1000 --set limits.max_accounts=1 account create a@x.org --password-stdin
input 'pw\n'
run limit-one-2 73 "$cli" --set "store.root=$tmp/one" --set auth.pbkdf2_iterations=1000 --set limits.max_accounts=1 account create b@x.org --password-stdin

# ---- mailboxes -----------------------------------------------------------------
run mb-list-empty 0 ms mailbox list alice@example.com --json
json mb-list-empty 'len(j) == 1 and j[0]["name"] == "INBOX" and j[0]["messages"] == 0 and j[0]["unseen"] == 0 and j[0]["size"] == 0'
run mb-create 0 ms mailbox create alice@example.com Sent --special '\Sent'
run mb-create2 0 ms mailbox create alice@example.com "Projects/2024/Été"
run mb-create3 0 ms mailbox create alice@example.com Projects
run mb-create-dup 73 ms mailbox create alice@example.com Sent
run mb-create-badsu 65 ms mailbox create alice@example.com Foo --special '\Bogus'
for n in '../x' 'a//b' '/lead' 'trail/' 'a/../b' 'wild*' 'pct%' "$(printf 'c\tx')" "$(printf 'nl\nx')" '.'; do
	run "mb-hostile[$n]" 65 ms mailbox create alice@example.com "$n"
done
run mb-list 0 ms mailbox list alice@example.com --json
json mb-list '[m["name"] for m in j] == ["INBOX", "Projects", "Projects/2024/\u00c9t\u00e9", "Sent"] and [m["special"] for m in j] == [None, None, None, "\\Sent"]'
run mb-list-human 0 ms mailbox list alice@example.com
has mb-list-human out "Projects/2024/Été"
has mb-list-human out '\Sent'
run mb-rename 0 ms mailbox rename alice@example.com Projects Work
run mb-rename-show 0 ms mailbox list alice@example.com --json
json mb-rename-show '"Work/2024/\u00c9t\u00e9" in [m["name"] for m in j] and not any(m["name"].startswith("Projects") for m in j)'
run mb-rename-missing 66 ms mailbox rename alice@example.com Nope Other
run mb-rename-exists 73 ms mailbox rename alice@example.com Sent "Work/2024/Été"
run mb-rename-bad 65 ms mailbox rename alice@example.com Sent '../Sent'
run mb-sub 0 ms mailbox subscribe alice@example.com Sent
run mb-sub-show 0 ms mailbox list alice@example.com --json
json mb-sub-show '[m["subscribed"] for m in j if m["name"] == "Sent"] == [True]'
run mb-unsub 0 ms mailbox subscribe alice@example.com Sent --off
run mb-unsub-show 0 ms mailbox list alice@example.com --json
json mb-unsub-show '[m["subscribed"] for m in j if m["name"] == "Sent"] == [False]'
run mb-sub-bad 65 ms mailbox subscribe alice@example.com 'a//b'
run mb-delete 0 ms mailbox delete alice@example.com "Work/2024/Été"
run mb-delete-show 0 ms mailbox list alice@example.com --json
json mb-delete-show '"Work/2024/\u00c9t\u00e9" not in [m["name"] for m in j]'
run mb-delete-missing 66 ms mailbox delete alice@example.com "Work/2024/Été"
run mb-delete-inbox 77 ms mailbox delete alice@example.com INBOX
run mb-nouser 67 ms mailbox list nobody@example.com
run mb-create-nouser 67 ms mailbox create nobody@example.com X

# ---- deliver --------------------------------------------------------------------
# 11 + 13 + 2 + 6 = 32 bytes once LF becomes CRLF, after the 50 bytes of
# "Return-Path: <>" and "Delivered-To: alice@example.com" (with CRLF)
input 'From: a@b\nSubject: hi\n\nbody\n'
run deliver 0 ms deliver alice@example.com
run deliver-show 0 ms mailbox list alice@example.com --json
json deliver-show '[(m["messages"], m["unseen"], m["size"]) for m in j if m["name"] == "INBOX"] == [(1, 1, 82)]'
run deliver-usage 0 ms account show alice --json
json deliver-usage 'j["used_messages"] == 1 and j["used_bytes"] == 82'

input 'Subject: to sent\r\n\r\nx\r\n'
run deliver-folder 0 ms deliver -m Sent -f sender@example.org alice@example.com
run deliver-folder-show 0 ms mailbox list alice@example.com --json
json deliver-folder-show '[(m["messages"], m["size"]) for m in j if m["name"] == "Sent"] == [(1, 23 + 68)]'
input 'Subject: fallback\n\nx\n'
run deliver-nofolder 0 ms deliver -m NoSuchFolder alice@example.com
run deliver-nofolder-show 0 ms mailbox list alice@example.com --json
json deliver-nofolder-show '[m["messages"] for m in j if m["name"] == "INBOX"] == [2]'

input 'Subject: x\n\nx\n'
run deliver-nouser 67 ms deliver nobody@example.com
has deliver-nouser err "nobody@example.com"
run deliver-empty 65 ms deliver alice@example.com
input 'Subject: big\n\n0123456789012345678901234567890123456789\n'
run deliver-toobig 65 ms --set deliver.max_size=20 deliver alice@example.com
has deliver-toobig err "too large"
input 'Subject: fits\n\nx\n'
run deliver-fits 0 ms --set deliver.max_size=20 deliver alice@example.com

# bob: quota 2048 bytes, 5 messages; 48 bytes of delivery headers each
input 'Subject: q\n\n%01950d\n' 0
run deliver-quota-ok 0 ms deliver bob@example.com
input 'Subject: q\n\n%02000d\n' 0
run deliver-overquota 75 ms deliver bob@example.com
has deliver-overquota err "bob@example.com"
input 'Subject: q\n\n%02000d\n' 0
run deliver-overquota-perm 73 ms --set deliver.quota_tempfail=no deliver bob@example.com
run deliver-overquota-show 0 ms mailbox list bob@example.com --json
json deliver-overquota-show 'j[0]["messages"] == 1'

# several addresses: an unknown one fails, the others get the message
input 'Subject: multi\n\nx\n'
run deliver-multi 67 ms deliver carol@example.com nobody@example.com dave@example.com
run deliver-multi-c 0 ms mailbox list carol@example.com --json
json deliver-multi-c 'j[0]["messages"] == 1'
run deliver-multi-d 0 ms mailbox list dave@example.com --json
json deliver-multi-d 'j[0]["messages"] == 1'
# a temporary failure wins over a permanent one
input 'Subject: q\n\n%02000d\n' 0
run deliver-multi-temp 75 ms deliver nobody@example.com bob@example.com
run deliver-noaddr 64 ms deliver
run deliver-badopt 64 ms deliver -x alice@example.com

# ---- stats ------------------------------------------------------------------------
run stats 0 ms stats
has stats out "accounts: 8"
run stats-json 0 ms stats --json
json stats-json 'j["accounts"] == 8 and len(j["partitions"]) == 1 and j["partitions"][0]["name"] == "default" and j["partitions"][0]["accounts"] == 8 and j["partitions"][0]["free_bytes"] > 0'

# ---- move between partitions ---------------------------------------------------
mkdir -p "$tmp/p2"
run move 0 ms --set "store.partitions=p2=$tmp/p2" account move carol@example.com p2
run move-show 0 ms --set "store.partitions=p2=$tmp/p2" account show carol --json
json move-show 'j["partition"] == "p2"'
run move-mail 0 ms --set "store.partitions=p2=$tmp/p2" mailbox list carol --json
json move-mail 'j[0]["messages"] == 1'
run move-stats 0 ms --set "store.partitions=p2=$tmp/p2" stats --json
json move-stats '[p["accounts"] for p in j["partitions"]] == [7, 1]'
run move-bad 65 ms --set "store.partitions=p2=$tmp/p2" account move carol@example.com nowhere

# ---- delete ------------------------------------------------------------------------
run delete-noyes 64 ms account delete dave@example.com
run delete 0 ms account delete dave@example.com --yes
run delete-gone 67 ms account show dave@example.com
run delete-again 67 ms account delete dave@example.com --yes
input 'Subject: x\n\nx\n'
run delete-deliver 67 ms deliver dave@example.com

# ---- help lists the commands ------------------------------------------------------
run help 0 "$cli" help
has help out "account create"
has help out "account subdomain"
has help out "mailbox list"
has help out "deliver"
has help out "stats"
run help-account 0 "$cli" help account
has help-account out "--password-stdin"

# ---- who may manage: the superuser or the store's owner -----------------------------
# As root, run the command as nobody against a store root owns (refused,
# 77), then against one nobody owns (allowed).  Skipped when not root.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$tmp"
	chmod -R a+rX "$root"
	# the checkout may sit where nobody cannot reach it: use a copy
	cp "$cli" "$tmp/msgstore-copy" && chmod 755 "$tmp/msgstore-copy"
	cli=$tmp/msgstore-copy
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	run foreign-list 77 as_nobody "$cli" --set "store.root=$root" \
		account list
	has foreign-list err "only the superuser or the owner"
	run foreign-check 77 as_nobody "$cli" --set "store.root=$root" check
	# a delivery agent never bounces mail over a set-up problem: 75
	run foreign-deliver 75 as_nobody "$cli" --set "store.root=$root" \
		deliver alice@example.com
	chown -R 65534:65534 "$root"
	run owner-list 0 as_nobody "$cli" --set "store.root=$root" \
		account list
	run owner-check 0 as_nobody "$cli" --set "store.root=$root" check
fi

finish
