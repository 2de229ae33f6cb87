"""Sieve at delivery over the wire: scripts uploaded over ManageSieve
(PUTSCRIPT + SETACTIVE, as a user's client does), messages delivered
over LMTP, the outcome read back over IMAP and at a smart host (an SMTP
sink, relay.host) for the mail Sieve sends.

Covers fileinto into a folder, imap4flags (\\Flagged seen by FETCH
FLAGS), reject (550 5.7.1 for that recipient, 250 for the other),
vacation answered once per sender, redirect arriving at the sink,
redirect :copy keeping a copy, discard storing nothing, a failing
script keeping the mail in INBOX, and a site before script running
first.  Where a target serves no ManageSieve the scripts are put in
place with its own means (Server/Dovecot.sieve_install: `msgstore sieve
put/activate`, or Pigeonhole's ~/sieve + ~/.dovecot.sieve).  Against
Dovecot (--target dovecot, with
dovecot-sieve) reject may be an MDN instead of a 550 (RFC 5429 allows
both) and a before script that files the message ends the chain."""
import os
import shutil
import tempfile
import time
import unittest

import msproto
from msproto import message
from test_lmtp import LmtpClient, SmtpSink


BEFORE = b"""require ["fileinto", "imap4flags"];
if header :contains "subject" "[site-spam]" {
  fileinto "Junk";
  stop;
}
"""


