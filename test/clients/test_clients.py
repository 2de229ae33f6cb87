"""test_clients.py -- real IMAP clients against msgstored (issue 4).

One test class per client: mbsync (isync), offlineimap (offlineimap3),
curl and mutt.  Each test is skipped, with the reason, when its client is
not installed (Debian: apt-get install isync offlineimap3 curl mutt).

Every test uses a fresh account on the shared server of test/proto's
msproto (msgstored by default, or Dovecot with MSPROTO_TARGET=dovecot to
check the tests themselves), a temporary HOME and temporary client
configuration, never the user's own.  Clients talk implicit TLS, STARTTLS
and plain IMAP on loopback; the server's certificate is self-signed, so
the clients are given that very certificate (or its fingerprint) or told
not to check it.  Against msgstored the server log shows which logins
used TLS, and the tests check it.

What the server holds is checked over imaplib, byte for byte: messages
come in with CRLF line ends; Maildir clients (mbsync, offlineimap, mutt's
pipe) keep them with LF, so local copies are compared after CRLF -> LF,
less the X-TUID header mbsync 1.4 adds to every message it copies, and in
the form Python's email package regenerates for offlineimap3 (which
re-writes every message it copies).  MSCLIENTS_DEBUG=1 prints every
client run with protocol traces (mbsync -D, offlineimap -d imap).
Python 3 standard library only.
"""
import hashlib
import imaplib
import os
import random
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "proto"))
import msproto  # noqa: E402

CLIENT_TIMEOUT = 180


def which(name):
    return shutil.which(name)


# ---------------------------------------------------------------------------
# the messages

_seq = [0]


def _msgid(tag):
    _seq[0] += 1
    return "<%s.%d.%d@clients.test>" % (tag, os.getpid(), _seq[0])


def msg_plain(tag, subject="plain message"):
    mid = _msgid(tag)
    return mid, ("From: Alice <alice@example.com>\r\n"
                 "To: Bob <bob@example.com>\r\n"
                 "Subject: %s\r\n"
                 "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
                 "Message-ID: %s\r\n"
                 "\r\n"
                 "Hello Bob,\r\n\r\nthis is a plain message.\r\n"
                 "A line with trailing space \r\n"
                 ".\r\n"
                 "From the start of a line.\r\n" % (subject, mid)).encode()


def msg_multipart(tag):
    mid = _msgid(tag)
    return mid, ("From: Carol <carol@example.com>\r\n"
                 "To: Dave <dave@example.com>\r\n"
                 "Subject: multipart/mixed with alternative\r\n"
                 "Date: Tue, 1 Mar 2022 10:00:00 +0100\r\n"
                 "Message-ID: %s\r\n"
                 "MIME-Version: 1.0\r\n"
                 "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
                 "\r\n"
                 "preamble\r\n"
                 "--outer\r\n"
                 "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
                 "\r\n"
                 "--inner\r\n"
                 "Content-Type: text/plain; charset=us-ascii\r\n"
                 "\r\n"
                 "Plain part.\r\n"
                 "--inner\r\n"
                 "Content-Type: text/html; charset=us-ascii\r\n"
                 "\r\n"
                 "<p>HTML part.</p>\r\n"
                 "--inner--\r\n"
                 "--outer\r\n"
                 "Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n"
                 "Content-Disposition: attachment; filename=\"a.bin\"\r\n"
                 "\r\n"
                 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n"
                 "--outer--\r\n"
                 "epilogue\r\n" % mid).encode()


def msg_nonascii(tag):
    mid = _msgid(tag)
    return mid, ("From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= "
                 "<joerg@example.com>\r\n"
                 "To: =?ISO-8859-1?Q?Fran=E7ois?= <francois@example.com>\r\n"
                 "Subject: =?UTF-8?B?w5xiZXJncsO2w59lIOKCrCDml6XmnKzoqp4=?="
                 "\r\n"
                 "Comments: raw UTF-8 (RFC 6532): Gr\u00fc\u00dfe, "
                 "\u65e5\u672c\u8a9e\r\n"
                 "Date: Wed, 2 Mar 2022 11:00:00 +0000\r\n"
                 "Message-ID: %s\r\n"
                 "MIME-Version: 1.0\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\n"
                 "\r\n"
                 "Gr\u00fc\u00dfe aus K\u00f6ln \u20ac \u65e5\u672c\u8a9e\r\n"
                 % mid).encode("utf-8")


