"""LMTP (RFC 2033) delivery: per-recipient replies after DATA, checks at
RCPT (unknown, disabled, over quota, too big), BDAT (RFC 3030),
pipelining, large messages, malformed input, a client that vanishes in
the middle of DATA, subaddresses, forwarding (internal, external through
a smart host, loops), and the socketmap lookup service for Postfix.

What is delivered is read back over IMAP.  Against Dovecot the
msgstored-only parts (forwarding, socketmap, account flags) are skipped."""
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import msproto
from msproto import ProtoTest, message


class LmtpClient:
    """A raw LMTP client: exact bytes out, reply lists back."""

    def __init__(self, port, host="127.0.0.1", timeout=msproto.TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError("connection closed; have %r" % self.buf)
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r")

    def reply(self):
        """(code, [text lines]) of one (possibly multi-line) reply."""
        lines = []
        while True:
            ln = self.line()
            lines.append(ln[4:].decode("utf-8", "replace"))
            if ln[3:4] != b"-":
                return int(ln[:3]), lines

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.reply()

    def starttls(self):
        code, _ = self.cmd("STARTTLS")
        assert code == 220, code
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def dot_stuff(msg):
    out = []
    for ln in msg.split(b"\r\n"):
        out.append(b"." + ln if ln.startswith(b".") else ln)
    return b"\r\n".join(out)


class SmtpSink(threading.Thread):
    """A tiny smart host: accepts (or refuses, per rcpt_reply) and keeps
    what it got.  Stopped by stop()."""

    def __init__(self, rcpt_reply=b"250 2.1.5 ok", data_reply=b"250 2.0.0 ok"):
        super().__init__(daemon=True)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(5)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.got = []               # (mail_from, [rcpts], data)
        self.running = True
        self.start()

    def run(self):
        while self.running:
            try:
                s, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.session(s)
            except (OSError, EOFError):
                pass
            finally:
                s.close()

    def session(self, s):
        s.settimeout(10)
        f = s.makefile("rwb")
        f.write(b"220 sink ESMTP\r\n")
        f.flush()
        frm, rcpts = None, []
        while True:
            ln = f.readline()
            if not ln:
                return
            u = ln.strip().upper()
            if u.startswith(b"EHLO") or u.startswith(b"HELO"):
                f.write(b"250-sink\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n")
            elif u.startswith(b"MAIL"):
                frm = ln.strip()[10:].split(b" ")[0]
                rcpts = []
                f.write(b"250 2.1.0 ok\r\n")
            elif u.startswith(b"RCPT"):
                rcpts.append(ln.strip()[8:])
                f.write(self.rcpt_reply + b"\r\n")
            elif u == b"DATA":
                f.write(b"354 go\r\n")
                f.flush()
                data = b""
                while True:
                    d = f.readline()
                    if d == b".\r\n" or not d:
                        break
                    data += d[1:] if d.startswith(b"..") else d
                self.got.append((frm, rcpts, data))
                f.write(self.data_reply + b"\r\n")
            elif u == b"QUIT":
                f.write(b"221 bye\r\n")
                f.flush()
                return
            else:
                f.write(b"250 ok\r\n")
            f.flush()

    def stop(self):
        self.running = False
        self.lsock.close()
        self.join(5)


class LmtpBase(ProtoTest):

    def setUp(self):
        super().setUp()
        self.port = self.srv.port_of("lmtp")
        if self.port is None:
            self.skipTest("%s has no LMTP listener" % self.target)

    def msgstored_only(self):
        if self.target != "msgstored":
            self.skipTest("msgstored only")

    def lmtp(self):
        c = LmtpClient(self.port)
        self._conns.append(c)
        return c

    def lhlo(self):
        c = self.lmtp()
        code, lines = c.cmd("LHLO client.example")
        self.assertEqual(code, 250, lines)
        return c, [ln.split()[0].upper() for ln in lines[1:]]

    def bodies(self, user, mailbox="INBOX"):
        """Every message of user's mailbox, in UID order."""
        c = msproto.imap_plain(self.srv)
        try:
            c.login(user.name, user.password)
            typ, d = c.select('"%s"' % mailbox, readonly=True)
            self.assertEqual(typ, "OK", d)
            if int(d[0]) == 0:
                return []
            typ, d = c.fetch("1:*", "(BODY.PEEK[])")
            return [x[1] for x in d if isinstance(x, tuple)]
        finally:
            c.logout()

    def wait_bodies(self, user, n, mailbox="INBOX"):
        deadline = time.time() + 5
        while True:
            b = self.bodies(user, mailbox)
            if len(b) >= n or time.time() > deadline:
                return b
            time.sleep(0.1)


class Basics(LmtpBase):

    def test_lhlo_advertises_extensions(self):
        c, ext = self.lhlo()
        for e in ("PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME",
                  "CHUNKING", "STARTTLS"):
            self.assertIn(e, ext)
        if self.target == "msgstored":      # Dovecot's LMTP has no SIZE
            self.assertIn("SIZE", ext)
        self.assertEqual(c.greeting[0], 220)

    def test_helo_and_ehlo_refused(self):
        c = self.lmtp()
        self.assertEqual(c.cmd("HELO x")[0] // 100, 5)
        self.assertEqual(c.cmd("EHLO x")[0] // 100, 5)
        self.assertEqual(c.cmd("LHLO x")[0], 250)

    def test_mixed_recipients_get_their_own_replies(self):
        full = self.srv.new_user(quota_messages=1)
        self.srv.deliver(full, message())
        c, _ = self.lhlo()
        self.assertEqual(c.cmd("MAIL FROM:<s@example.com>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % self.user.name)[0], 250)
        code, text = c.cmd("RCPT TO:<nobody-here@localhost>")
        self.assertEqual(code, 550, text)
        self.assertIn("5.1.1", text[0])
        code, text = c.cmd("RCPT TO:<%s>" % full.name)
        self.assertIn(code, (452, 552), text)
        self.assertTrue(text[0].startswith(("4.2.2", "5.2.2")), text)
        u2 = self.srv.new_user()
        self.assertEqual(c.cmd("RCPT TO:<%s>" % u2.name)[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        m = message(subject="mixed")
        c.send(dot_stuff(m) + b".\r\n")
        r1, r2 = c.reply(), c.reply()
        self.assertEqual((r1[0], r2[0]), (250, 250))
        c.cmd("QUIT")
        for u in (self.user, u2):
            b = self.bodies(u)
            self.assertEqual(len(b), 1)
            self.assertTrue(b[0].endswith(m), b[0][:300])

    def test_delivery_headers(self):
        c, _ = self.lhlo()
        c.cmd("MAIL FROM:<sender@example.com>")
        c.cmd("RCPT TO:<%s>" % self.user.name)
        c.cmd("DATA")
        c.send(message() + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        b = self.bodies(self.user)[0]
        head = b.split(b"\r\n\r\n")[0].lower()
        self.assertIn(b"return-path: <sender@example.com>", head)
        self.assertIn(b"delivered-to: " + self.user.name.lower().encode(),
                      head)

    def test_sequence_errors(self):
        c, _ = self.lhlo()
        self.assertEqual(c.cmd("RCPT TO:<%s>" % self.user.name)[0], 503)
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertEqual(c.cmd("MAIL FROM:<a@b>")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@b>")[0], 503)
        self.assertEqual(c.cmd("DATA")[0], 503)       # no recipients
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        self.assertEqual(c.cmd("QUIT")[0], 221)

    def test_malformed_commands(self):
        c, _ = self.lhlo()
        for bad in ("MAIL", "MAIL FROM:", "MAIL FROM:a@b", "MAIL TO:<a@b>",
                    "FOO bar", "MAIL FROM:<a@b> SIZE=abc",
                    "MAIL FROM:<a@b> WHAT=1"):
            code, text = c.cmd(bad)
            self.assertEqual(code // 100, 5, (bad, code, text))
        code, text = c.cmd("X" * 5000)
        self.assertEqual(code // 100, 5)
        self.assertEqual(c.cmd("MAIL FROM:<a@b>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:no-brackets@localhost")[0] // 100, 5)
        self.assertEqual(c.cmd("RCPT TO:<%s> NOTIFY=NEVER" %
                               self.user.name)[0] // 100, 5)
        self.assertEqual(c.cmd("NOOP")[0], 250)

    def test_garbage_and_nul_leave_server_alive(self):
        c = self.lmtp()
        c.send(b"\x00\xff\xfe garbage\r\nLHLO \x00x\r\n\r\n")
        for _ in range(3):
            self.assertEqual(c.reply()[0] // 100, 5)
        self.assertEqual(c.cmd("LHLO ok")[0], 250)

    def test_size_limit_at_mail(self):
        c, ext = self.lhlo()
        if "SIZE" not in ext:
            self.skipTest("%s does not offer SIZE" % self.target)
        code, text = c.cmd("MAIL FROM:<a@b> SIZE=999999999999")
        self.assertEqual(code, 552, text)
        self.assertIn("5.3.4", text[0])

    def test_pipelining(self):
        c, _ = self.lhlo()
        u2 = self.srv.new_user()
        m = message(subject="piped")
        c.send(("MAIL FROM:<p@example.com>\r\nRCPT TO:<%s>\r\n"
                "RCPT TO:<nobody-x@localhost>\r\nRCPT TO:<%s>\r\nDATA\r\n"
                % (self.user.name, u2.name)).encode())
        codes = [c.reply()[0] for _ in range(5)]
        self.assertEqual(codes, [250, 250, 550, 250, 354])
        c.send(m + b".\r\nNOOP\r\nMAIL FROM:<q@example.com>\r\n")
        codes = [c.reply()[0] for _ in range(4)]
        self.assertEqual(codes, [250, 250, 250, 250])
        self.assertEqual(len(self.bodies(u2)), 1)

    def test_smtplib_lmtp(self):
        import smtplib
        lm = smtplib.LMTP(self.srv.host, self.port, timeout=msproto.TIMEOUT)
        try:
            refused = lm.sendmail("x@example.com",
                                  [self.user.name, "nobody-y@localhost"],
                                  message(subject="lib"))
        finally:
            lm.quit()
        self.assertIn("nobody-y@localhost", refused)
        self.assertEqual(len(self.bodies(self.user)), 1)

    def test_starttls(self):
        self.msgstored_only()
        c, ext = self.lhlo()
        c.starttls()
        # after TLS the client must greet again
        self.assertEqual(c.cmd("MAIL FROM:<a@b>")[0], 503)
        code, lines = c.cmd("LHLO again")
        self.assertEqual(code, 250)
        self.assertNotIn("STARTTLS", [ln.upper() for ln in lines])
        c.cmd("MAIL FROM:<a@b>")
        c.cmd("RCPT TO:<%s>" % self.user.name)
        c.cmd("DATA")
        c.send(message() + b".\r\n")
        self.assertEqual(c.reply()[0], 250)


class Data(LmtpBase):

    def test_dot_stuffing_round_trip(self):
        m = message(body=".leading dot\r\n..two\r\n.\r\nx\r\n")
        c, _ = self.lhlo()
        c.cmd("MAIL FROM:<a@b>")
        c.cmd("RCPT TO:<%s>" % self.user.name)
        c.cmd("DATA")
        c.send(dot_stuff(m) + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertTrue(self.bodies(self.user)[0].endswith(m))

    def test_bare_lf_dot_does_not_end_data(self):
        """No smuggling: only CRLF.CRLF ends DATA."""
        if self.target == "dovecot":
            self.skipTest("Dovecot 2.3's LMTP ends DATA at LF.LF and "
                          "stores the smuggled second message")
        c, _ = self.lhlo()
        c.cmd("MAIL FROM:<a@b>")
        c.cmd("RCPT TO:<%s>" % self.user.name)
        c.cmd("DATA")
        c.send(message(body="one\r\n") +
               b"\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<%s>\r\nDATA\r\n"
               b"smuggled\r\n.\n" % self.user.name.encode() +
               b"\r\n.\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        b = self.bodies(self.user)
        self.assertEqual(len(b), 1, "a second message was smuggled in")
        self.assertIn(b"smuggled", b[0])
        self.assertNotIn(b"\n\n", b[0].replace(b"\r\n", b""),
                         "bare LF stored")

    def test_bdat(self):
        c, ext = self.lhlo()
        self.assertIn("CHUNKING", ext)
        m = message(subject="chunked", body="a\r\n.b\r\n" * 100)
        c.cmd("MAIL FROM:<a@b>")
        c.cmd("RCPT TO:<%s>" % self.user.name)
        c.cmd("RCPT TO:<nobody-z@localhost>")
        half = len(m) // 2
        c.send(b"BDAT %d\r\n" % half + m[:half])
        self.assertEqual(c.reply()[0], 250)
        c.send(b"BDAT %d LAST\r\n" % (len(m) - half) + m[half:])
        self.assertEqual(c.reply()[0], 250)     # one valid recipient
        self.assertEqual(c.cmd("NOOP")[0], 250)
        b = self.bodies(self.user)
        self.assertTrue(b[0].endswith(m))       # no dot-unstuffing in BDAT

    def test_bdat_without_recipients_is_skipped(self):
        c, _ = self.lhlo()
        c.send(b"BDAT 10 LAST\r\n0123456789NOOP\r\n")
        self.assertEqual(c.reply()[0] // 100, 5)
        self.assertEqual(c.reply()[0], 250)

    def test_30mb_message(self):
        line = b"x" * 998 + b"\r\n"
        body = line * (30 * 1024 * 1024 // len(line))
        m = message(subject="big", body="") + body
        c, ext = self.lhlo()
        c.cmd("MAIL FROM:<a@b>" +
              (" SIZE=%d" % len(m) if "SIZE" in ext else ""))
        c.cmd("RCPT TO:<%s>" % self.user.name)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.sock.settimeout(120)
        c.send(m + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        imap = msproto.imap_plain(self.srv)
        try:
            imap.login(self.user.name, self.user.password)
            imap.select("INBOX", readonly=True)
            typ, d = imap.fetch("1", "(RFC822.SIZE BODY.PEEK[TEXT])")
            self.assertEqual(d[0][1], body)
        finally:
            imap.logout()

    def test_disconnect_mid_data_delivers_nothing(self):
        c, _ = self.lhlo()
        c.cmd("MAIL FROM:<a@b>")
        c.cmd("RCPT TO:<%s>" % self.user.name)
        c.cmd("DATA")
        c.send(message(body="y" * 300000))
        c.close()
        c2, _ = self.lhlo()
        c2.cmd("MAIL FROM:<a@b>")
        c2.cmd("RCPT TO:<%s>" % self.user.name)
        c2.send("BDAT 100\r\n")
        c2.send(b"z" * 50)
        c2.close()
        time.sleep(0.5)
        self.assertEqual(self.bodies(self.user), [])

    def test_message_over_max_size_refused_after_data(self):
        self.msgstored_only()
        srv = msproto.Server(extra_set=["deliver.max_size=10k"])
        srv.start()
        try:
            u = srv.add_user("big1@localhost", "pw-big-1")
            c = LmtpClient(srv.port_of("lmtp"))
            c.cmd("LHLO x")
            c.cmd("MAIL FROM:<a@b>")
            c.cmd("RCPT TO:<%s>" % u.name)
            c.cmd("DATA")
            c.send(message(body="q" * 20000 + "\r\n") + b".\r\n")
            code, text = c.reply()
            self.assertEqual(code, 552, text)
            self.assertIn("5.3.4", text[0])
            self.assertEqual(c.cmd("NOOP")[0], 250)
            c.close()
        finally:
            srv.cleanup()


class Recipients(LmtpBase):

    def deliver1(self, rcpt, m=None):
        c, _ = self.lhlo()
        c.cmd("MAIL FROM:<s@example.com>")
        code, text = c.cmd("RCPT TO:<%s>" % rcpt)
        if code != 250:
            return code, text
        c.cmd("DATA")
        c.send((m or message()) + b".\r\n")
        return c.reply()

    def test_subaddress_goes_to_folder(self):
        imap = self.session(user=self.user)
        imap.ok('CREATE "Lists"')
        local, dom = self.user.name.split("@")
        # msgstored matches the folder without case; Dovecot exactly
        detail = "lists" if self.target == "msgstored" else "Lists"
        self.assertEqual(self.deliver1("%s+%s@%s" % (local, detail,
                                                     dom))[0], 250)
        self.assertEqual(self.deliver1("%s+nosuch@%s" % (local, dom))[0],
                         250)
        self.assertEqual(len(self.bodies(self.user, "Lists")), 1)
        self.assertEqual(len(self.bodies(self.user, "INBOX")), 1)

    def test_disabled_account(self):
        self.msgstored_only()
        self.srv.run_cli(["account", "flags", self.user.name, "+disabled"])
        code, text = self.deliver1(self.user.name)
        self.assertEqual(code, 550)
        self.assertIn("5.2.1", text[0])

    def test_over_quota_is_temporary_by_default(self):
        u = self.srv.new_user(quota_messages=1)
        self.srv.deliver(u, message())
        code, text = self.deliver1(u.name)
        # Dovecot's quota_full_tempfail does not cover the message count
        self.assertEqual(code, 452 if self.target == "msgstored" else
                         code - code % 100 + 52, text)

    def test_forward_internal_and_loop(self):
        self.msgstored_only()
        a, b = self.srv.new_user(), self.srv.new_user()
        self.srv.run_cli(["forward", "add", "alias-%s" % a.name, a.name,
                          b.name])
        self.assertEqual(self.deliver1("alias-%s" % a.name)[0], 250)
        self.assertEqual(len(self.bodies(a)), 1)
        self.assertEqual(len(self.bodies(b)), 1)
        # keep: a forwards to b and keeps a copy
        self.srv.run_cli(["forward", "add", a.name, b.name, "--keep"])
        self.assertEqual(self.deliver1(a.name)[0], 250)
        self.assertEqual(len(self.bodies(a)), 2)
        self.assertEqual(len(self.bodies(b)), 2)
        # a loop with nowhere to go
        x, y = "loopx-%s" % a.name, "loopy-%s" % a.name
        self.srv.run_cli(["forward", "add", x, y])
        self.srv.run_cli(["forward", "add", y, x])
        code, text = self.deliver1(x)
        self.assertEqual(code, 554, text)
        self.assertIn("5.4.6", text[0])

    def test_delivered_to_loop_refused(self):
        self.msgstored_only()
        m = (b"Delivered-To: %s\r\n" % self.user.name.encode()) + message()
        code, text = self.deliver1(self.user.name, m)
        self.assertEqual(code, 554, text)
        self.assertEqual(self.bodies(self.user), [])


class Relay(ProtoTest):
    """External forwarding through a smart host (a sink in this test)."""

    def setUp(self):
        super().setUp()
        if self.target != "msgstored":
            self.skipTest("msgstored only")

    def run_with(self, sink):
        srv = msproto.Server(extra_set=["relay.host=127.0.0.1:%d" % sink.port,
                                        "relay.tls=no"])
        srv.start()
        return srv

    def send(self, srv, rcpt, m):
        c = LmtpClient(srv.port_of("lmtp"))
        try:
            c.cmd("LHLO x")
            c.cmd("MAIL FROM:<orig@example.com>")
            code, text = c.cmd("RCPT TO:<%s>" % rcpt)
            if code != 250:
                return code, text
            c.cmd("DATA")
            c.send(m + b".\r\n")
            return c.reply()
        finally:
            c.close()

    def test_external_forward_relayed(self):
        sink = SmtpSink()
        srv = self.run_with(sink)
        try:
            u = srv.add_user("keeper@localhost", "pw-keeper-1")
            srv.run_cli(["forward", "add", u.name, "far@remote.example",
                         "--keep"])
            m = message(subject="relay me", body="..x\r\n")
            code, text = self.send(srv, u.name, dot_stuff(m))
            self.assertEqual(code, 250, text)
            self.assertEqual(len(sink.got), 1)
            frm, rcpts, data = sink.got[0]
            self.assertEqual(frm, b"<orig@example.com>")
            self.assertEqual(rcpts, [b"<far@remote.example>"])
            self.assertTrue(data.endswith(m), data[-200:])
            self.assertIn(b"Delivered-To: keeper@localhost", data)
        finally:
            srv.cleanup()
            sink.stop()

    def test_relay_refusal_is_reported(self):
        sink = SmtpSink(rcpt_reply=b"451 4.3.0 later")
        srv = self.run_with(sink)
        try:
            srv.run_cli(["forward", "add", "only-fwd@localhost",
                         "far@remote.example"])
            code, text = self.send(srv, "only-fwd@localhost", message())
            self.assertEqual(code // 100, 4, text)
        finally:
            srv.cleanup()
            sink.stop()

    def test_no_relay_host_is_temporary(self):
        self.srv.run_cli(["forward", "add", "ext-only-%s" % self.user.name,
                          "far@remote.example"])
        c = LmtpClient(self.srv.port_of("lmtp"))
        try:
            c.cmd("LHLO x")
            c.cmd("MAIL FROM:<a@b>")
            code, text = c.cmd("RCPT TO:<ext-only-%s>" % self.user.name)
            self.assertEqual(code // 100, 4, text)
        finally:
            c.close()


class Socketmap(ProtoTest):

    def setUp(self):
        super().setUp()
        self.port = self.srv.port_of("socketmap")
        if self.port is None:
            self.skipTest("%s has no socketmap service" % self.target)
        self.s = socket.create_connection(("127.0.0.1", self.port),
                                          msproto.TIMEOUT)

    def tearDown(self):
        self.s.close()
        super().tearDown()

    def ask(self, name, key):
        p = ("%s %s" % (name, key)).encode()
        self.s.sendall(b"%d:%s," % (len(p), p))
        buf = b""
        while b"," not in buf or len(buf) < int(buf.split(b":")[0]) + \
                len(buf.split(b":")[0]) + 2:
            d = self.s.recv(4096)
            if not d:
                break
            buf += d
        n, rest = buf.split(b":", 1)
        return rest[:int(n)].decode()

    def test_mailbox_map(self):
        self.assertEqual(self.ask("mailbox", self.user.name),
                         "OK " + self.user.name.lower())
        self.assertEqual(self.ask("mailbox", "nobody-q@localhost"),
                         "NOTFOUND ")
        local, dom = self.user.name.split("@")
        self.assertTrue(self.ask("mailbox", "%s+x@%s" % (local, dom))
                        .startswith("OK "))

    def test_access_map(self):
        self.assertEqual(self.ask("access", self.user.name), "OK DUNNO")
        r = self.ask("access", "nobody-r@localhost")
        self.assertTrue(r.startswith("OK 550 5.1.1"), r)

    def test_alias_map(self):
        t = self.srv.new_user()
        self.srv.run_cli(["forward", "add", self.user.name, t.name])
        self.assertEqual(self.ask("alias", self.user.name), "OK " + t.name)
        self.assertEqual(self.ask("alias", t.name), "NOTFOUND ")

    def test_bad_requests(self):
        self.assertTrue(self.ask("nosuchmap", "x").startswith("PERM"))
        self.s.sendall(b"99999999:x,")
        self.assertTrue(self.s.recv(100).split(b":", 1)[1]
                        .startswith(b"PERM"))


class PostfixMaps(ProtoTest):
    """docs/postfix.md, checked: its main.cf parses with Debian's
    postconf, and every socketmap table it names answers through
    Postfix's own client (postmap) on local sockets; LMTP over the local
    socket too."""

    DOC = os.path.join(msproto.TOP, "docs", "postfix.md")

    def setUp(self):
        super().setUp()
        if self.target != "msgstored":
            self.skipTest("msgstored only")
        self.srv2 = msproto.Server()
        d = self.srv2.dir
        self.srv2.extra_set += ["lmtp.socket=%s/lmtp" % d,
                                "socketmap.socket=%s/socketmap" % d]
        self.srv2.start()
        self.u = self.srv2.add_user("pf1@localhost", "pw-pf-1")

    def tearDown(self):
        self.srv2.cleanup()
        super().tearDown()

    def snippet(self, section):
        """The first indented block of a section of docs/postfix.md."""
        with open(self.DOC) as f:
            sec = f.read().split("## %s\n" % section)[1]
        block, started = [], False
        for ln in sec.splitlines():
            if ln.startswith("    "):
                started = True
                block.append(ln[4:].replace("/run/msgstore",
                                            self.srv2.dir))
            elif started and ln.strip():
                break
        return "\n".join(block) + "\n"

    def main_cf(self):
        return self.snippet("main.cf")

    def test_lmtp_on_the_local_socket(self):
        lm = smtplib.LMTP("%s/lmtp" % self.srv2.dir)
        try:
            refused = lm.sendmail("a@example.com", [self.u.name],
                                  message(subject="unix"))
        finally:
            lm.quit()
        self.assertEqual(refused, {})

    def test_main_cf_and_maps_with_postfix(self):
        if not shutil.which("postmap") or not shutil.which("postconf"):
            self.skipTest("Postfix (postmap, postconf) not installed")
        cf = self.main_cf()
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "main.cf"), "w") as f:
                f.write(cf)
            shutil.copy("/etc/postfix/master.cf", d)
            r = subprocess.run(["postconf", "-c", d, "-n"],
                               capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn(b"warning", r.stderr)
            # the master.cf service the document adds parses too
            with open(os.path.join(d, "master.cf"), "a") as f:
                f.write(self.snippet("master.cf"))
            r = subprocess.run(["postconf", "-c", d, "-P"],
                               capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn(b"warning", r.stderr)
            self.assertIn(b"127.0.0.1:10026/inet/mynetworks = 127.0.0.0/8",
                          r.stdout)
        tables = set(re.findall(r"socketmap:unix:\S+:\w+", cf))
        self.assertEqual(len(tables), 2, cf)     # mailbox and access

        def q(table, key):
            r = subprocess.run(["postmap", "-q", key, table],
                               capture_output=True, timeout=30)
            return r.returncode, r.stdout.decode().strip()
        for t in tables:
            kind = t.rsplit(":", 1)[1]
            if kind == "mailbox":
                self.assertEqual(q(t, self.u.name), (0, self.u.name))
                self.assertEqual(q(t, "nobody@localhost")[0], 1)
            else:
                self.assertEqual(q(t, self.u.name), (0, "DUNNO"))
                rc, out = q(t, "nobody@localhost")
                self.assertTrue(out.startswith("550 5.1.1"), out)


if __name__ == "__main__":
    unittest.main()
