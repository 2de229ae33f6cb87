#!/bin/sh
# deps.sh -- make sure the build dependencies are installed.
#
# Checks for each header/tool the build needs; when something is missing
# it installs the packages with apt-get (Debian/Ubuntu) or dnf (RHEL,
# Fedora) when run as root, and otherwise prints the exact command to run
# and fails.  Called by `make run`, `make check` and the other entry points,
# so README's two commands are the whole set-up.
set -u

# name:header-or-command:debian-package:rpm-package
DEPS="
cc:cmd:gcc:gcc
make:cmd:make:make
python3:cmd:python3:python3
clang:cmd:clang:clang
cunit:CUnit/CUnit.h:libcunit1-dev:CUnit-devel
openssl:openssl/ssl.h:libssl-dev:openssl-devel
zlib:zlib.h:zlib1g-dev:zlib-devel
sasl:sasl/sasl.h:libsasl2-dev:cyrus-sasl-devel
saslplugins:saslplug:libsasl2-modules:cyrus-sasl-plain,cyrus-sasl-md5,cyrus-sasl-scram
pcre2:pcre2.h:libpcre2-dev:pcre2-devel
libfuzzer:fuzzer:libclang-rt-dev:compiler-rt
"

have_header() {
	# pcre2.h insists on a code unit width
	printf '#include <%s>\nint main(void) { return 0; }\n' "$1" |
		${CC:-cc} -DPCRE2_CODE_UNIT_WIDTH=8 -x c -fsyntax-only - >/dev/null 2>&1
}

# libFuzzer ships in clang's runtime; ask clang to link a trivial target.
have_fuzzer() {
	command -v clang >/dev/null 2>&1 || return 1
	tmp=$(mktemp -d) || return 1
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/f.c"
	clang -fsanitize=fuzzer "$tmp/f.c" -o "$tmp/f" >/dev/null 2>&1
	rc=$?
	rm -rf "$tmp"
	return $rc
}

# The Cyrus SASL mechanisms ms_sasl.c offers (PLAIN, LOGIN, CRAM-MD5,
# SCRAM-SHA-*) are plugins in packages of their own.
have_sasl_plugins() {
	for p in libplain liblogin libcrammd5 libscram; do
		found=no
		for f in /usr/lib/*/sasl2/$p.so* /usr/lib64/sasl2/$p.so* \
		    /usr/lib/sasl2/$p.so*; do
			[ -e "$f" ] && found=yes
		done
		[ $found = yes ] || return 1
	done
}

if command -v apt-get >/dev/null 2>&1; then
	PM=apt
elif command -v dnf >/dev/null 2>&1; then
	PM=dnf
else
	PM=none
fi

# `deps.sh bench`: also what `make bench` compares against (Dovecot from
# the distribution's packages, with Pigeonhole for Sieve and ManageSieve)
# and drives (openssl for its certificate).
if [ "${1:-}" = bench ]; then
	DEPS="$DEPS
dovecot:cmd:dovecot-imapd:dovecot
dovecot-lmtp:lmtp:dovecot-lmtpd:dovecot
dovecot-pop3:pop3:dovecot-pop3d:dovecot
dovecot-sieve:sieve:dovecot-sieve:dovecot-pigeonhole
dovecot-managesieve:managesieve:dovecot-managesieved:dovecot-pigeonhole
openssl:cmd:openssl:openssl
"
fi

missing=""
for d in $DEPS; do
	name=$(echo "$d" | cut -d: -f1)
	what=$(echo "$d" | cut -d: -f2)
	deb=$(echo "$d" | cut -d: -f3)
	rpm=$(echo "$d" | cut -d: -f4 | tr , ' ')
	case "$what" in
	cmd) command -v "$name" >/dev/null 2>&1 && continue ;;
	fuzzer) have_fuzzer && continue ;;
	saslplug) have_sasl_plugins && continue ;;
	lmtp) [ -x /usr/lib/dovecot/lmtp ] && continue ;;
	pop3) [ -x /usr/lib/dovecot/pop3 ] && continue ;;
	sieve) [ -e /usr/lib/dovecot/modules/lib90_sieve_plugin.so ] && continue ;;
	managesieve) [ -x /usr/lib/dovecot/managesieve ] && continue ;;
	*) have_header "$what" && continue ;;
	esac
	if [ "$PM" = dnf ]; then
		missing="$missing $rpm"
	else
		missing="$missing $deb"
	fi
done

[ -z "$missing" ] && exit 0

case "$PM" in
apt) cmd="apt-get update && apt-get install -y$missing" ;;
dnf) cmd="dnf install -y$missing" ;;
*)
	echo "deps: missing:$missing (no apt-get or dnf here; install them by hand)" >&2
	exit 1
	;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing build dependencies. Run as root:" >&2
	echo "    sudo sh -c '$cmd'" >&2
	exit 1
fi

echo "deps: installing:$missing"
if [ "$PM" = apt ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq $missing >/dev/null || exit 1
else
	# RHEL keeps CUnit-devel in CRB/EPEL; enable them when present.
	dnf install -y -q dnf-plugins-core >/dev/null 2>&1 &&
		dnf config-manager --set-enabled crb >/dev/null 2>&1
	dnf install -y -q $missing || exit 1
fi
echo "deps: done"
