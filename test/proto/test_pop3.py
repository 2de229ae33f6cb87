"""test_pop3.py -- POP3 (RFC 1939, 2449, 2595, 3206, 5034, 6856) against the
live server with poplib and raw sockets: every command, pipelining, STLS,
POP3S, SASL PLAIN and SCRAM-SHA-256, APOP, the maildrop lock ([IN-USE]),
DELE only at QUIT, a dropped connection, UIDL stability (across sessions,
equal to what IMAP shows, and across `msgstore reconstruct`), concurrent
IMAP, login delay and the failure response codes.

Checks that need something Dovecot is not configured for here (APOP, the
session lock, msgstored's CLI) are skipped on --target dovecot with the
reason.
"""
import base64
import hashlib
import os
import poplib
import re
import socket
import ssl
import time
import unittest

import msproto
from msproto import ProtoTest, message, tls_context

TIMEOUT = msproto.TIMEOUT


class RawPop:
    """A raw POP3 client: exact bytes out, exact lines in."""

    def __init__(self, port, tls=False, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            self.sock = tls_context().wrap_socket(self.sock)
        self.buf = b""
        self.greeting = self.line()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("closed by the server; have %r" % self.buf[-200:])
        self.buf += data

    def line(self):
        """One response line, CRLF stripped."""
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    def multi_raw(self):
        """The body of a multi-line answer as sent (stuffed), through the
        terminating '.' line, which is not included."""
        while True:
            i = self.buf.find(b"\r\n.\r\n")
            if self.buf.startswith(b".\r\n"):
                self.buf = self.buf[3:]
                return b""
            if i >= 0:
                body, self.buf = self.buf[:i + 2], self.buf[i + 5:]
                return body
            self._fill()

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.line()

    def closed(self, wait=2.0):
        self.sock.settimeout(wait)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except (socket.timeout, OSError):
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def unstuff(body):
    """A stuffed multi-line body back to the message bytes."""
    out = []
    for ln in body.split(b"\r\n"):
        out.append(ln[1:] if ln.startswith(b".") else ln)
    return b"\r\n".join(out)


def uidl_of(uid, uidvalidity):
    # Dovecot's %08Xu%08Xv (its X is lower-case hex)
    return "%08x%08x" % (uid, uidvalidity)


class Pop3Base(ProtoTest):
    def setUp(self):
        super().setUp()
        self.pop_port = self.srv.port_of("pop3")
        if self.pop_port is None:
            self.skipTest("this server has no pop3 listener")

    # -- clients
    def pop(self, user=None, login=True, srv=None, tls=False):
        srv = srv or self.srv
        if tls:
            c = poplib.POP3_SSL(srv.host, srv.port_of("pop3s"),
                                context=tls_context(), timeout=TIMEOUT)
        else:
            c = poplib.POP3(srv.host, srv.port_of("pop3"), timeout=TIMEOUT)
        self._conns.append(_PopCloser(c))
        if login:
            u = user or self.user
            c.user(u.name)
            c.pass_(u.password)
        return c

    def rawpop(self, srv=None, tls=False):
        srv = srv or self.srv
        c = RawPop(srv.port_of("pop3s" if tls else "pop3"), tls=tls)
        self._conns.append(_RawCloser(c))
        return c

    def rawlogin(self, user=None, srv=None):
        c = self.rawpop(srv)
        u = user or self.user
        self.assertTrue(c.cmd("USER " + u.name).startswith(b"+OK"))
        r = c.cmd("PASS " + u.password)
        self.assertTrue(r.startswith(b"+OK"), r)
        return c

    def append(self, msgs, user=None):
        """APPEND the messages to INBOX over IMAP (exact bytes stored)."""
        s = self.session(user=user)
        for m in msgs:
            self.assertOK(s.append("INBOX", m))
        s.logout()

    def imap_uids(self, user=None):
        """(UIDVALIDITY, [UID...]) of INBOX as IMAP shows it."""
        s = self.session(user=user)
        r = s.cmd("SELECT INBOX")
        self.assertOK(r)
        uv = int(msproto.resp_code(r, "UIDVALIDITY"))
        r = s.cmd("UID SEARCH ALL")
        self.assertOK(r)
        uids = msproto.search_numbers(r)
        s.logout()
        return uv, sorted(uids)

    def msgstored_only(self, why):
        if self.target != "msgstored":
            self.skipTest("msgstored only: " + why)


class _PopCloser:
    def __init__(self, c):
        self.c = c

    def close(self):
        try:
            self.c.close()
        except Exception:
            pass

    shutdown = close


class _RawCloser(_PopCloser):
    pass


# make ProtoTest.tearDown close our wrappers (it calls shutdown() on
# anything that is not a Raw)


class TestPop3Basic(Pop3Base):
    def test_greeting_and_capa(self):
        c = self.pop(login=False)
        self.assertTrue(c.getwelcome().startswith(b"+OK"))
        caps = c.capa()
        for cap in ("TOP", "UIDL", "USER", "SASL", "RESP-CODES",
                    "PIPELINING", "AUTH-RESP-CODE", "STLS"):
            self.assertIn(cap, caps)
        self.assertIn("PLAIN", caps["SASL"])
        if self.target == "msgstored":
            for cap in ("EXPIRE", "LOGIN-DELAY", "IMPLEMENTATION", "UTF8"):
                self.assertIn(cap, caps)
            self.assertEqual(caps["EXPIRE"], ["NEVER"])
            self.assertIn("SCRAM-SHA-256", caps["SASL"])
            # no APOP timestamp unless the secret is kept
            self.assertNotIn(b"<", c.getwelcome())
        # after login the authorization capabilities are gone
        c.user(self.user.name)
        c.pass_(self.user.password)
        caps = c.capa()
        self.assertIn("TOP", caps)
        self.assertNotIn("STLS", caps)
        c.quit()

    def test_stat_list_retr_exact_bytes(self):
        msgs = [message(subject="one"),
                message(subject="two", body="line 1\r\nline 2\r\n"),
                message(subject="three", body=("x" * 1000 + "\r\n") * 5)]
        self.append(msgs)
        c = self.pop()
        n, size = c.stat()
        self.assertEqual(n, 3)
        self.assertEqual(size, sum(len(m) for m in msgs))
        resp, lines, _ = c.list()
        self.assertTrue(resp.startswith(b"+OK"))
        self.assertEqual(lines, [b"%d %d" % (i + 1, len(m))
                                 for i, m in enumerate(msgs)])
        self.assertEqual(c.list(2), b"+OK 2 %d" % len(msgs[1]))
        for i, m in enumerate(msgs):
            resp, lines, octets = c.retr(i + 1)
            self.assertTrue(resp.startswith(b"+OK"))
            self.assertEqual(b"\r\n".join(lines) + b"\r\n", m)
        self.assertTrue(c.noop().startswith(b"+OK"))
        c.quit()

    def test_dot_stuffing_raw(self):
        body = (".hidden\r\n..two dots\r\n.\r\nmiddle\r\n.\r\n"
                "last line without end")
        m = message(subject="dots", body=body)
        self.append([m])
        c = self.rawlogin()
        r = c.cmd("RETR 1")
        self.assertTrue(r.startswith(b"+OK"), r)
        raw = c.multi_raw()
        self.assertIn(b"\r\n..hidden\r\n...two dots\r\n..\r\nmiddle\r\n",
                      raw)
        # the server ends the last line before the terminator
        self.assertEqual(unstuff(raw), m + b"\r\n")
        r = c.cmd("TOP 1 2")
        self.assertTrue(r.startswith(b"+OK"), r)
        raw = c.multi_raw()
        hdr = m[:m.index(b"\r\n\r\n") + 4]
        self.assertEqual(unstuff(raw), hdr + b".hidden\r\n..two dots\r\n")
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))

    def test_top(self):
        m = message(subject="top", body="b1\r\nb2\r\nb3\r\n")
        self.append([m])
        c = self.pop()
        hdr = m[:m.index(b"\r\n\r\n")]
        resp, lines, _ = c.top(1, 0)
        self.assertEqual(b"\r\n".join(lines), hdr + b"\r\n")
        resp, lines, _ = c.top(1, 2)
        self.assertEqual(b"\r\n".join(lines), hdr + b"\r\n\r\nb1\r\nb2")
        resp, lines, _ = c.top(1, 100)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", m)
        c.quit()

    def test_large_message_streams(self):
        # several MiB with stuffed dots scattered: many output rounds
        part = ("." + "y" * 70 + "\r\n") + ("z" * 70 + "\r\n") * 30
        body = part * 1500
        m = message(subject="big", body=body)
        self.append([m])
        c = self.rawlogin()
        r = c.cmd("RETR 1")
        self.assertEqual(r, b"+OK %d octets" % len(m))
        self.assertEqual(unstuff(c.multi_raw()), m)
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))

    def test_errors(self):
        self.append([message()])
        c = self.rawpop()
        self.assertTrue(c.cmd("STAT").startswith(b"-ERR"))
        self.assertTrue(c.cmd("PASS nouser").startswith(b"-ERR"))
        self.assertTrue(c.cmd("BOGUS").startswith(b"-ERR"))
        self.assertTrue(c.cmd("USER " + self.user.name).startswith(b"+OK"))
        self.assertTrue(c.cmd("PASS " + self.user.password)
                        .startswith(b"+OK"))
        for bad in ("RETR 0", "RETR 2", "RETR x", "RETR", "DELE 99",
                    "LIST 5", "TOP 1", "TOP 1 x", "USER someone",
                    "UIDL 0", "RETR 99999999999"):
            self.assertTrue(c.cmd(bad).startswith(b"-ERR"), bad)
        self.assertTrue(c.cmd("DELE 1").startswith(b"+OK"))
        self.assertTrue(c.cmd("DELE 1").startswith(b"-ERR"))
        self.assertTrue(c.cmd("RETR 1").startswith(b"-ERR"))
        self.assertTrue(c.cmd("stat").startswith(b"+OK 0 0"))
        self.assertTrue(c.cmd("RSET").startswith(b"+OK"))
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))
        self.assertTrue(c.closed())

    def test_bad_password_auth_code(self):
        c = self.rawpop()
        self.assertTrue(c.cmd("USER " + self.user.name).startswith(b"+OK"))
        r = c.cmd("PASS wrong-" + self.user.password)
        self.assertTrue(r.startswith(b"-ERR [AUTH]"), r)
        # still in AUTHORIZATION: a right password works
        self.assertTrue(c.cmd("USER " + self.user.name).startswith(b"+OK"))
        self.assertTrue(c.cmd("PASS " + self.user.password)
                        .startswith(b"+OK"))

    def test_pipelining(self):
        msgs = [message(subject="p%d" % i) for i in range(3)]
        self.append(msgs)
        c = self.rawpop()
        c.send("USER %s\r\nPASS %s\r\nSTAT\r\nLIST\r\nRETR 2\r\nUIDL 3\r\n"
               "NOOP\r\nDELE 1\r\nSTAT\r\nRSET\r\nQUIT\r\n"
               % (self.user.name, self.user.password))
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertEqual(c.line(), b"+OK 3 %d" % sum(len(m) for m in msgs))
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertEqual(len(c.multi_raw().split(b"\r\n")) - 1, 3)
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertEqual(unstuff(c.multi_raw()), msgs[1])
        self.assertTrue(re.match(rb"\+OK 3 \S+$", c.line()))
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertTrue(c.line().startswith(b"+OK 2 "))
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertTrue(c.line().startswith(b"+OK"))
        self.assertTrue(c.closed())
        # RSET before QUIT: nothing was deleted
        uv, uids = self.imap_uids()
        self.assertEqual(len(uids), 3)

    def test_auth_list(self):
        c = self.rawpop()
        self.assertTrue(c.cmd("AUTH").startswith(b"+OK"))
        mechs = c.multi_raw().split(b"\r\n")
        self.assertIn(b"PLAIN", mechs)


