"""msproto.py -- the protocol test harness for msgstored (test/proto).

Starts a private server, makes accounts, delivers mail and gives the tests
two kinds of client: a raw socket client that sends exact bytes and reads
exact responses (literals included), and imaplib connections.

The target is chosen by the environment:

  MSPROTO_TARGET=msgstored   (default) build/bin/msgstored, or $MSGSTORED;
                             the msgstore CLI is the binary next to it
                             (or $MSGSTORE)
  MSPROTO_TARGET=dovecot     Debian's dovecot, run privately from a temporary
                             directory, so the same tests can be checked
                             against a mature server
  MSPROTO_KEEP=1             keep the temporary directory (for debugging)

Dovecot gets Sieve at delivery (LMTP and dovecot-lda) when Pigeonhole is
installed (dovecot-sieve) and a ManageSieve listener, port_of("managesieve"),
when dovecot-managesieved is; Dovecot(sieve_before=, submission_host=) sets
a site script and the SMTP host for the mail Sieve sends.  On either
target has_sieve() says whether Sieve runs and sieve_install(user, text,
name) stores a script and makes it the active one.

One server is shared by all the tests of a process (started on first use,
stopped at exit); every test gets its own fresh account, so tests do not
see each other's mail.  Servers listen on 127.0.0.1 only and are stopped by
pid (SIGTERM, then SIGKILL after 5 s).  Python 3 standard library only.
"""
import atexit
import base64
import hashlib
import hmac
import imaplib
import itertools
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 10.0

_counter = itertools.count(1)


def target_name():
    return os.environ.get("MSPROTO_TARGET", "msgstored").lower()


def free_port():
    """A port that was free on 127.0.0.1 a moment ago (for Dovecot)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_cert(directory):
    """A self-signed certificate for localhost: (cert path, key path)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    return cert, key