def msg_big(tag, size=2 * 1024 * 1024):
    """A message with a base64 attachment of about `size` bytes."""
    mid = _msgid(tag)
    rnd = random.Random(4)
    raw = bytes(rnd.getrandbits(8) for _ in range(size * 3 // 4))
    import base64
    b64 = base64.b64encode(raw)
    lines = b"\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    head = ("From: Erin <erin@example.com>\r\n"
            "To: Frank <frank@example.com>\r\n"
            "Subject: a 2 MB attachment\r\n"
            "Date: Thu, 3 Mar 2022 12:00:00 +0000\r\n"
            "Message-ID: %s\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
            "\r\n"
            "--b\r\n"
            "Content-Type: text/plain\r\n"
            "\r\n"
            "See the attachment.\r\n"
            "--b\r\n"
            "Content-Type: application/octet-stream; name=\"big.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "\r\n" % mid).encode()
    return mid, head + lines + b"\r\n--b--\r\n"


def corpus(tag):
    """[(message-id, bytes)] of varied messages."""
    return [msg_plain(tag), msg_multipart(tag), msg_nonascii(tag),
            msg_big(tag), msg_plain(tag, "second plain")]


def to_lf(data):
    return data.replace(b"\r\n", b"\n")


def to_crlf(data):
    return to_lf(data).replace(b"\n", b"\r\n")


MID_RE = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.I | re.M)


def message_id(data):
    m = MID_RE.search(data)
    return m.group(1).decode() if m else None


TUID_RE = re.compile(rb"X-TUID: [A-Za-z0-9+/]{12}(\r?\n)")


def without_tuid(data):
    """data without the X-TUID header mbsync 1.4 puts last in the header
    of every message it copies (both ways, whatever the server; a crash
    recovery tag), or None if it has none there."""
    i = data.find(b"\n\n")
    j = data.find(b"\r\n\r\n")
    end = j + 2 if j >= 0 and (i < 0 or j < i) else i + 1
    if end <= 0:
        return None
    head = data[:end]
    m = None
    for m in TUID_RE.finditer(head):
        pass
    if m is None or m.end() != len(head):
        return None
    return head[:m.start()] + data[end:]


# ---------------------------------------------------------------------------
# the base class

class ClientCase(unittest.TestCase):
    """A fresh account, a temporary HOME, and helpers to look at the
    server over imaplib."""

    client = None       # binary name; the class is skipped without it

    def setUp(self):
        if self.client and not which(self.client):
            self.skipTest("%s is not installed" % self.client)
        self.srv = msproto.server()
        self.user = self.srv.new_user("cl")
        self.tmp = tempfile.mkdtemp(prefix="msclients-")
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.home)
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith(("XDG_", "MAIL", "MUTT", "CURL", "SSL_CERT")):
                del self.env[k]
        self.env.update(HOME=self.home, LC_ALL="C.UTF-8", LANG="C.UTF-8",
                        TERM="vt100", XDG_CONFIG_HOME=os.path.join(
                            self.home, ".config"))
        self.logs = []

    def tearDown(self):
        ok = True
        outcome = getattr(self, "_outcome", None)
        if outcome is not None:
            res = getattr(outcome, "result", None)
            errs = getattr(outcome, "errors", None)
            if errs:
                ok = not any(e for _, e in errs)
            elif res is not None:
                ok = not any(t is self for t, _ in
                             res.failures + res.errors)
        if os.environ.get("MSPROTO_KEEP") or \
                (not ok and os.environ.get("MSCLIENTS_KEEP_FAILED")):
            sys.stderr.write("\nkept %s\n" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- running a client
    def run_client(self, cmd, input=None, timeout=CLIENT_TIMEOUT,
                   check=True, what=None):
        t0 = time.time()
        try:
            r = subprocess.run(cmd, input=input, capture_output=True,
                               env=self.env, cwd=self.tmp, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            self.fail("%s timed out after %d s\nstdout:\n%s\nstderr:\n%s"
                      % (" ".join(cmd), timeout,
                         _tail(e.stdout), _tail(e.stderr)))
        self.logs.append((cmd, r, time.time() - t0))
        if os.environ.get("MSCLIENTS_DEBUG"):
            sys.stderr.write("\n$ %s  (exit %d, %.1f s)\n%s%s" % (
                " ".join(cmd), r.returncode, time.time() - t0,
                r.stdout.decode("utf-8", "replace") if len(r.stdout) <
                200000 else "[%d bytes of stdout]\n" % len(r.stdout),
                r.stderr.decode("utf-8", "replace")))
        if check and r.returncode != 0:
            self.fail("%s: exit %d\nstdout:\n%s\nstderr:\n%s\nserver "
                      "log:\n%s" % (what or " ".join(cmd), r.returncode,
                                    _tail(r.stdout), _tail(r.stderr),
                                    self.srv.log_tail(20)))
        return r

    def server_cert_pem(self):
        """The PEM of the certificate the server presents on its TLS port,
        written to a file of this test; returns (path, sha256 hex)."""
        pem = ssl.get_server_certificate((self.srv.host, self.srv.tls_port))
        path = os.path.join(self.tmp, "server-cert.pem")
        with open(path, "w") as f:
            f.write(pem)
        der = ssl.PEM_cert_to_DER_cert(pem)
        return path, hashlib.sha256(der).hexdigest()

    def assert_transport(self, mode):
        """msgstored logs every login with tls=0/1: check that the client
        logged in over TLS (imaps, starttls) or not (plain).  The checks of
        this class log in plain, so plain means no TLS login at all."""
        if not isinstance(self.srv, msproto.Server):
            return
        try:
            with open(self.srv.errpath, "rb") as f:
                log = f.read().decode("utf-8", "replace")
        except OSError:
            return
        tls = re.findall(r'user=%s .*msg="login mech=\S+ tls=(\d)"'
                         % re.escape(self.user.name), log)
        self.assertTrue(tls, "no login of %s in the server log"
                        % self.user.name)
        if mode == "plain":
            self.assertNotIn("1", tls, "a TLS login in plain mode")
        else:
            self.assertIn("1", tls, "no TLS login in %s mode" % mode)

    # -- the server, over imaplib
    def imap(self):
        c = msproto.imap_plain(self.srv)
        c.login(self.user.name, self.user.password)
        return c

    def create_folder(self, name):
        c = self.imap()
        try:
            typ, data = c.create(_q(name))
            self.assertEqual(typ, "OK", data)
        finally:
            c.logout()

    def server_messages(self, folder="INBOX"):
        """{message-id: (uid, set of flags, bytes)} of a folder."""
        c = self.imap()
        out = {}
        try:
            typ, data = c.select(_q(folder), readonly=True)
            self.assertEqual(typ, "OK", "SELECT %s: %r" % (folder, data))
            typ, data = c.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            self.assertEqual(typ, "OK", data)
            for item in data:
                if not isinstance(item, tuple):
                    continue
                meta, body = item
                uid = int(re.search(rb"UID (\d+)", meta).group(1))
                fl = re.search(rb"FLAGS \(([^)]*)\)", meta).group(1)
                flags = set(fl.decode().split())
                out[message_id(body) or "uid%d" % uid] = (uid, flags, body)
        finally:
            c.logout()
        return out

    def server_folders(self):
        c = self.imap()
        try:
            typ, data = c.list()
            self.assertEqual(typ, "OK")
            names = set()
            for line in data:
                m = re.search(rb'\) "[^"]*" (.*)$', line)
                n = m.group(1).decode()
                if n.startswith('"'):
                    n = n[1:-1]
                names.add(n)
            return names
        finally:
            c.logout()

    def server_store(self, folder, uid, flags):
        c = self.imap()
        try:
            c.select(_q(folder))
            typ, data = c.uid("STORE", str(uid), "+FLAGS", "(%s)" % flags)
            self.assertEqual(typ, "OK", data)
        finally:
            c.logout()

    def deliver_all(self, msgs, folder=None):
        for _, data in msgs:
            self.srv.deliver(self.user, data, folder=folder)


def _q(name):
    return '"%s"' % name


def _tail(data, n=4000):
    if data is None:
        return ""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return data[-n:]


# ---------------------------------------------------------------------------
# Maildir helpers (mbsync and offlineimap)

def maildir_files(path):
    """{message-id: (file path, flags string)} of a Maildir folder."""
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(path, sub)
        if not os.path.isdir(d):
            continue
        for fn in os.listdir(d):
            p = os.path.join(d, fn)
            with open(p, "rb") as f:
                data = f.read()
            flags = fn.split(":2,", 1)[1] if ":2," in fn else ""
            out[message_id(data) or fn] = (p, flags)
    return out


def maildir_read(path):
    with open(path, "rb") as f:
        return f.read()


def maildir_add(folder, data, flags=""):
    """Put a message into a Maildir folder the way an MUA would."""
    name = "%d.M%dP%d.clients" % (time.time(), random.randrange(10 ** 6),
                                 os.getpid())
    tmp = os.path.join(folder, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    if flags:
        dest = os.path.join(folder, "cur", name + ":2," + flags)
    else:
        dest = os.path.join(folder, "new", name)
    os.rename(tmp, dest)
    return dest


def maildir_set_flags(path, flags):
    """Rename a Maildir message to carry `flags` (moves it to cur/)."""
    d, fn = os.path.split(path)
    base = fn.split(":2,", 1)[0]
    new = os.path.join(os.path.dirname(d), "cur",
                       base + ":2," + "".join(sorted(flags)))
    os.rename(path, new)
    return new


# ---------------------------------------------------------------------------
# mbsync

class TestMbsync(ClientCase):
    client = "mbsync"

    def write_rc(self, mode):
        """mode: imaps, starttls or plain."""
        cert, _ = self.server_cert_pem()
        self.maildir = os.path.join(self.tmp, "mail")
        os.mkdir(self.maildir)
        port = self.srv.tls_port if mode == "imaps" else self.srv.port
        ssl_type = {"imaps": "IMAPS", "starttls": "STARTTLS",
                    "plain": "None"}[mode]
        self.rc = os.path.join(self.tmp, "mbsyncrc")
        with open(self.rc, "w") as f:
            f.write("IMAPAccount remote\n"
                    "Host %s\n"
                    "Port %d\n"
                    "User \"%s\"\n"
                    "Pass \"%s\"\n"
                    "SSLType %s\n"
                    "CertificateFile %s\n"
                    "Timeout 60\n"
                    "\n"
                    "IMAPStore remote\n"
                    "Account remote\n"
                    "\n"
                    "MaildirStore local\n"
                    "Path %s/\n"
                    "Inbox %s/INBOX\n"
                    "SubFolders Verbatim\n"
                    "\n"
                    "Channel ch\n"
                    "Far :remote:\n"
                    "Near :local:\n"
                    "Patterns *\n"
                    "Create Both\n"
                    "Remove None\n"
                    "Expunge Both\n"
                    "SyncState *\n"
                    % (self.tls_host(mode), port, self.user.name,
                       self.user.password, ssl_type, cert,
                       self.maildir, self.maildir))

    def tls_host(self, mode):
        """mbsync checks the host name even of a certificate it was given
        when that certificate verifies as its own CA (Dovecot's test
        certificate does; msgstored's does not): name the loopback host
        "localhost", which both certificates carry, when it is 127.0.0.1."""
        if mode == "plain" or self.srv.host != "127.0.0.1":
            return self.srv.host
        try:
            addrs = {a[4][0] for a in socket.getaddrinfo(
                "localhost", None, socket.AF_INET)}
        except OSError:
            return self.srv.host
        return "localhost" if addrs == {"127.0.0.1"} else self.srv.host

    def mbsync(self, *ops):
        debug = ["-D"] if os.environ.get("MSCLIENTS_DEBUG") else ["-V"]
        return self.run_client(["mbsync", "-c", self.rc] + debug +
                               list(ops) + ["ch"], what="mbsync %s" %
                               " ".join(ops))

    def check_local(self, folder, msgs):
        local = maildir_files(os.path.join(self.maildir, folder))
        self.assertEqual(sorted(local), sorted(m for m, _ in msgs),
                         "messages of local %s" % folder)
        for mid, data in msgs:
            got = maildir_read(local[mid][0])
            self.assertEqual(without_tuid(got), to_lf(data),
                             "local copy of %s in %s differs" % (mid, folder))
        return local

    def check_pushed(self, srv_msgs, mid, local_data):
        self.assertIn(mid, srv_msgs, "pushed message not on the server")
        got = srv_msgs[mid][2]
        # mbsync adds its X-TUID header to what it uploads, with CRLF
        self.assertEqual(without_tuid(got), to_crlf(local_data))

    def round_trip(self, mode, big=True):
        self.write_rc(mode)
        msgs = corpus("mb") if big else [msg_plain("mb"), msg_nonascii("mb"),
                                             msg_multipart("mb")]
        work = [msg_plain("mbw", "work one"), msg_multipart("mbw")]
        self.create_folder("Work")
        self.deliver_all(msgs)
        self.deliver_all(work, folder="Work")
        self.assertEqual(len(self.server_messages("Work")), len(work))

        # 1. pull everything
        self.mbsync("--pull")
        inbox = self.check_local("INBOX", msgs)
        self.check_local("Work", work)
        self.assertTrue(all(fl == "" for _, fl in inbox.values()))

        # 2. local changes: new messages, flags, a deletion; push
        new_mid, new_data = msg_plain("mbnew", "written locally")
        maildir_add(os.path.join(self.maildir, "INBOX"), to_lf(new_data))
        neww_mid, neww_data = msg_nonascii("mbnew")
        maildir_add(os.path.join(self.maildir, "Work"), to_lf(neww_data),
                    flags="S")
        flag_mid, del_mid = msgs[0][0], msgs[1][0]
        maildir_set_flags(inbox[flag_mid][0], "FS")
        os.unlink(inbox[del_mid][0])
        self.mbsync("--push")

        srv = self.server_messages("INBOX")
        self.check_pushed(srv, new_mid, to_lf(new_data))
        self.assertEqual(srv[flag_mid][1], {"\\Flagged", "\\Seen"})
        self.assertNotIn(del_mid, srv, "locally deleted message still on "
                                       "the server after expunge")
        self.assertEqual(len(srv), len(msgs))
        for mid, data in msgs[1:]:
            if mid != del_mid:
                self.assertEqual(srv[mid][2], data)
        srvw = self.server_messages("Work")
        self.check_pushed(srvw, neww_mid, to_lf(neww_data))
        self.assertEqual(srvw[neww_mid][1], {"\\Seen"})

        # 3. a server-side change comes back: \Answered, a new message,
        # and a new folder
        self.server_store("INBOX", srv[msgs[2][0]][0], "\\Answered")
        late = [msg_plain("mblate", "delivered late")]
        self.deliver_all(late)
        self.create_folder("Projects")
        proj = [msg_plain("mbp", "project mail")]
        self.deliver_all(proj, folder="Projects")
        self.mbsync()
        local = maildir_files(os.path.join(self.maildir, "INBOX"))
        self.assertIn("R", local[msgs[2][0]][1])
        self.assertEqual(without_tuid(maildir_read(local[late[0][0]][0])),
                         to_lf(late[0][1]))
        self.check_local("Projects", proj)
        # a second sync changes nothing
        before = {k: v for k, v in self.server_messages("INBOX").items()}
        self.mbsync()
        after = self.server_messages("INBOX")
        self.assertEqual(sorted(before), sorted(after))
        for k in before:
            self.assertEqual(before[k][:2], after[k][:2])

    def test_round_trip_imaps(self):
        self.round_trip("imaps")
        self.assert_transport("imaps")

    def test_round_trip_starttls(self):
        self.round_trip("starttls", big=False)
        self.assert_transport("starttls")

    def test_round_trip_plain(self):
        self.round_trip("plain", big=False)
        self.assert_transport("plain")

    def test_folders(self):
        """Nested and quoted folder names both ways: a server folder
        "Work/Sub" and "My Folder", a folder made locally (CREATE)."""
        self.write_rc("plain")
        self.create_folder("Work")
        self.create_folder("Work/Sub")
        self.create_folder("My Folder")
        sub = [msg_plain("mbs", "in a subfolder")]
        spc = [msg_multipart("mbs")]
        self.deliver_all(sub, folder="Work/Sub")
        self.deliver_all(spc, folder="My Folder")
        self.mbsync()
        self.check_local("Work/Sub", sub)
        self.check_local("My Folder", spc)
        newdir = os.path.join(self.maildir, "Made Here")
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(newdir, d))
        mid, data = msg_nonascii("mbs")
        maildir_add(newdir, to_lf(data), flags="FS")
        self.mbsync()
        self.assertIn("Made Here", self.server_folders())
        srv = self.server_messages("Made Here")
        self.assertEqual(list(srv), [mid])
        self.assertEqual(without_tuid(srv[mid][2]), data)
        self.assertEqual(srv[mid][1], {"\\Flagged", "\\Seen"})

    def test_many_messages(self):
        """300 messages: mbsync pipelines its FETCHes, STOREs and APPENDs
        (PipelineDepth unlimited by default)."""
        self.write_rc("imaps")
        n = 300
        msgs = [msg_plain("mbm", "bulk %d" % i) for i in range(n)]
        c = self.imap()
        try:
            for _, data in msgs:
                typ, resp = c.append("INBOX", None, None, data)
                self.assertEqual(typ, "OK", resp)
        finally:
            c.logout()
        self.mbsync()
        inbox = self.check_local("INBOX", msgs)
        for i, (mid, _) in enumerate(msgs):
            if i % 3 == 0:
                maildir_set_flags(inbox[mid][0], "S")
            elif i % 3 == 1:
                os.unlink(inbox[mid][0])
        up = [msg_plain("mbmup", "up %d" % i) for i in range(50)]
        for _, data in up:
            maildir_add(os.path.join(self.maildir, "INBOX"), to_lf(data))
        self.mbsync()
        srv = self.server_messages()
        want = [m for i, (m, _) in enumerate(msgs) if i % 3 != 1] + \
            [m for m, _ in up]
        self.assertEqual(sorted(srv), sorted(want))
        for i, (mid, _) in enumerate(msgs):
            if i % 3 == 0:
                self.assertEqual(srv[mid][1], {"\\Seen"})
            elif i % 3 == 2:
                self.assertEqual(srv[mid][1], set())
        for mid, data in up:
            self.assertEqual(without_tuid(srv[mid][2]), data)


# ---------------------------------------------------------------------------
# offlineimap

_OI_FORM = r"""
import sys
from email import policy
from email.parser import BytesParser
kw = dict(cte_type='8bit', utf8=True, refold_source='none')
src = policy.default.clone(linesep=sys.argv[1] == 'crlf' and '\r\n' or
                           '\n', **kw)
out = policy.default.clone(linesep=sys.argv[2] == 'crlf' and '\r\n' or
                           '\n', **kw)
msg = BytesParser(policy=src).parsebytes(sys.stdin.buffer.read())
sys.stdout.buffer.write(msg.as_bytes(policy=out))
"""


class TestOfflineimap(ClientCase):
    """offlineimap3 parses every message with Python's email package and
    writes what that generates (a blank line may appear before a MIME
    boundary, say), so copies are compared with that regenerated form,
    made by offlineimap's own Python with offlineimap's policies."""
    client = "offlineimap"

    def offlineimap_starttls(self, cmd, tries=5):
        """Debian's offlineimap3 (imaplib2 3.05) races its own threads in
        STARTTLS: now and then it writes plain text into the new TLS
        stream (the server then logs "wrong version number"), or dies of
        SIGSEGV/SIGABRT, or hangs; seen against Dovecot as well as
        msgstored.  A sync is idempotent, so such a run is simply made
        again; any other failure fails the test."""
        for i in range(tries):
            try:
                r = subprocess.run(cmd, capture_output=True, env=self.env,
                                   cwd=self.tmp, timeout=40)
            except subprocess.TimeoutExpired:
                sys.stderr.write("[offlineimap STARTTLS hung; again] ")
                continue
            text = (r.stdout + r.stderr).decode("utf-8", "replace")
            flaky = r.returncode < 0 or (
                r.returncode != 0 and
                "Failed to start TLS connection" in text)
            if not flaky:
                break
            sys.stderr.write("[offlineimap STARTTLS failed (exit %d); "
                             "again] " % r.returncode)
        else:
            self.fail("offlineimap failed in STARTTLS %d times" % tries)
        if r.returncode != 0:
            self.fail("offlineimap: exit %d\nstdout:\n%s\nstderr:\n%s\n"
                      "server log:\n%s" % (r.returncode, _tail(r.stdout),
                                           _tail(r.stderr),
                                           self.srv.log_tail(20)))
        return r

    def oi_form(self, data, src, out):
        """`data` as offlineimap3 would write it (src, out: lf or crlf)."""
        py = sys.executable
        with open(which("offlineimap"), "rb") as f:
            first = f.readline()
        if first.startswith(b"#!") and b"python" in first:
            py = first[2:].split()[0].decode()
        r = subprocess.run([py, "-c", _OI_FORM, src, out], input=data,
                           capture_output=True, timeout=60, check=True)
        return r.stdout

    def write_rc(self, mode):
        self.mode = mode
        _, fpr = self.server_cert_pem()
        self.maildir = os.path.join(self.tmp, "mail")
        self.meta = os.path.join(self.tmp, "meta")
        os.mkdir(self.maildir)
        os.mkdir(self.meta)
        if mode == "imaps":
            port, tls = self.srv.tls_port, ("ssl = yes\n"
                                            "cert_fingerprint = %s\n"
                                            "starttls = no\n" % fpr)
        elif mode == "starttls":
            # offlineimap3 checks certificates only on implicit TLS
            port, tls = self.srv.port, "ssl = no\nstarttls = yes\n"
        else:
            port, tls = self.srv.port, "ssl = no\nstarttls = no\n"
        self.rc = os.path.join(self.tmp, "offlineimaprc")
        with open(self.rc, "w") as f:
            f.write("[general]\n"
                    "accounts = t\n"
                    "metadata = %s\n"
                    "ui = basic\n"
                    "\n"
                    "[Account t]\n"
                    "localrepository = L\n"
                    "remoterepository = R\n"
                    "\n"
                    "[Repository L]\n"
                    "type = Maildir\n"
                    "localfolders = %s\n"
                    "sep = /\n"
                    "\n"
                    "[Repository R]\n"
                    "type = IMAP\n"
                    "remotehost = %s\n"
                    "remoteport = %d\n"
                    "remoteuser = %s\n"
                    "remotepass = %s\n"
                    "%s"
                    "maxconnections = 1\n"
                    "holdconnectionopen = no\n"
                    "timeout = 60\n"
                    % (self.meta, self.maildir, self.srv.host, port,
                       self.user.name, self.user.password, tls))

    def offlineimap(self):
        cmd = ["offlineimap", "-c", self.rc, "-o", "-u", "basic"]
        if os.environ.get("MSCLIENTS_DEBUG"):
            cmd += ["-d", "imap"]
        if self.mode != "starttls":
            r = self.run_client(cmd, what="offlineimap")
        else:
            r = self.offlineimap_starttls(cmd)
        text = (r.stdout + r.stderr).decode("utf-8", "replace")
        bad = [ln for ln in text.splitlines()
               if re.search(r"ERROR|Traceback|WARNING", ln)]
        self.assertFalse(bad, "offlineimap complained:\n%s" % _tail(text))
        return r

    def round_trip(self, mode, big=True):
        self.write_rc(mode)
        msgs = corpus("oi") if big else [msg_plain("oi"), msg_nonascii("oi"),
                                             msg_multipart("oi")]
        work = [msg_plain("oiw", "work one"), msg_multipart("oiw")]
        self.create_folder("Work")
        self.create_folder("Work/Sub")
        self.deliver_all(msgs)
        self.deliver_all(work, folder="Work")
        sub = [msg_plain("oiw", "in a subfolder")]
        self.deliver_all(sub, folder="Work/Sub")

        # 1. pull
        self.offlineimap()
        loc_s = maildir_files(os.path.join(self.maildir, "Work", "Sub"))
        self.assertEqual(list(loc_s), [sub[0][0]])
        self.assertEqual(maildir_read(loc_s[sub[0][0]][0]), to_lf(sub[0][1]))
        inbox = maildir_files(os.path.join(self.maildir, "INBOX"))
        self.assertEqual(sorted(inbox), sorted(m for m, _ in msgs))
        for mid, data in msgs:
            self.assertEqual(maildir_read(inbox[mid][0]),
                             self.oi_form(data, "crlf", "lf"), mid)
        loc_w = maildir_files(os.path.join(self.maildir, "Work"))
        self.assertEqual(sorted(loc_w), sorted(m for m, _ in work))
        for mid, data in work:
            self.assertEqual(maildir_read(loc_w[mid][0]),
                             self.oi_form(data, "crlf", "lf"), mid)

        # 2. local changes; push
        new_mid, new_data = msg_plain("oinew", "written locally")
        maildir_add(os.path.join(self.maildir, "INBOX"), to_lf(new_data))
        neww_mid, neww_data = msg_nonascii("oinew")
        maildir_add(os.path.join(self.maildir, "Work"), to_lf(neww_data),
                    flags="S")
        flag_mid, del_mid = msgs[0][0], msgs[1][0]
        maildir_set_flags(inbox[flag_mid][0], "FS")
        os.unlink(inbox[del_mid][0])
        self.offlineimap()

        srv = self.server_messages("INBOX")
        self.assertIn(new_mid, srv)
        self.assertNotIn(b"X-OfflineIMAP", srv[new_mid][2][:4000],
                         "offlineimap needed its own header: no APPENDUID?")
        self.assertEqual(srv[new_mid][2],
                         self.oi_form(to_lf(new_data), "lf", "crlf"))
        self.assertEqual(srv[flag_mid][1], {"\\Flagged", "\\Seen"})
        self.assertNotIn(del_mid, srv)
        self.assertEqual(len(srv), len(msgs))
        for mid, data in msgs[1:]:
            if mid != del_mid:
                self.assertEqual(srv[mid][2], data)
        srvw = self.server_messages("Work")
        self.assertIn(neww_mid, srvw)
        self.assertEqual(srvw[neww_mid][2],
                         self.oi_form(to_lf(neww_data), "lf", "crlf"))
        self.assertEqual(srvw[neww_mid][1], {"\\Seen"})
        # the local copy of a pushed message is not changed either
        loc = maildir_files(os.path.join(self.maildir, "INBOX"))
        self.assertEqual(maildir_read(loc[new_mid][0]), to_lf(new_data))
        # and what offlineimap writes is the message, not just any bytes
        self.assertEqual(self.oi_form(to_lf(new_data), "lf", "lf"),
                         to_lf(new_data))

        # 3. a server-side change and a new message come back
        self.server_store("INBOX", srv[msgs[2][0]][0], "\\Answered")
        late = [msg_plain("oilate", "delivered late")]
        self.deliver_all(late)
        self.offlineimap()
        loc = maildir_files(os.path.join(self.maildir, "INBOX"))
        self.assertIn("R", loc[msgs[2][0]][1])
        self.assertEqual(maildir_read(loc[late[0][0]][0]), to_lf(late[0][1]))
        self.assertEqual(self.oi_form(late[0][1], "crlf", "lf"),
                         to_lf(late[0][1]))

    def test_round_trip_imaps(self):
        self.round_trip("imaps")
        self.assert_transport("imaps")

    def test_round_trip_starttls(self):
        self.round_trip("starttls", big=False)
        self.assert_transport("starttls")

    def test_round_trip_plain(self):
        self.round_trip("plain", big=False)
        self.assert_transport("plain")


# ---------------------------------------------------------------------------
# curl

class TestCurl(ClientCase):
    client = "curl"

    def curl(self, url, *args, check=True, tls=False):
        cmd = ["curl", "-sS", "--max-time", "60", "--user",
               "%s:%s" % (self.user.name, self.user.password)]
        if tls:
            cmd.append("-k")
        cmd += list(args) + ["--url", url]
        return self.run_client(cmd, check=check, what="curl %s %s" % (
            " ".join(args), url))

    def base(self, scheme="imap"):
        port = self.srv.tls_port if scheme == "imaps" else self.srv.port
        return "%s://%s:%d/" % (scheme, self.srv.host, port)

    def setUp(self):
        super().setUp()
        self.msgs = [msg_plain("cu"), msg_multipart("cu"),
                     msg_nonascii("cu"), msg_big("cu")]
        self.deliver_all(self.msgs)
        self.create_folder("Archive")
        self.create_folder("Archive/2024")
        self.srv.deliver(self.user, self.msgs[0][1], folder="Archive")

    def list_names(self, out):
        names = []
        for line in out.decode("utf-8", "replace").splitlines():
            m = re.match(r'\* LIST \([^)]*\) (?:"[^"]*"|NIL) (.*)$', line)
            self.assertTrue(m, "not a LIST line: %r" % line)
            n = m.group(1).strip()
            names.append(n[1:-1] if n.startswith('"') else n)
        return sorted(names)

    def test_list_plain(self):
        r = self.curl(self.base())
        self.assertEqual(self.list_names(r.stdout),
                         ["Archive", "Archive/2024", "INBOX"])
        self.assert_transport("plain")

    def test_list_imaps(self):
        r = self.curl(self.base("imaps"), tls=True)
        self.assertEqual(self.list_names(r.stdout),
                         ["Archive", "Archive/2024", "INBOX"])

    def test_list_starttls(self):
        r = self.curl(self.base(), "--ssl-reqd", tls=True)
        self.assertEqual(self.list_names(r.stdout),
                         ["Archive", "Archive/2024", "INBOX"])
        self.assert_transport("starttls")

    def test_list_subfolder(self):
        r = self.curl(self.base() + "Archive")
        self.assertIn("Archive/2024", self.list_names(r.stdout))

    def test_fetch_by_uid(self):
        srv = self.server_messages()
        for mid, data in self.msgs:
            uid = srv[mid][0]
            r = self.curl(self.base() + "INBOX;UID=%d" % uid)
            self.assertEqual(r.stdout, data, "UID %d" % uid)

    def test_fetch_imaps_big(self):
        srv = self.server_messages()
        mid, data = self.msgs[3]
        r = self.curl(self.base("imaps") + "INBOX;UID=%d" % srv[mid][0],
                      tls=True)
        self.assertEqual(len(r.stdout), len(data))
        self.assertEqual(r.stdout, data)

    def test_fetch_starttls(self):
        srv = self.server_messages()
        mid, data = self.msgs[2]
        r = self.curl(self.base() + "INBOX;UID=%d" % srv[mid][0],
                      "--ssl-reqd", tls=True)
        self.assertEqual(r.stdout, data)

    def test_fetch_section(self):
        srv = self.server_messages()
        mid, data = self.msgs[0]
        r = self.curl(self.base() + "INBOX;UID=%d;SECTION=HEADER.FIELDS%%20"
                      "(SUBJECT)" % srv[mid][0])
        self.assertEqual(r.stdout, b"Subject: plain message\r\n\r\n")
        r = self.curl(self.base() + "INBOX;UID=%d;SECTION=TEXT"
                      % srv[mid][0])
        self.assertEqual(r.stdout, data.split(b"\r\n\r\n", 1)[1])
        # a part of the multipart message
        mid, data = self.msgs[1]
        r = self.curl(self.base() + "INBOX;UID=%d;SECTION=1.2"
                      % srv[mid][0])
        self.assertEqual(r.stdout, b"<p>HTML part.</p>")

    def test_fetch_partial(self):
        srv = self.server_messages()
        mid, data = self.msgs[3]
        uid = srv[mid][0]
        r = self.curl(self.base() + "INBOX;UID=%d;PARTIAL=1000.5000" % uid)
        self.assertEqual(r.stdout, data[1000:6000])
        r = self.curl(self.base() + "INBOX;UID=%d;SECTION=2;PARTIAL=0.100"
                      % uid)
        part = data.split(b"\r\n\r\n", 3)[3]
        self.assertEqual(r.stdout, part[:100])

    def test_fetch_mailbox_path(self):
        srv = self.server_messages("Archive")
        uid = list(srv.values())[0][0]
        r = self.curl(self.base() + "Archive;UID=%d" % uid)
        self.assertEqual(r.stdout, self.msgs[0][1])

    def test_search_url(self):
        r = self.curl(self.base() + "INBOX?SUBJECT%20attachment")
        srv = self.server_messages()
        uid = srv[self.msgs[3][0]][0]
        lines = [ln for ln in r.stdout.decode().splitlines()
                 if ln.startswith("* SEARCH")]
        self.assertEqual(len(lines), 1, r.stdout)
        # curl's URL search is a UID SEARCH (RFC 5092 'imap://.../mbox?search')
        self.assertEqual(lines[0].split()[2:], [str(uid)])

    def test_custom_search(self):
        r = self.curl(self.base() + "INBOX", "-X", "SEARCH FROM carol")
        self.assertEqual(r.stdout.decode().strip(), "* SEARCH 2")
        r = self.curl(self.base() + "INBOX", "-X", "SEARCH ALL")
        self.assertEqual(r.stdout.decode().strip(), "* SEARCH 1 2 3 4")
        # 8-bit search strings need a literal (or ENABLE UTF8=ACCEPT)
        # before IMAP4rev2 is enabled; curl's -X cannot send either
        r = self.curl(self.base() + "INBOX", "-X",
                      'UID SEARCH CHARSET UTF-8 BODY "aus K"')
        uid = self.server_messages()[self.msgs[2][0]][0]
        self.assertEqual(r.stdout.decode().strip(), "* SEARCH %d" % uid)

    def test_custom_commands(self):
        r = self.curl(self.base(), "-X", 'STATUS INBOX (MESSAGES UIDNEXT)')
        self.assertRegex(r.stdout.decode(),
                         r'^\* STATUS "?INBOX"? \(MESSAGES 4 UIDNEXT \d+\)')
        r = self.curl(self.base() + "INBOX", "-X", "FETCH 1 FLAGS")
        self.assertRegex(r.stdout.decode(), r"^\* 1 FETCH \(FLAGS \(")
        r = self.curl(self.base() + "INBOX", "-X", "EXAMINE INBOX")
        self.assertIn("4 EXISTS", r.stdout.decode())

    def test_append(self):
        mid, data = msg_nonascii("cuapp")
        path = os.path.join(self.tmp, "upload.eml")
        with open(path, "wb") as f:
            f.write(data)
        self.curl(self.base() + "Archive", "-T", path)
        srv = self.server_messages("Archive")
        self.assertIn(mid, srv)
        self.assertEqual(srv[mid][2], data)

    def test_bad_password(self):
        cmd = ["curl", "-sS", "--max-time", "30", "--user",
               "%s:wrong" % self.user.name, "--url", self.base()]
        r = self.run_client(cmd, check=False)
        self.assertEqual(r.returncode, 67, r.stderr)   # login denied


# ---------------------------------------------------------------------------
# mutt

class TestMutt(ClientCase):
    client = "mutt"

    def write_rc(self, mode):
        cert, _ = self.server_cert_pem()
        self.rc = os.path.join(self.tmp, "muttrc")
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        with open(self.rc, "w") as f:
            f.write('set imap_user = "%s"\n'
                    'set imap_pass = "%s"\n'
                    'set folder = "%s"\n'
                    'set spoolfile = "+INBOX"\n'
                    'set certificate_file = "%s"\n'
                    'set ssl_verify_host = no\n'
                    'set ssl_starttls = %s\n'
                    'set ssl_force_tls = %s\n'
                    'set header_cache = "%s/hc"\n'
                    'set message_cachedir = "%s/bodies"\n'
                    'set mbox_type = Maildir\n'
                    'set wait_key = no\n'
                    'set confirmcreate = no\n'
                    'set confirmappend = no\n'
                    'set delete = yes\n'
                    'set resolve = no\n'
                    'set quit = yes\n'
                    'set move = no\n'
                    'set mark_old = no\n'
                    'set sort = date-sent\n'
                    'set imap_check_subscribed = no\n'
                    'set timeout = 5\n'
                    'set mail_check = 5\n'
                    'set pipe_decode = no\n'
                    'set record = ""\n'
                    % (self.user.name, self.user.password,
                       self.folder_url(mode), cert,
                       "yes" if mode == "starttls" else "no",
                       "yes" if mode != "plain" else "no", cache, cache))

    def folder_url(self, mode):
        if mode == "imaps":
            return "imaps://%s@%s:%d/" % (self.user.name.replace("@", "%40"),
                                          self.srv.host, self.srv.tls_port)
        return "imap://%s@%s:%d/" % (self.user.name.replace("@", "%40"),
                                     self.srv.host, self.srv.port)

    def run_mutt(self, keys, folder="INBOX", timeout=60):
        """Run mutt on a pseudo-terminal with `keys` pushed; returns the
        screen output it wrote.  Fails the test if mutt does not end."""
        import pty
        cmd = ["mutt", "-n", "-F", self.rc, "-f", "=" + folder,
               "-e", "push '%s'" % keys]
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.chdir(self.tmp)
                os.execvpe(cmd[0], cmd, self.env)
            finally:
                os._exit(127)
        out = b""
        deadline = time.time() + timeout
        status = None
        try:
            while time.time() < deadline:
                r, _, _ = select.select([fd], [], [], 0.5)
                if r:
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:     # EIO: the child closed the pty
                        chunk = b""
                    if chunk:
                        out += chunk
                        continue
                wpid, st = os.waitpid(pid, os.WNOHANG)
                if wpid:
                    status = st
                    break
                if not r:
                    continue
                time.sleep(0.05)        # pty closed, child still exiting
        finally:
            if status is None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        screen = out.decode("utf-8", "replace")
        self.assertIsNotNone(status, "mutt did not finish within %d s; "
                             "screen:\n%s" % (timeout, _tail(screen, 2000)))
        self.assertEqual(os.waitstatus_to_exitcode(status), 0,
                         "mutt failed; screen:\n%s" % _tail(screen, 2000))
        return screen

    def pipe_check(self, mode):
        self.write_rc(mode)
        msgs = [msg_nonascii("mu"), msg_multipart("mu")]
        self.deliver_all(msgs)
        out = [os.path.join(self.tmp, "piped%d.eml" % i) for i in (1, 2)]
        # sorted by date-sent: the non-ASCII message (2 March) comes after
        # the multipart one (1 March)
        keys = ("<first-entry><pipe-message>cat > %s<enter>"
                "<next-entry><pipe-message>cat > %s<enter>"
                "<display-message><exit>"
                "<first-entry><display-message><exit>"
                "<quit>" % (out[0], out[1]))
        self.run_mutt(keys)
        for path, (mid, data) in zip(out, [msgs[1], msgs[0]]):
            self.assertTrue(os.path.exists(path), "mutt did not pipe")
            self.assertEqual(maildir_read(path), to_lf(data), mid)
        self.assert_transport(mode)
        # reading (not piping) marked the messages seen on the server
        srv = self.server_messages()
        for mid, _ in msgs:
            self.assertIn("\\Seen", srv[mid][1])

    def test_pipe_imaps(self):
        self.pipe_check("imaps")

    def test_pipe_starttls(self):
        self.pipe_check("starttls")

    def test_pipe_plain(self):
        self.pipe_check("plain")

    def test_flag_save_delete(self):
        self.write_rc("imaps")
        msgs = [msg_plain("mu", "one"), msg_multipart("mu"),
                msg_nonascii("mu")]
        self.deliver_all(msgs)
        # by date-sent: plain (1994), multipart (1 March), non-ASCII
        keys = ("<first-entry><flag-message>"
                "<next-entry><save-message>=Archive<enter>"
                "<next-entry><delete-message>"
                "<sync-mailbox><quit>")
        self.run_mutt(keys)
        srv = self.server_messages()
        self.assertIn("\\Flagged", srv[msgs[0][0]][1])
        self.assertNotIn(msgs[2][0], srv, "deleted message not expunged")
        self.assertIn("Archive", self.server_folders())
        arch = self.server_messages("Archive")
        self.assertEqual(list(arch), [msgs[1][0]])
        self.assertEqual(arch[msgs[1][0]][2], msgs[1][1])
        # save-message deletes the original (mutt's save = move)
        self.assertNotIn(msgs[1][0], srv)


if __name__ == "__main__":
    unittest.main()