class TestPop3Auth(Pop3Base):
    def test_stls(self):
        self.append([message()])
        c = self.pop(login=False)
        c.stls(context=tls_context())
        self.assertNotIn("STLS", c.capa())
        c.user(self.user.name)
        c.pass_(self.user.password)
        self.assertEqual(c.stat()[0], 1)
        c.quit()

    def test_stls_discards_pipelined_input(self):
        c = self.rawpop()
        c.send("STLS\r\nUSER injected\r\n")
        self.assertTrue(c.line().startswith(b"+OK"))
        try:
            c.sock = tls_context().wrap_socket(c.sock)
            # the USER sent in clear text was not taken: PASS has no user
            r = c.cmd("PASS " + self.user.password)
        except (ssl.SSLError, EOFError, OSError):
            # refusing the connection (Dovecot does) is safe too
            return
        self.assertTrue(r.startswith(b"-ERR"), r)

    def test_pop3s(self):
        if self.srv.port_of("pop3s") is None:
            self.skipTest("no pop3s listener")
        m = message(subject="over tls")
        self.append([m])
        c = self.pop(tls=True)
        resp, lines, _ = c.retr(1)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", m)
        c.quit()

    def test_sasl_plain(self):
        self.append([message()])
        c = self.rawpop()
        r = c.cmd("AUTH PLAIN " + msproto.sasl_plain(self.user))
        self.assertTrue(r.startswith(b"+OK"), r)
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))
        self.assertTrue(c.closed())
        # without an initial response
        c = self.rawpop()
        r = c.cmd("AUTH PLAIN")
        self.assertTrue(r.startswith(b"+"), r)
        r = c.cmd(msproto.sasl_plain(self.user))
        self.assertTrue(r.startswith(b"+OK"), r)
        c.cmd("QUIT")
        # a wrong password, and an aborted exchange
        c = self.rawpop()
        bad = msproto.User(self.user.name, "nope")
        self.assertTrue(c.cmd("AUTH PLAIN " + msproto.sasl_plain(bad))
                        .startswith(b"-ERR"))
        self.assertTrue(c.cmd("AUTH PLAIN").startswith(b"+"))
        self.assertTrue(c.cmd("*").startswith(b"-ERR"))

    def test_sasl_scram_sha256(self):
        c = self.rawpop()
        sc = msproto.ScramClient(self.user.name, self.user.password)
        r = c.cmd("AUTH SCRAM-SHA-256 " +
                  base64.b64encode(sc.first()).decode())
        self.assertTrue(r.startswith(b"+ "), r)
        final = sc.final(base64.b64decode(r[2:]))
        r = c.cmd(base64.b64encode(final).decode())
        self.assertTrue(r.startswith(b"+ "), r)
        self.assertTrue(sc.verify(base64.b64decode(r[2:])))
        r = c.cmd("")
        self.assertTrue(r.startswith(b"+OK"), r)
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 0 0"))

    def test_apop_not_offered_without_secret(self):
        self.msgstored_only("Dovecot here has no APOP configured either")
        c = self.rawpop()
        self.assertNotIn(b"<", c.greeting)
        self.assertTrue(c.cmd("APOP %s %s" % (self.user.name, "0" * 32))
                        .startswith(b"-ERR"))

    def test_utf8(self):
        c = self.pop(login=False)
        if "UTF8" not in c.capa():
            self.skipTest("no UTF8 capability")
        self.assertTrue(c._shortcmd("UTF8").startswith(b"+OK"))
        c.user(self.user.name)
        c.pass_(self.user.password)
        c.quit()