def _stop_proc(proc):
    """SIGTERM by pid, wait 5 s, then SIGKILL; always reaps."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


class ServerError(Exception):
    pass


class User:
    def __init__(self, name, password):
        self.name = name
        self.password = password

    def __repr__(self):
        return "User(%r)" % self.name


class _Base:
    """What every target offers: host, port, tls_port, start(), stop(),
    add_user(), deliver(), set_quota(), alive(), log_tail()."""
    name = "?"
    host = "127.0.0.1"
    port = None
    tls_port = None

    def new_user(self, prefix="u", **kw):
        n = next(_counter)
        name = "%s%d_%d@localhost" % (prefix, os.getpid() % 10000, n)
        return self.add_user(name, "pw-%d-secret" % n, **kw)

    def managesieve(self, user, *cmds):
        """Log in over ManageSieve (RFC 5804, AUTHENTICATE PLAIN) and run
        cmds (bytes, each a whole command with its CRLF); raises
        AssertionError with the server's words when one is refused."""
        sock = socket.create_connection((self.host,
                                         self.port_of("managesieve")), 30)
        f = sock.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if not line:
                    raise AssertionError("managesieve: connection closed")
                m = re.search(rb"\{(\d+)\+?\}\r\n$", line)
                if m:       # a literal (error text): read it along
                    line += f.read(int(m.group(1)) + 2)
                if line[:2] == b"OK" or line[:2] == b"NO" or \
                        line[:3] == b"BYE":
                    return line

        def cmd(data):
            sock.sendall(data)
            r = reply()
            if not r.startswith(b"OK"):
                raise AssertionError("managesieve %r: %r" % (data[:40], r))
        try:
            reply()             # the greeting's capabilities, then OK
            ir = base64.b64encode(b"\0" + user.name.encode() + b"\0" +
                                  user.password.encode())
            cmd(b'AUTHENTICATE "PLAIN" "' + ir + b'"\r\n')
            for c in cmds:
                cmd(c)
            sock.sendall(b"LOGOUT\r\n")
        finally:
            f.close()
            sock.close()

    def sieve_upload(self, user, text, name="main", activate=True):
        """Upload a script the way a user does: PUTSCRIPT (and SETACTIVE)
        over ManageSieve."""
        if isinstance(text, str):
            text = text.encode("utf-8")
        cmds = [b'PUTSCRIPT "' + name.encode() + b'" {%d+}\r\n' %
                len(text) + text + b"\r\n"]
        if activate:
            cmds.append(b'SETACTIVE "' + name.encode() + b'"\r\n')
        self.managesieve(user, *cmds)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class Server(_Base):
    """A private msgstored with a fresh store under a temporary directory."""
    name = "msgstored"
    # every listener it gets (on an ephemeral port); port_of(kind) says
    # where, or None for a protocol msgstored does not serve yet
    KINDS = ("imap", "imaps", "pop3", "pop3s", "lmtp", "poppassd", "socketmap",
             "managesieve", "http", "https")

    def __init__(self, binary=None, cli=None, extra_set=()):
        self.binary = binary or os.environ.get("MSGSTORED") or \
            os.path.join(TOP, "build", "bin", "msgstored")
        self.cli = cli or os.environ.get("MSGSTORE") or \
            os.path.join(os.path.dirname(self.binary), "msgstore")
        self.extra_set = list(extra_set)
        self.dir = tempfile.mkdtemp(prefix="msproto-")
        self.root = os.path.join(self.dir, "store")
        os.mkdir(self.root)
        self.conf = os.path.join(self.dir, "msgstore.conf")
        self.errpath = os.path.join(self.dir, "stderr.log")
        with open(self.conf, "w") as f:
            f.write("# written by test/proto/msproto.py\n"
                    "store.root = %s\n"
                    "log.sink = stderr\n"
                    "log.level = info\n"
                    "server.first_account =\n"
                    "server.max_unauth_per_ip = 1000\n"
                    "auth.fail_delay = 0s\n"
                    "auth.max_fail_per_ip = 100000\n"
                    "auth.max_fail_per_account = 100000\n"
                    "imap.idle_poll = 1s\n" % self.root)
        self.proc = None
        self.errf = None
        self.stdout_lines = []
        self._ports = {}
        self._cond = threading.Condition()

    def _sets(self):
        s = ["store.root=" + self.root,
             "log.sink=stderr"] + \
            ["%s.listen=127.0.0.1:0" % k for k in self.KINDS] + \
            self.extra_set
        out = []
        for kv in s:
            out += ["--set", kv]
        return out

    def run_cli(self, args, stdin=None, check=True):
        cmd = [self.cli, "-c", self.conf] + args
        r = subprocess.run(cmd, input=stdin, capture_output=True,
                           timeout=60)
        if check and r.returncode != 0:
            raise ServerError("%s: exit %d\n%s%s" % (
                " ".join(cmd), r.returncode, r.stdout.decode("utf-8",
                "replace"), r.stderr.decode("utf-8", "replace")))
        return r

    def add_user(self, name, password, quota_bytes=None, quota_messages=None):
        args = ["account", "create", name, "--password-stdin"]
        if quota_bytes is not None:
            args += ["--quota", str(quota_bytes)]
        if quota_messages is not None:
            args += ["--quota-messages", str(quota_messages)]
        self.run_cli(args, stdin=(password + "\n").encode())
        return User(name, password)

    def set_quota(self, user, quota_bytes, quota_messages=0):
        self.run_cli(["account", "quota", user.name, str(quota_bytes),
                      str(quota_messages)])

    def deliver(self, user, message, folder=None):
        if isinstance(message, str):
            message = message.encode()
        args = ["deliver"]
        if folder:
            args += ["-m", folder]
        self.run_cli(args + [user.name], stdin=message)

    def has_sieve(self):
        """True when the msgstore CLI has the sieve command."""
        r = self.run_cli(["sieve"], check=False)
        return b"sieve put" in r.stderr + r.stdout

    def sieve_install(self, user, text, name="main", activate=True):
        """Store a Sieve script for the user (`msgstore sieve put`) and
        make it the active one (`msgstore sieve activate`)."""
        if isinstance(text, str):
            text = text.encode("utf-8")
        name_ = user.name if isinstance(user, User) else user
        self.run_cli(["sieve", "put", name_, name], stdin=text)
        if activate:
            self.run_cli(["sieve", "activate", name_, name])

    def _reader(self):
        pat = re.compile(r"msgstored: (\w+) listening on (\S+):(\d+)")
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.stdout_lines.append(line)
                m = pat.search(line)
                if m:
                    self._ports[m.group(1)] = int(m.group(3))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def start(self):
        if not os.access(self.binary, os.X_OK):
            raise ServerError("no msgstored at %s (build it, or set "
                              "MSGSTORED)" % self.binary)
        self.errf = open(self.errpath, "ab")
        with self._cond:            # a restart gets new ports
            self._ports = {}
        cmd = [self.binary, "-c", self.conf] + self._sets()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=self.errf, cwd=self.dir)
        self._rthread = threading.Thread(target=self._reader, daemon=True)
        self._rthread.start()
        deadline = time.time() + TIMEOUT
        with self._cond:
            while not ("imap" in self._ports and "imaps" in self._ports):
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    break
                self._cond.wait(min(left, 0.2))
        if not ("imap" in self._ports and "imaps" in self._ports):
            rc = self.proc.poll()
            self.stop()
            raise ServerError(
                "msgstored did not report its imap and imaps ports within "
                "%.0f s (%s)\ncommand: %s\nstdout:\n%s\nstderr:\n%s" % (
                    TIMEOUT, "exited %s" % rc if rc is not None else
                    "still running", " ".join(cmd),
                    "\n".join(self.stdout_lines), self.log_tail()))
        self.port = self._ports["imap"]
        self.tls_port = self._ports["imaps"]

    def port_of(self, kind):
        # the master prints every listener in one go, right after imap
        deadline = time.time() + 2
        with self._cond:
            while kind not in self._ports and time.time() < deadline:
                self._cond.wait(0.1)
            return self._ports.get(kind)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=60):
        try:
            with open(self.errpath, "rb") as f:
                data = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(data.splitlines()[-n:])

    def stop(self):
        _stop_proc(self.proc)
        if self.proc is not None and self.proc.stdout is not None:
            self._rthread.join(5)   # it reads to EOF, then ends
            self.proc.stdout.close()
        if self.errf:
            self.errf.close()
            self.errf = None

    def cleanup(self):
        self.stop()
        if not os.environ.get("MSPROTO_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


DOVECOT_CONF = """\
# written by test/proto/msproto.py: a private dovecot for the proto tests
protocols = {protocols}
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = yes
ssl_cert = <{base}/cert.pem
ssl_key = <{base}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login scram-sha-256
auth_failure_delay = 0
auth_verbose = yes
login_trusted_networks = 127.0.0.0/8
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir:LAYOUT=fs
mail_fsync = always
mail_plugins = quota
mail_max_userip_connections = 1000
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/passwd
  default_fields = uid={uid} gid={gid} home={base}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  prefix =
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_quota imap_zlib
  mail_max_userip_connections = 1000
}}
plugin {{
  quota = count:User quota
  quota_vsizes = yes
  quota_max_mail_size = 64M
  quota_full_tempfail = yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
  process_min_avail = 0
}}
service anvil {{
  client_limit = 5000
  # no failed-login penalty: the auth process cannot reach this socket
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  client_limit = 5000
}}
"""

DOVECOT_POP3 = """\
protocol pop3 {{
  pop3_uidl_format = %08Xu%08Xv
  mail_max_userip_connections = 1000
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {pop3s_port}
    ssl = yes
  }}
}}
""" 

DOVECOT_LMTP = """\
protocol lmtp {{
  mail_fsync = always
{lmtp_plugins}}}
lmtp_rcpt_check_quota = yes
lmtp_save_to_detail_mailbox = yes
recipient_delimiter = +
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""

# Pigeonhole (dovecot-sieve): every user's scripts in ~/sieve, the active
# one a symlink ~/.dovecot.sieve (what ManageSieve itself maintains);
# dovecot-lda runs Sieve too (Dovecot.deliver)
DOVECOT_SIEVE = """\
protocol lda {{
  mail_plugins = $mail_plugins sieve
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
{sieve_extra}}}
"""

# dovecot-managesieved: ManageSieve (protocol "sieve") on a loopback port
DOVECOT_MANAGESIEVE = """\
service managesieve-login {{
  inet_listener sieve {{
    address = 127.0.0.1
    port = {sieve_port}
  }}
}}
"""

POOL_SIZE = 600


class Dovecot(_Base):
    """Debian's dovecot, run privately on loopback ports (the reference)."""
    name = "dovecot"

    def __init__(self, binary=None, sieve_before=None, submission_host=None):
        self.binary = binary or shutil.which("dovecot") or \
            "/usr/sbin/dovecot"
        self.lda = "/usr/lib/dovecot/dovecot-lda"
        self.dir = tempfile.mkdtemp(prefix="msproto-dc-")
        os.chmod(self.dir, 0o755)
        for d in ("run", "state", "mail"):
            os.mkdir(os.path.join(self.dir, d))
        if os.geteuid() == 0:
            self.uid, self.gid = 65534, 65534
            internal, login = "dovecot", "dovenull"
            os.chown(os.path.join(self.dir, "mail"), self.uid, self.gid)
        else:
            import pwd
            self.uid, self.gid = os.getuid(), os.getgid()
            internal = login = pwd.getpwuid(self.uid).pw_name
        self.passwd = os.path.join(self.dir, "passwd")
        # dovecot's passwd-file driver looks at the file at most once a
        # second, so users made on the fly only work a second later: hand
        # out users from a pool written before the start instead
        self.users = {}
        self.pool = []
        for i in range(1, POOL_SIZE + 1):
            name = "p%d@localhost" % i
            self.users[name] = ("pool-%d-secret" % i, "")
            self.pool.append(User(name, "pool-%d-secret" % i))
        self._write_passwd()
        make_cert(self.dir)
        # pop3 and lmtp where their Debian packages are installed; Sieve
        # at delivery where Pigeonhole is (dovecot-sieve), ManageSieve
        # (protocol "sieve") where dovecot-managesieved is
        self.protocols = ["imap"] + [
            p for p in ("pop3", "lmtp")
            if os.path.exists("/usr/lib/dovecot/%s" % p)]
        self.sieve = os.path.exists(
            "/usr/lib/dovecot/modules/lib90_sieve_plugin.so")
        if self.sieve and os.path.exists("/usr/lib/dovecot/managesieve"):
            self.protocols.append("sieve")
        ports = set()
        while len(ports) < 6:
            ports.add(free_port())
        (self.port, self.tls_port, self.pop3_port, self.pop3s_port,
         self.lmtp_port, self.sieve_port) = sorted(ports)
        # the Sieve settings the tests need: a site script run before the
        # user's (sieve_before) and an SMTP host for what Sieve sends
        # (vacation, redirect, reject's bounce, notify)
        sieve_extra = ""
        if sieve_before:
            sieve_extra += "  sieve_before = %s\n" % sieve_before
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            conf = DOVECOT_CONF
            if submission_host:
                conf += "submission_host = %s\n" % submission_host
            if "pop3" in self.protocols:
                conf += DOVECOT_POP3
            if "lmtp" in self.protocols:
                conf += DOVECOT_LMTP
            if self.sieve:
                conf += DOVECOT_SIEVE
            if "sieve" in self.protocols:
                conf += DOVECOT_MANAGESIEVE
            f.write(conf.format(base=self.dir, uid=self.uid,
                                gid=self.gid, internal=internal,
                                login=login, port=self.port,
                                protocols=" ".join(self.protocols),
                                tls_port=self.tls_port,
                                pop3_port=self.pop3_port,
                                pop3s_port=self.pop3s_port,
                                lmtp_port=self.lmtp_port,
                                lmtp_plugins="  mail_plugins = "
                                "$mail_plugins sieve\n" if self.sieve
                                else "",
                                sieve_extra=sieve_extra,
                                sieve_port=self.sieve_port))
        self.proc = None

    def _write_passwd(self):
        tmp = self.passwd + ".tmp"
        with open(tmp, "w") as f:
            for name, (pw, extra) in sorted(self.users.items()):
                f.write("%s:{PLAIN}%s::::::%s\n" % (name, pw, extra))
        os.chmod(tmp, 0o644)
        # dovecot re-reads the file when its mtime or size changes: make
        # every version's mtime strictly newer than the last
        self._stamp = max(getattr(self, "_stamp", 0) + 1, int(time.time()))
        os.utime(tmp, (self._stamp, self._stamp))
        os.rename(tmp, self.passwd)

    @staticmethod
    def _rule(quota_bytes, quota_messages):
        parts = []
        if quota_bytes:
            parts.append("storage=%dB" % quota_bytes)
        if quota_messages:
            parts.append("messages=%d" % quota_messages)
        if not parts:
            return ""
        return "userdb_quota_rule=*:" + ":".join(parts)

    def new_user(self, prefix="u", **kw):
        if kw or not self.pool:
            return _Base.new_user(self, prefix, **kw)
        return self.pool.pop(0)

    def add_user(self, name, password, quota_bytes=None, quota_messages=None):
        self.users[name] = (password, self._rule(quota_bytes, quota_messages))
        self._write_passwd()
        time.sleep(1.1)
        return User(name, password)

    def add_users(self, pairs):
        """Many users, [(name, password)], with one passwd write and one
        wait (bench/run.py: 100 LMTP recipients)."""
        for name, password in pairs:
            self.users[name] = (password, "")
        self._write_passwd()
        time.sleep(1.1)
        return [User(name, password) for name, password in pairs]

    def set_quota(self, user, quota_bytes, quota_messages=0):
        pw = self.users[user.name][0]
        self.users[user.name] = (pw, self._rule(quota_bytes, quota_messages))
        self._write_passwd()
        time.sleep(1.1)

    def deliver(self, user, message, folder=None):
        if isinstance(message, str):
            message = message.encode()
        cmd = [self.lda, "-c", self.conf, "-d", user.name]
        if folder:
            cmd += ["-m", folder]
        r = subprocess.run(cmd, input=message, capture_output=True,
                           timeout=60)
        if r.returncode != 0:
            raise ServerError("dovecot-lda exit %d: %s" % (
                r.returncode, r.stderr.decode("utf-8", "replace")))

    def start(self):
        cmd = [self.binary, "-F", "-c", self.conf]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection((self.host, self.port), 1).close()
                socket.create_connection((self.host, self.tls_port),
                                         1).close()
                return
            except OSError:
                time.sleep(0.1)
        err = b""
        if self.proc.poll() is not None:
            err = self.proc.stderr.read()
        self.stop()
        raise ServerError("dovecot did not start:\n%s\n%s" % (
            err.decode("utf-8", "replace"), self.log_tail()))

    def port_of(self, kind):
        if kind.rstrip("s") in ("pop3", "lmtp") and \
                kind.rstrip("s") not in self.protocols:
            return None
        if kind == "managesieve" and "sieve" not in self.protocols:
            return None
        return {"imap": self.port, "imaps": self.tls_port,
                "pop3": self.pop3_port, "pop3s": self.pop3s_port,
                "lmtp": self.lmtp_port,
                "managesieve": self.sieve_port}.get(kind)

    def home(self, user):
        """The user's home (userdb default_fields), made if missing."""
        name = user.name if isinstance(user, User) else user
        h = os.path.join(self.dir, "mail", name)
        if not os.path.isdir(h):
            os.makedirs(h, exist_ok=True)
            if os.geteuid() == 0:
                os.chown(h, self.uid, self.gid)
        return h

    def has_sieve(self):
        return self.sieve

    def sieve_install(self, user, text, name="main", activate=True):
        """What ManageSieve's PUTSCRIPT + SETACTIVE leave on disk:
        ~/sieve/NAME.sieve and the symlink ~/.dovecot.sieve to it.  Any
        compiled binary of an older version is removed, so Pigeonhole
        cannot take it for current (it compares modification times)."""
        if isinstance(text, str):
            text = text.encode("utf-8")
        h = self.home(user)
        d = os.path.join(h, "sieve")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, name + ".sieve")
        with open(path + ".tmp", "wb") as f:
            f.write(text)
        os.rename(path + ".tmp", path)
        try:
            os.unlink(os.path.join(d, name + ".svbin"))
        except FileNotFoundError:
            pass
        link = os.path.join(h, ".dovecot.sieve")
        if activate:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(os.path.join("sieve", name + ".sieve"), link)
        if os.geteuid() == 0:
            for x in (d, path):
                os.chown(x, self.uid, self.gid)
            if activate:
                os.lchown(link, self.uid, self.gid)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=60):
        try:
            with open(os.path.join(self.dir, "dovecot.log"), "rb") as f:
                data = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(data.splitlines()[-n:])

    def stop(self):
        _stop_proc(self.proc)

    def cleanup(self):
        self.stop()
        if not os.environ.get("MSPROTO_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# the shared server of this process

_server = None
_server_error = None


def server():
    """The shared server of this process, started on first use."""
    global _server, _server_error
    if _server is not None and not _server.alive():
        # it died: keep its log for the failing test, start another
        tail = _server.log_tail()
        _server.cleanup()
        _server = None
        _server_error = None
        sys.stderr.write("msproto: the server had died; its log:\n%s\n"
                         % tail)
    if _server is None:
        if _server_error is not None:
            raise ServerError(_server_error)
        t = target_name()
        if t == "dovecot":
            s = Dovecot()
        elif t == "msgstored":
            s = Server()
        else:
            raise ServerError("MSPROTO_TARGET must be msgstored or "
                              "dovecot, not %r" % t)
        try:
            s.start()
        except Exception as e:
            s.cleanup()
            _server_error = str(e)
            raise
        _server = s
        atexit.register(_shutdown)
    return _server


def _shutdown():
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None


# ---------------------------------------------------------------------------
# the raw client

LITERAL_RE = re.compile(rb"~?\{(\d+)\}\r\n$")


class Response:
    """One command's answer: untagged lines (literals inlined, CRLF
    stripped), continuation lines seen, and the tagged line."""

    def __init__(self, tag, untagged, tagged, conts):
        self.tag = tag
        self.untagged = untagged
        self.tagged = tagged
        self.conts = conts
        parts = tagged.split(b" ", 2)
        self.status = parts[1].decode("ascii", "replace").upper() \
            if len(parts) > 1 else ""
        self.text = parts[2] if len(parts) > 2 else b""

    @property
    def ok(self):
        return self.status == "OK"

    def code(self):
        """The response code of the tagged line, e.g. b'APPENDUID 1 2'."""
        m = re.match(rb"\[([^\]]*)\]", self.text)
        return m.group(1) if m else None

    def lines(self, prefix):
        """Untagged lines that begin with '* ' + prefix (case-insensitive),
        without '* '."""
        p = prefix.upper().encode() if isinstance(prefix, str) else \
            prefix.upper()
        out = []
        for u in self.untagged:
            if u.startswith(b"* ") and u[2:2 + len(p)].upper() == p:
                out.append(u[2:])
        return out

    def untagged_re(self, pattern, flags=re.I):
        if isinstance(pattern, str):
            pattern = pattern.encode()
        return [m for m in (re.search(pattern, u, flags)
                            for u in self.untagged) if m]

    def __repr__(self):
        return "<Response %s %r>" % (self.tagged, self.untagged[:20])


class ProtoError(Exception):
    pass


class Raw:
    """A raw IMAP client: exact bytes out, exact lines in."""

    def __init__(self, host=None, port=None, tls=False, timeout=TIMEOUT,
                 srv=None):
        srv = srv or server()
        self.srv = srv
        self.host = host or srv.host
        if port is None:
            port = srv.tls_port if tls else srv.port
        self.timeout = timeout
        self.sock = socket.create_connection((self.host, port), timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            self.sock = tls_context().wrap_socket(self.sock,
                                                  server_hostname=None)
        self.buf = b""
        self.zin = None
        self.zout = None
        self.tagn = 0
        self.closed = False
        self.greeting = self.readline()

    # -- transport
    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self.zout is not None:
            data = self.zout.compress(data) + self.zout.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self, timeout=None):
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise ProtoError("timeout waiting for the server; have %r"
                             % self.buf[-300:])
        if not data:
            self.closed = True
            raise EOFError("connection closed by the server; have %r"
                           % self.buf[-300:])
        if self.zin is not None:
            data = self.zin.decompress(data)
        self.buf += data

    def readline(self, timeout=None):
        """One line with CRLF (a line ending in a literal announcement is
        returned as it is; see read_item for the full item)."""
        while b"\n" not in self.buf:
            self._fill(timeout)
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def read_exact(self, n, timeout=None):
        while len(self.buf) < n:
            self._fill(timeout)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_item(self, timeout=None):
        """A full response line with literals inlined; CRLF stripped."""
        out = b""
        while True:
            line = self.readline(timeout)
            m = LITERAL_RE.search(line)
            if m:
                out += line
                out += self.read_exact(int(m.group(1)), timeout)
                continue
            out += line
            return out[:-2] if out.endswith(b"\r\n") else out.rstrip(b"\n")

    def has_data(self, wait=0.3):
        """True if the server sent something within `wait` seconds."""
        if self.buf:
            return True
        try:
            self._fill(wait)
        except ProtoError:
            return False
        return bool(self.buf)

    # -- commands
    def next_tag(self):
        self.tagn += 1
        return "a%d" % self.tagn

    def read_response(self, tag, timeout=None):
        tagb = tag.encode() if isinstance(tag, str) else tag
        untagged, conts = [], []
        while True:
            item = self.read_item(timeout)
            if item.startswith(tagb + b" "):
                return Response(tagb, untagged, item, conts)
            if item.startswith(b"+"):
                conts.append(item)
            else:
                untagged.append(item)

    def cmd(self, text, timeout=None):
        """Send one command line (no literals) and read its response."""
        tag = self.next_tag()
        if isinstance(text, str):
            text = text.encode("utf-8")
        self.send(tag.encode() + b" " + text + b"\r\n")
        return self.read_response(tag, timeout)

    def cmd_lit(self, parts, timeout=None):
        """A command with synchronising literals: parts is a list of byte
        strings; every part but the last ends with {N}, and the next part
        starts with the N literal bytes.  Waits for '+' before each."""
        tag = self.next_tag()
        untagged, conts = [], []
        first = True
        for i, p in enumerate(parts):
            if isinstance(p, str):
                p = p.encode("utf-8")
            if first:
                p = tag.encode() + b" " + p
                first = False
            last = i == len(parts) - 1
            self.send(p + b"\r\n")
            if last:
                break
            # wait for the continuation (or a refusal)
            while True:
                item = self.read_item(timeout)
                if item.startswith(b"+"):
                    conts.append(item)
                    break
                if item.startswith(tag.encode() + b" "):
                    return Response(tag.encode(), untagged, item, conts)
                untagged.append(item)
        r = self.read_response(tag, timeout)
        r.untagged = untagged + r.untagged
        r.conts = conts + r.conts
        return r

    def ok(self, text, timeout=None):
        r = self.cmd(text, timeout)
        if not r.ok:
            raise ProtoError("%s -> %r (untagged %r)" % (
                text if isinstance(text, str) else text.decode(
                    "utf-8", "replace"), r.tagged, r.untagged[-5:]))
        return r

    def login(self, user):
        return self.ok("LOGIN %s %s" % (quote(user.name),
                                         quote(user.password)))

    def capabilities(self):
        r = self.ok("CAPABILITY")
        caps = set()
        for line in r.lines("CAPABILITY"):
            caps.update(c.decode().upper() for c in line.split()[1:])
        return caps

    def starttls(self):
        r = self.cmd("STARTTLS")
        if r.ok:
            if self.buf:
                raise ProtoError("data after STARTTLS OK before TLS: %r"
                                 % self.buf)
            self.sock = tls_context().wrap_socket(self.sock,
                                                  server_hostname=None)
        return r

    def compress(self):
        r = self.cmd("COMPRESS DEFLATE")
        if r.ok:
            self.zout = zlib.compressobj(6, zlib.DEFLATED, -15)
            self.zin = zlib.decompressobj(-15)
            if self.buf:
                self.buf = self.zin.decompress(self.buf)
        return r

    def append(self, mailbox, message, flags=None, date=None):
        if isinstance(message, str):
            message = message.encode()
        head = "APPEND %s" % quote(mailbox)
        if flags is not None:
            head += " (%s)" % flags
        if date is not None:
            head += ' "%s"' % date
        head += " {%d}" % len(message)
        return self.cmd_lit([head, message])

    def close(self):
        if self.closed:
            return
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True

    def logout(self):
        try:
            r = self.cmd("LOGOUT")
        except (EOFError, OSError, ProtoError):
            r = None
        self.close()
        return r


def quote(s):
    """An IMAP quoted string (or a literal+ if it cannot be quoted)."""
    if isinstance(s, bytes):
        s = s.decode("utf-8")
    if any(c in s for c in "\r\n\0"):
        raise ValueError("cannot quote %r" % s)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---------------------------------------------------------------------------
# imaplib connections

def imap_plain(srv=None):
    srv = srv or server()
    return imaplib.IMAP4(srv.host, srv.port, timeout=TIMEOUT)


def imap_starttls(srv=None):
    c = imap_plain(srv)
    c.starttls(ssl_context=tls_context())
    return c


def imap_ssl(srv=None):
    srv = srv or server()
    return imaplib.IMAP4_SSL(srv.host, srv.tls_port,
                             ssl_context=tls_context(), timeout=TIMEOUT)


# ---------------------------------------------------------------------------
# SASL helpers

def sasl_plain(user, authzid=""):
    return base64.b64encode(("%s\0%s\0%s" % (authzid, user.name,
                                             user.password)).encode()).decode()


class ScramClient:
    """SCRAM-SHA-256 / SCRAM-SHA-1 client side (RFC 5802, RFC 7677)."""

    def __init__(self, user, password, hashname="sha256", nonce=None):
        self.user = user
        self.password = password
        self.h = hashname
        self.cnonce = nonce or base64.b64encode(os.urandom(18)).decode()
        self.server_sig = None

    @staticmethod
    def _saslname(s):
        return s.replace("=", "=3D").replace(",", "=2C")

    def first(self):
        self.bare = "n=%s,r=%s" % (self._saslname(self.user), self.cnonce)
        return ("n,," + self.bare).encode()

    def final(self, server_first):
        if isinstance(server_first, bytes):
            server_first = server_first.decode()
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        nonce, salt, it = attrs["r"], base64.b64decode(attrs["s"]), \
            int(attrs["i"])
        if not nonce.startswith(self.cnonce):
            raise ProtoError("server nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac(self.h, self.password.encode(), salt, it)
        ckey = hmac.new(salted, b"Client Key", self.h).digest()
        skey = hashlib.new(self.h, ckey).digest()
        without = "c=biws,r=" + nonce
        auth_msg = ",".join([self.bare, server_first, without]).encode()
        csig = hmac.new(skey, auth_msg, self.h).digest()
        proof = bytes(a ^ b for a, b in zip(ckey, csig))
        srvkey = hmac.new(salted, b"Server Key", self.h).digest()
        self.server_sig = base64.b64encode(
            hmac.new(srvkey, auth_msg, self.h).digest()).decode()
        return (without + ",p=" + base64.b64encode(proof).decode()).encode()

    def verify(self, server_final):
        if isinstance(server_final, bytes):
            server_final = server_final.decode()
        return server_final == "v=" + self.server_sig


# ---------------------------------------------------------------------------
# messages and parsing helpers

def message(subject="test", body="Hello.\r\n", frm="Alice <alice@example.com>",
            to="Bob <bob@example.com>", date="Mon, 7 Feb 1994 21:52:25 -0800",
            extra="", msgid=None):
    msgid = msgid or "<%d.%d@msproto.test>" % (os.getpid(), next(_counter))
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: %s\r\n%s\r\n%s" % (frm, to, subject, date, msgid,
                                             extra, body)).encode("utf-8")