class SieveDelivery(unittest.TestCase):
    srv = None
    sink = None

    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()
        cls.tmp = tempfile.mkdtemp(prefix="mssieve-")
        os.chmod(cls.tmp, 0o755)
        before = os.path.join(cls.tmp, "before.sieve")
        with open(before, "wb") as f:
            f.write(BEFORE)
        if msproto.target_name() == "dovecot":
            # Pigeonhole: sieve_before, Sieve's mail to submission_host
            cls.srv = msproto.Dovecot(
                sieve_before=before,
                submission_host="127.0.0.1:%d" % cls.sink.port)
        else:
            cls.srv = msproto.Server(extra_set=[
                "relay.host=127.0.0.1:%d" % cls.sink.port, "relay.tls=no",
                "relay.queue_interval=1s", "sieve.before=" + before])
        try:
            cls.srv.start()
        except Exception:
            cls.sink.stop()
            raise
        if not cls.srv.has_sieve():
            cls.tearDownClass()
            raise unittest.SkipTest("%s has no Sieve" % cls.srv.name)

    @classmethod
    def tearDownClass(cls):
        if cls.srv is not None:
            cls.srv.cleanup()
            cls.srv = None
        if cls.sink is not None:
            cls.sink.stop()
            cls.sink = None
        if getattr(cls, "tmp", None):
            shutil.rmtree(cls.tmp, ignore_errors=True)
            cls.tmp = None

    def setUp(self):
        self.user = self.srv.new_user("sv")
        self.sink_start = len(self.sink.got)

    # ---- helpers -------------------------------------------------------

    def script(self, text, name="main", user=None):
        """Upload over ManageSieve where the server serves it (the way a
        user does it), else put it in place with the admin's tools."""
        user = user or self.user
        if self.srv.port_of("managesieve") is not None:
            self.srv.sieve_upload(user, text, name)
        else:
            self.srv.sieve_install(user, text, name)

    def lmtp(self, rcpts, m, sender="carol@example.org"):
        """Replies after DATA, one (code, text) per accepted recipient."""
        c = LmtpClient(self.srv.port_of("lmtp"))
        try:
            self.assertEqual(c.cmd("LHLO x")[0], 250)
            self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
            for r in rcpts:
                self.assertEqual(c.cmd("RCPT TO:<%s>" % r)[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 354)
            c.send(m + b".\r\n")
            return [c.reply() for _ in rcpts]
        finally:
            c.close()

    def deliver(self, m, sender="carol@example.org", user=None):
        user = user or self.user
        (code, text), = self.lmtp([user.name], m, sender)
        self.assertEqual(code, 250, text)

    def imap(self, user=None):
        user = user or self.user
        c = msproto.imap_plain(self.srv)
        c.login(user.name, user.password)
        return c

    def create(self, mailbox, user=None):
        c = self.imap(user)
        try:
            typ, d = c.create('"%s"' % mailbox)
            self.assertEqual(typ, "OK", d)
        finally:
            c.logout()

    def fetch(self, mailbox="INBOX", what="(FLAGS BODY.PEEK[])",
              user=None):
        """[(flags line, body)] of every message, or None when the
        mailbox does not exist."""
        c = self.imap(user)
        try:
            typ, d = c.select('"%s"' % mailbox, readonly=True)
            if typ != "OK":
                return None
            if int(d[0]) == 0:
                return []
            typ, d = c.fetch("1:*", what)
            self.assertEqual(typ, "OK", d)
            return [(x[0], x[1]) for x in d if isinstance(x, tuple)]
        finally:
            c.logout()

    def wait_sink(self, n, timeout=15):
        """What the sink got since setUp, once it has n (or the time ran
        out)."""
        deadline = time.time() + timeout
        while len(self.sink.got) - self.sink_start < n and \
                time.time() < deadline:
            time.sleep(0.1)
        return self.sink.got[self.sink_start:]

    # ---- tests ----------------------------------------------------------

    def test_fileinto_folder(self):
        self.create("Work")
        self.script('require "fileinto";\r\n'
                    'if header :contains "subject" "report" {\r\n'
                    '  fileinto "Work";\r\n'
                    '}\r\n')
        self.deliver(message(subject="weekly report"))
        self.deliver(message(subject="other"))
        self.assertEqual(len(self.fetch("Work")), 1)
        inbox = self.fetch("INBOX")
        self.assertEqual(len(inbox), 1)
        self.assertIn(b"Subject: other", inbox[0][1])

    def test_flags_visible_over_imap(self):
        self.script('require "imap4flags";\r\n'
                    'if header :contains "subject" "urgent" {\r\n'
                    '  addflag "\\\\Flagged";\r\n'
                    '}\r\n')
        self.deliver(message(subject="urgent: now"))
        self.deliver(message(subject="calm"))
        c = self.imap()
        try:
            c.select("INBOX", readonly=True)
            typ, d = c.fetch("1:2", "(FLAGS)")
        finally:
            c.logout()
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Flagged", d[0])
        self.assertNotIn(b"\\Flagged", d[1])

    def test_reject_for_one_recipient(self):
        other = self.srv.new_user("svo")
        self.script('require "reject";\r\n'
                    'reject "Not here,\r\nthank you";\r\n')
        (c1, t1), (c2, t2) = self.lmtp([self.user.name, other.name],
                                       message(subject="r"))
        if self.srv.name == "msgstored" or c1 != 250:
            self.assertEqual(c1, 550, t1)
            self.assertIn("5.7.1", t1[0])
            self.assertIn("Not here, thank you", t1[0])
        else:
            # RFC 5429 2.2 allows, not requires, refusing in the LMTP
            # dialogue; Pigeonhole accepts and mails the sender an MDN
            got = self.wait_sink(1)
            self.assertEqual(len(got), 1, got)
            self.assertEqual(got[0][0], b"<>")
            self.assertEqual(got[0][1], [b"<carol@example.org>"])
            self.assertIn(b"Not here,", got[0][2])
        self.assertEqual(c2, 250, t2)
        self.assertEqual(self.fetch("INBOX"), [])
        self.assertEqual(len(self.fetch("INBOX", user=other)), 1)

    def test_reject_exit_status_of_deliver(self):
        if self.srv.name != "msgstored":
            self.skipTest("msgstored only: `msgstore deliver`'s exit status")
        self.script('require "reject"; reject "go away";\r\n')
        r = self.srv.run_cli(["deliver", "-f", "carol@example.org",
                              self.user.name], stdin=message(),
                             check=False)
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn(b"go away", r.stderr)
        self.assertEqual(self.fetch("INBOX"), [])

    def test_vacation_once_per_sender(self):
        self.script('require "vacation";\r\n'
                    'vacation :days 1 :subject "Away" "Back Monday.";\r\n')
        m = message(subject="hello", to=self.user.name)
        self.deliver(m, sender="carol@example.org")
        self.deliver(message(subject="again", to=self.user.name),
                     sender="carol@example.org")
        got = self.wait_sink(1)
        self.assertEqual(len(got), 1, got)
        frm, rcpts, data = got[0]
        self.assertEqual(frm, b"<>")
        self.assertEqual(rcpts, [b"<carol@example.org>"])
        self.assertIn(b"Subject: Away", data)
        self.assertIn(b"Auto-Submitted: auto-replied", data)
        self.assertIn(b"Back Monday.", data)
        # both messages were kept
        self.assertEqual(len(self.fetch("INBOX")), 2)
        # another sender gets a reply of its own
        self.deliver(message(subject="hi", to=self.user.name),
                     sender="erin@example.org")
        got = self.wait_sink(2)
        self.assertEqual(len(got), 2, got)
        self.assertEqual(got[1][1], [b"<erin@example.org>"])
        time.sleep(1.5)
        self.assertEqual(len(self.sink.got) - self.sink_start, 2)

    def test_redirect_arrives_at_sink(self):
        self.script('redirect "far@remote.example";\r\n')
        m = message(subject="pass it on")
        self.deliver(m, sender="carol@example.org")
        got = self.wait_sink(1)
        self.assertEqual(len(got), 1, got)
        frm, rcpts, data = got[0]
        self.assertEqual(rcpts, [b"<far@remote.example>"])
        self.assertIn(b"Subject: pass it on", data)
        self.assertEqual(self.fetch("INBOX"), [])

    def test_redirect_copy_keeps_a_copy(self):
        self.script('require "copy";\r\n'
                    'redirect :copy "far@remote.example";\r\n')
        self.deliver(message(subject="copy me"))
        got = self.wait_sink(1)
        self.assertEqual(len(got), 1, got)
        inbox = self.fetch("INBOX")
        self.assertEqual(len(inbox), 1)
        self.assertIn(b"Subject: copy me", inbox[0][1])

    def test_discard_stores_nothing(self):
        self.script("discard;\r\n")
        self.deliver(message(subject="bin"))
        self.assertEqual(self.fetch("INBOX"), [])

    def test_failing_script_keeps_in_inbox(self):
        # an include whose script is deleted after the upload (a server
        # may check includes at SETACTIVE) fails at run time
        self.script('keep;\r\n', name="helper")
        self.script('require ["include"];\r\n'
                    'include :personal "helper";\r\n'
                    'discard;\r\n')
        if self.srv.port_of("managesieve") is None:
            self.skipTest("%s serves no ManageSieve" % self.srv.name)
        self.srv.managesieve(self.user, b'DELETESCRIPT "helper"\r\n')
        self.deliver(message(subject="keep me"))
        inbox = self.fetch("INBOX")
        self.assertEqual(len(inbox), 1)
        self.assertIn(b"Subject: keep me", inbox[0][1])

    def test_before_script_runs_first(self):
        self.create("Junk")
        # the user's script would keep everything in INBOX: the site
        # script has filed the message already and stopped only itself
        self.script("keep;\r\n")
        self.deliver(message(subject="[site-spam] buy"))
        self.assertEqual(len(self.fetch("Junk")), 1)
        # how scripts chain is no RFC's: Pigeonhole runs the next script
        # only while the implicit keep is in effect (its sieve_before),
        # so there the user's "keep" never runs for this message
        inbox = 1 if self.srv.name == "msgstored" else 0
        self.assertEqual(len(self.fetch("INBOX")), inbox)
        self.deliver(message(subject="ham"))
        self.assertEqual(len(self.fetch("Junk")), 1)
        self.assertEqual(len(self.fetch("INBOX")), inbox + 1)


if __name__ == "__main__":
    unittest.main()
