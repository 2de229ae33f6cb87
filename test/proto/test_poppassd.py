"""test_poppassd.py -- the poppassd password-change service (Eudora and
Mulberry's protocol) against the live msgstored: a changed password works
at once for IMAP LOGIN, POP3 USER/PASS and SASL SCRAM-SHA-256 and the old
one no longer does; a wrong old password, a LOCKPWD account and weak new
passwords are refused and change nothing.

Dovecot has no poppassd: every test is skipped on --target dovecot.
"""
import base64
import poplib
import socket
import unittest

import msproto
from msproto import ProtoTest

TIMEOUT = msproto.TIMEOUT


class Ppd:
    """A poppassd client: one line out, one "NNN text" line in."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        self.buf = b""
        self.greeting = self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("closed; have %r" % self.buf)
            self.buf += data
        i = self.buf.index(b"\r\n")
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    def cmd(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")
        return self.line()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    shutdown = close


class TestPoppassd(ProtoTest):
    def setUp(self):
        super().setUp()
        if self.target != "msgstored":
            self.skipTest("Dovecot has no poppassd service")
        self.port = self.srv.port_of("poppassd")
        if self.port is None:
            self.fail("msgstored has no poppassd listener")

    def ppd(self):
        c = Ppd(self.port)
        self._conns.append(c)
        return c

    def change(self, old, new, user=None):
        """Run the whole dialogue; the reply to NEWPASS (or to the first
        command refused)."""
        u = user or self.user
        c = self.ppd()
        self.assertTrue(c.greeting.startswith(b"200 "), c.greeting)
        r = c.cmd("user " + u.name)
        self.assertTrue(r.startswith(b"200 "), r)
        r = c.cmd("pass " + old)
        if not r.startswith(b"200 "):
            return r
        r = c.cmd("newpass " + new)
        self.assertTrue(c.cmd("quit").startswith(b"200 "))
        return r

    def imap_login_ok(self, name, password):
        c = msproto.Raw(srv=self.srv)
        self._conns.append(c)
        r = c.cmd("LOGIN %s %s" % (msproto.quote(name),
                                   msproto.quote(password)))
        return r.ok

    def pop_login_ok(self, name, password):
        c = poplib.POP3(self.srv.host, self.srv.port_of("pop3"),
                        timeout=TIMEOUT)
        try:
            c.user(name)
            c.pass_(password)
        except poplib.error_proto:
            c.close()
            return False
        c.quit()
        return True

    def scram_ok(self, name, password):
        c = msproto.Raw(srv=self.srv)
        self._conns.append(c)
        sc = msproto.ScramClient(name, password)
        tag = c.next_tag()
        c.send("%s AUTHENTICATE SCRAM-SHA-256 %s\r\n"
               % (tag, base64.b64encode(sc.first()).decode()))
        line = c.readline()
        if not line.startswith(b"+ "):
            return False
        c.send(base64.b64encode(sc.final(base64.b64decode(line[2:].strip())))
               + b"\r\n")
        line = c.readline()
        if not line.startswith(b"+ "):
            return False
        c.send(b"\r\n")
        return c.read_response(tag).ok

    def test_change_works_everywhere(self):
        new = "a new secret 9"      # spaces are part of the password
        r = self.change(self.user.password, new)
        self.assertTrue(r.startswith(b"200 "), r)
        self.assertTrue(self.imap_login_ok(self.user.name, new))
        self.assertFalse(self.imap_login_ok(self.user.name,
                                            self.user.password))
        self.assertTrue(self.pop_login_ok(self.user.name, new))
        self.assertFalse(self.pop_login_ok(self.user.name,
                                           self.user.password))
        self.assertTrue(self.scram_ok(self.user.name, new))
        self.assertFalse(self.scram_ok(self.user.name, self.user.password))

    def test_wrong_old_password(self):
        r = self.change("not-" + self.user.password, "whatever-123")
        self.assertTrue(r.startswith(b"500 "), r)
        self.assertTrue(self.imap_login_ok(self.user.name,
                                           self.user.password))

    def test_lockpwd_refused(self):
        self.srv.run_cli(["account", "flags", self.user.name, "+lockpwd"])
        r = self.change(self.user.password, "whatever-123")
        self.assertTrue(r.startswith(b"500 "), r)
        self.assertIn(b"not allowed", r)
        self.assertTrue(self.imap_login_ok(self.user.name,
                                           self.user.password))

    def test_weak_passwords_refused(self):
        local = self.user.name.split("@")[0]
        c = self.ppd()
        c.cmd("user " + self.user.name)
        self.assertTrue(c.cmd("pass " + self.user.password)
                        .startswith(b"200 "))
        for weak in ("short", local, self.user.name.upper(),
                     self.user.password):
            r = c.cmd("newpass " + weak)
            self.assertTrue(r.startswith(b"500 "), (weak, r))
        # still waiting for an acceptable one
        r = c.cmd("newpass a much better one 42")
        self.assertTrue(r.startswith(b"200 "), r)
        self.assertTrue(self.imap_login_ok(self.user.name,
                                           "a much better one 42"))

    def test_protocol_errors(self):
        c = self.ppd()
        self.assertTrue(c.cmd("newpass x").startswith(b"500 "))
        self.assertTrue(c.cmd("pass x").startswith(b"500 "))
        self.assertTrue(c.cmd("bogus").startswith(b"500 "))
        self.assertTrue(c.cmd("user " + self.user.name).startswith(b"200 "))
        self.assertTrue(c.cmd("quit").startswith(b"200 "))
        self.assertEqual(c.sock.recv(10), b"")


if __name__ == "__main__":
    unittest.main()