MULTIPART = (
    b"From: Fred Foobar <foobar@Blurdybloop.example>\r\n"
    b"To: mooch@owatagu.siam.edu.example\r\n"
    b"Cc: Joe <joe@example.com>, Ann <ann@example.com>\r\n"
    b"Subject: afternoon meeting\r\n"
    b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
    b"Message-Id: <B27397-0100000@Blurdybloop.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
    b"\r\n"
    b"preamble\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
    b"--XX\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment; filename=\"a.bin\"\r\n"
    b"\r\n"
    b"AAECAwQFBgcICQ==\r\n"
    b"--XX--\r\n")


def imap_tokens(data):
    """Parse an IMAP data item (bytes) into nested lists of bytes / None /
    ints are left as bytes.  Literals {N}\\r\\n are handled."""
    pos = 0
    n = len(data)

    def parse_list():
        nonlocal pos
        out = []
        while pos < n:
            c = data[pos:pos + 1]
            if c == b" ":
                pos += 1
            elif c == b"(":
                pos += 1
                out.append(parse_list())
            elif c == b")":
                pos += 1
                return out
            elif c == b'"':
                pos += 1
                s = b""
                while data[pos:pos + 1] != b'"':
                    if data[pos:pos + 1] == b"\\":
                        pos += 1
                    s += data[pos:pos + 1]
                    pos += 1
                pos += 1
                out.append(s)
            elif c in (b"{", b"~") and re.match(rb"~?\{\d+\+?\}\r\n",
                                                data[pos:]):
                m = re.match(rb"~?\{(\d+)\+?\}\r\n", data[pos:])
                pos += m.end()
                ln = int(m.group(1))
                out.append(data[pos:pos + ln])
                pos += ln
            else:
                m = re.match(rb"[^ ()\[]+(\[[^\]]*\](<[0-9.]+>)?)?",
                             data[pos:])
                if not m or m.end() == 0:
                    raise ValueError("cannot parse at %r" % data[pos:pos+40])
                tok = m.group(0)
                pos += m.end()
                out.append(None if tok.upper() == b"NIL" else tok)
        return out

    return parse_list()