class TestPop3Store(Pop3Base):
    def test_uidl_matches_imap_and_is_stable(self):
        self.append([message(subject="u%d" % i) for i in range(4)])
        uv, uids = self.imap_uids()
        want = [uidl_of(u, uv) for u in uids]
        c = self.pop()
        resp, lines, _ = c.uidl()
        got = [ln.split()[1].decode() for ln in lines]
        self.assertEqual(got, want)
        self.assertEqual(c.uidl(3), ("+OK 3 %s" % want[2]).encode())
        c.dele(1)
        c.quit()
        c = self.pop()
        resp, lines, _ = c.uidl()
        self.assertEqual([ln.split()[1].decode() for ln in lines], want[1:])
        c.quit()

    def test_uidl_survives_reconstruct(self):
        self.msgstored_only("uses `msgstore reconstruct`")
        self.append([message(subject="r%d" % i) for i in range(3)])
        c = self.pop()
        before = c.uidl()[1]
        c.quit()
        self.srv.run_cli(["reconstruct", self.user.name])
        c = self.pop()
        self.assertEqual(c.uidl()[1], before)
        c.quit()
        uv, uids = self.imap_uids()
        self.assertEqual([ln.split()[1].decode() for ln in before],
                         [uidl_of(u, uv) for u in uids])

    def test_dele_only_at_quit(self):
        self.append([message(subject="d%d" % i) for i in range(3)])
        c = self.pop()
        c.dele(1)
        c.dele(3)
        self.assertEqual(c.stat()[0], 1)
        # IMAP still sees all three until QUIT
        self.assertEqual(len(self.imap_uids()[1]), 3)
        self.assertTrue(c.quit().startswith(b"+OK"))
        uv, uids = self.imap_uids()
        self.assertEqual(len(uids), 1)
        c = self.pop()
        self.assertEqual(c.stat()[0], 1)
        resp, lines, _ = c.retr(1)
        self.assertIn(b"Subject: d1", lines)
        c.quit()

    def test_dropped_connection_deletes_nothing(self):
        self.append([message(subject="k%d" % i) for i in range(3)])
        c = self.rawlogin()
        for i in (1, 2, 3):
            self.assertTrue(c.cmd("DELE %d" % i).startswith(b"+OK"))
        c.close()
        # the lock goes with the connection; wait for the server to see it
        deadline = time.time() + 5
        while True:
            p = self.rawpop()
            p.cmd("USER " + self.user.name)
            r = p.cmd("PASS " + self.user.password)
            if r.startswith(b"+OK") or time.time() > deadline:
                break
            p.close()
            time.sleep(0.1)
        self.assertTrue(r.startswith(b"+OK"), r)
        self.assertTrue(p.cmd("STAT").startswith(b"+OK 3 "))
        self.assertEqual(len(self.imap_uids()[1]), 3)

    def test_in_use(self):
        self.msgstored_only("Dovecot's pop3_lock_session is off here")
        c1 = self.rawlogin()
        c2 = self.rawpop()
        c2.cmd("USER " + self.user.name)
        r = c2.cmd("PASS " + self.user.password)
        self.assertTrue(r.startswith(b"-ERR [IN-USE]"), r)
        # and over SASL too
        r = c2.cmd("AUTH PLAIN " + msproto.sasl_plain(self.user))
        self.assertTrue(r.startswith(b"-ERR [IN-USE]"), r)
        # IMAP is not affected
        self.imap_uids()
        self.assertTrue(c1.cmd("QUIT").startswith(b"+OK"))
        self.assertTrue(c1.closed())
        c2.cmd("USER " + self.user.name)
        self.assertTrue(c2.cmd("PASS " + self.user.password)
                        .startswith(b"+OK"))

    def test_concurrent_imap(self):
        self.append([message(subject="c%d" % i) for i in range(3)])
        s = self.session("INBOX")
        c = self.pop()
        # a message arriving during the POP3 session is not shown
        self.assertOK(s.append("INBOX", message(subject="late")))
        self.assertEqual(c.stat()[0], 3)
        c.dele(2)
        c.quit()
        r = s.cmd("NOOP")
        self.assertOK(r)
        self.assertTrue(any(re.match(rb"\* 2 EXPUNGE", u)
                            for u in r.untagged), r.untagged)
        c = self.pop()
        self.assertEqual(c.stat()[0], 3)
        resp, lines, _ = c.top(3, 0)
        self.assertIn(b"Subject: late", lines)
        c.quit()

    def test_retr_marks_seen(self):
        self.msgstored_only("Dovecot's pop3 flag updates are configurable")
        self.append([message(), message()])
        c = self.pop()
        c.retr(2)
        c.top(1, 0)
        c.quit()
        s = self.session("INBOX")
        r = s.cmd("FETCH 1:2 FLAGS")
        flags = {int(u.split()[1]): u for u in r.untagged
                 if b"FETCH" in u}
        self.assertNotIn(b"\\Seen", flags[1])
        self.assertIn(b"\\Seen", flags[2])