def fetch_items(line):
    """From b'12 FETCH (UID 5 FLAGS (\\Seen) ...)' -> (12, {b'UID': b'5',
    b'FLAGS': [b'\\Seen'], ...}); keys upper-cased."""
    m = re.match(rb"(\d+) FETCH ", line, re.I)
    if not m:
        raise ValueError("not a FETCH line: %r" % line[:80])
    toks = imap_tokens(line[m.end():])
    lst = toks[0]
    d = {}
    for i in range(0, len(lst) - 1, 2):
        d[lst[i].upper()] = lst[i + 1]
    return int(m.group(1)), d


def fetches(resp):
    """All untagged FETCH responses of a Response as a list of (seq, dict)."""
    out = []
    for u in resp.untagged:
        if re.match(rb"\* \d+ FETCH ", u, re.I):
            out.append(fetch_items(u[2:]))
    return out


def search_numbers(resp):
    """The numbers of the untagged SEARCH response(s)."""
    nums = []
    for line in resp.lines("SEARCH"):
        parts = line.split()[1:]
        for p in parts:
            if p.startswith(b"("):
                break
            nums.append(int(p))
    return nums


def esearch(resp):
    """The ESEARCH response as a dict of upper-cased keys; values bytes."""
    for line in resp.lines("ESEARCH"):
        toks = imap_tokens(line[len(b"ESEARCH"):])
        d = {}
        i = 0
        if toks and isinstance(toks[0], list):
            d[b"TAG"] = toks[0]
            i = 1
        while i < len(toks):
            if toks[i].upper() == b"UID":
                d[b"UID"] = True
                i += 1
                continue
            d[toks[i].upper()] = toks[i + 1] if i + 1 < len(toks) else None
            i += 2
        return d
    return None


def list_entries(resp, kind="LIST"):
    """LIST/LSUB responses as {name: (attrs, delimiter, extra)}; attrs are
    upper-cased str, name is bytes (as sent, quotes/literal removed)."""
    out = {}
    for line in resp.lines(kind + " "):
        toks = imap_tokens(line[len(kind):])
        attrs = {a.decode().upper() for a in toks[0]}
        out[toks[2]] = (attrs, toks[1], toks[3:])
    return out


def status_items(resp, mailbox=None):
    """The STATUS response as {b'MESSAGES': int, ...}."""
    for line in resp.lines("STATUS "):
        toks = imap_tokens(line[len("STATUS"):])
        if mailbox is not None and toks[0] != (mailbox.encode()
                                               if isinstance(mailbox, str)
                                               else mailbox):
            continue
        lst = toks[1]
        return {lst[i].upper(): int(lst[i + 1])
                for i in range(0, len(lst) - 1, 2)}
    return None


def resp_code(resp, name):
    """The argument of an untagged OK [NAME arg] response code, or of the
    tagged line's code; None if absent."""
    name = name.upper().encode()
    for u in list(resp.untagged) + [resp.tagged]:
        m = re.search(rb"\[" + re.escape(name) + rb"(?: ([^\]]*))?\]", u,
                      re.I)
        if m:
            return m.group(1) if m.group(1) is not None else b""
    return None