class TestPop3Policy(Pop3Base):
    """Account policy: services, DISABLED (msgstored's CLI)."""

    def setUp(self):
        super().setUp()
        self.msgstored_only("uses msgstored's account flags and services")

    def test_no_pop_service(self):
        self.srv.run_cli(["account", "services", self.user.name, "imap"])
        c = self.rawpop()
        c.cmd("USER " + self.user.name)
        r = c.cmd("PASS " + self.user.password)
        self.assertTrue(r.startswith(b"-ERR [AUTH]"), r)
        self.assertIn(b"not enabled", r)
        # IMAP still works
        self.imap_uids()

    def test_disabled(self):
        self.srv.run_cli(["account", "flags", self.user.name, "+disabled"])
        c = self.rawpop()
        c.cmd("USER " + self.user.name)
        r = c.cmd("PASS " + self.user.password)
        self.assertTrue(r.startswith(b"-ERR [SYS/PERM]"), r)
        r = c.cmd("AUTH PLAIN " + msproto.sasl_plain(self.user))
        self.assertTrue(r.startswith(b"-ERR [SYS/PERM]"), r)


class TestPop3Private(Pop3Base):
    """A private msgstored keeping the reversible secret (APOP) and with a
    login delay."""

    srv2 = None

    @classmethod
    def setUpClass(cls):
        if msproto.target_name() != "msgstored":
            return
        s = msproto.Server()
        with open(s.conf, "a") as f:
            f.write("auth.keep_plain_secret = yes\n"
                    "pop3.login_delay = 30s\n")
        try:
            s.start()
        except msproto.ServerError:
            s.cleanup()
            raise
        cls.srv2 = s

    @classmethod
    def tearDownClass(cls):
        if cls.srv2 is not None:
            cls.srv2.cleanup()
            cls.srv2 = None

    def setUp(self):
        super().setUp()
        if self.srv2 is None:
            self.skipTest("msgstored only: a private server with "
                          "auth.keep_plain_secret and pop3.login_delay")
        self.u2 = self.srv2.new_user()

    def test_apop(self):
        c = self.rawpop(self.srv2)
        m = re.search(rb"<[^>]+@[^>]+>", c.greeting)
        self.assertTrue(m, c.greeting)
        ts = m.group(0)
        bad = hashlib.md5(ts + b"wrong").hexdigest()
        r = c.cmd("APOP %s %s" % (self.u2.name, bad))
        self.assertTrue(r.startswith(b"-ERR [AUTH]"), r)
        good = hashlib.md5(ts + self.u2.password.encode()).hexdigest()
        r = c.cmd("APOP %s %s" % (self.u2.name, good.upper()))
        self.assertTrue(r.startswith(b"+OK"), r)
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 0 0"))
        c.cmd("QUIT")
        # poplib computes the digest the same way
        p = poplib.POP3(self.srv2.host, self.srv2.port_of("pop3"),
                        timeout=TIMEOUT)
        self._conns.append(_PopCloser(p))
        u3 = self.srv2.new_user()
        self.assertTrue(p.apop(u3.name, u3.password).startswith(b"+OK"))
        p.quit()

    def test_login_delay(self):
        c = self.rawpop(self.srv2)
        self.assertTrue(c.cmd("CAPA").startswith(b"+OK"))
        self.assertIn(b"LOGIN-DELAY 30\r\n", c.multi_raw())
        self.assertTrue(c.cmd("USER " + self.u2.name).startswith(b"+OK"))
        self.assertTrue(c.cmd("PASS " + self.u2.password)
                        .startswith(b"+OK"))
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))
        c = self.rawpop(self.srv2)
        c.cmd("USER " + self.u2.name)
        r = c.cmd("PASS " + self.u2.password)
        self.assertTrue(r.startswith(b"-ERR [LOGIN-DELAY]"), r)


if __name__ == "__main__":
    unittest.main()