def internaldate(value):
    """An IMAP date-time (b'17-Jul-1996 02:44:25 -0700') as a UTC epoch;
    raises ValueError if it does not follow RFC 9051's date-time."""
    import calendar
    if isinstance(value, bytes):
        value = value.decode("ascii")
    m = re.match(r"^([ \d]\d)-([A-Z][a-z]{2})-(\d{4}) (\d\d):(\d\d):(\d\d) "
                 r"([+-])(\d\d)(\d\d)$", value)
    if not m:
        raise ValueError("not an IMAP date-time: %r" % value)
    t = calendar.timegm(time.strptime("%s %s %s %s:%s:%s" % (
        m.group(1).strip(), m.group(2), m.group(3), m.group(4), m.group(5),
        m.group(6)), "%d %b %Y %H:%M:%S"))
    off = int(m.group(8)) * 3600 + int(m.group(9)) * 60
    return t - off if m.group(7) == "+" else t + off


def seqset(spec):
    """Expand an IMAP sequence set like b'1:3,7' into a list of ints."""
    if isinstance(spec, bytes):
        spec = spec.decode()
    out = []
    for part in spec.split(","):
        if ":" in part:
            a, b = part.split(":")
            a, b = int(a), int(b)
            out.extend(range(min(a, b), max(a, b) + 1))
        else:
            out.append(int(part))
    return out


# ---------------------------------------------------------------------------
# base class of the tests

class ProtoTest(unittest.TestCase):
    """Gives each test a fresh account (self.user) on the shared server and
    closes every connection it opened."""

    def setUp(self):
        try:
            self.srv = server()
        except ServerError as e:
            self.fail("server not available: %s" % e)
        self.target = self.srv.name
        self.user = self.srv.new_user()
        self._conns = []

    def tearDown(self):
        for c in self._conns:
            try:
                if isinstance(c, Raw):
                    c.close()
                else:
                    c.shutdown()
            except Exception:
                pass
        if not self.srv.alive():
            self.fail("the server died during this test; log:\n%s"
                      % self.srv.log_tail())

    def raw(self, tls=False, login=False, user=None):
        c = Raw(tls=tls, srv=self.srv)
        self._conns.append(c)
        if login:
            c.login(user or self.user)
        return c

    def session(self, mailbox=None, user=None):
        """A logged-in raw connection, with `mailbox` selected if given."""
        c = self.raw(login=True, user=user)
        if mailbox:
            c.ok("SELECT %s" % quote(mailbox))
        return c

    def imap(self, kind="plain"):
        c = {"plain": imap_plain, "starttls": imap_starttls,
             "ssl": imap_ssl}[kind](self.srv)
        self._conns.append(c)
        return c

    def require_cap(self, conn, *caps):
        """Skip on Dovecot when it lacks an extension; on msgstored a
        missing capability is a failure (the issue requires all)."""
        have = conn.capabilities()
        missing = [c for c in caps if c.upper() not in have]
        if missing:
            if self.target == "dovecot":
                self.skipTest("dovecot does not advertise %s"
                              % " ".join(missing))
            self.fail("capability %s not advertised (have %s)"
                      % (" ".join(missing), " ".join(sorted(have))))
        return have

    def fill(self, conn, mailbox, count, **kw):
        """APPEND `count` messages to `mailbox` through conn."""
        for i in range(count):
            r = conn.append(mailbox, message(subject="msg %d" % (i + 1), **kw))
            self.assertTrue(r.ok, r)

    def deliver(self, msg=None, user=None, folder=None):
        self.srv.deliver(user or self.user, msg or message(), folder)

    def assertOK(self, r, msg=None):
        self.assertTrue(r.ok, msg or "expected OK: %r" % (r,))

    def assertStatus(self, r, *statuses):
        self.assertIn(r.status, statuses, "expected %s: %r"
                      % ("/".join(statuses), r))
