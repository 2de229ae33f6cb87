"""Authentication: LOGIN, AUTHENTICATE PLAIN (with and without SASL-IR),
LOGIN mechanism, SCRAM-SHA-256 / SCRAM-SHA-1 (RFC 9051 6.2, RFC 4959,
RFC 5802, RFC 7677, RFC 5530 response codes)."""
import base64
import unittest

import msproto
from msproto import ProtoTest, quote, sasl_plain, ScramClient


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s)


class Auth(ProtoTest):

    def test_login_wrong_password(self):
        c = self.raw()
        r = c.cmd("LOGIN %s %s" % (quote(self.user.name), quote("nope")))
        self.assertEqual(r.status, "NO", r)
        self.assertEqual(r.code(), b"AUTHENTICATIONFAILED", r)
        # still not authenticated, and the connection works
        r = c.cmd("SELECT INBOX")
        self.assertStatus(r, "BAD", "NO")
        self.assertOK(c.login(self.user))

    def test_login_unknown_user_same_answer(self):
        c = self.raw()
        r = c.cmd('LOGIN "nosuchuser@localhost" "whatever"')
        self.assertEqual(r.status, "NO")
        self.assertEqual(r.code(), b"AUTHENTICATIONFAILED", r)

    def test_commands_need_auth(self):
        # a fresh connection for each: servers may drop a client after a
        # few invalid commands before login (Dovecot does after 3)
        for cmd in ["SELECT INBOX", "LIST \"\" *", "CREATE x",
                    "STATUS INBOX (MESSAGES)", "NAMESPACE",
                    "GETQUOTAROOT INBOX", "EXPUNGE", "FETCH 1 FLAGS"]:
            c = self.raw()
            r = c.cmd(cmd)
            self.assertStatus(r, "BAD", "NO")
            self.assertOK(c.cmd("NOOP"))
            self.assertOK(c.login(self.user))
            c.close()

    def test_authenticate_plain_sasl_ir(self):
        c = self.raw()
        self.require_cap(c, "SASL-IR", "AUTH=PLAIN")
        r = c.cmd("AUTHENTICATE PLAIN " + sasl_plain(self.user))
        self.assertOK(r)
        self.assertEqual(r.conts, [])
        self.assertOK(c.cmd("SELECT INBOX"))

    def test_authenticate_plain_continuation(self):
        c = self.raw()
        c.send(b"a1 AUTHENTICATE PLAIN\r\n")
        item = c.read_item()
        # "+ " with an empty challenge (or "+" alone)
        self.assertRegex(item, rb"^\+ ?$")
        c.send(sasl_plain(self.user).encode() + b"\r\n")
        r = c.read_response("a1")
        self.assertOK(r)

    def test_authenticate_plain_wrong(self):
        c = self.raw()
        bad = msproto.User(self.user.name, "wrong")
        r = c.cmd("AUTHENTICATE PLAIN " + sasl_plain(bad))
        self.assertEqual(r.status, "NO")
        self.assertEqual(r.code(), b"AUTHENTICATIONFAILED", r)
        self.assertOK(c.cmd("AUTHENTICATE PLAIN " + sasl_plain(self.user)))

    def test_authenticate_plain_authzid_other_user_refused(self):
        other = self.srv.new_user()
        c = self.raw()
        r = c.cmd("AUTHENTICATE PLAIN " + sasl_plain(self.user,
                                                       authzid=other.name))
        self.assertEqual(r.status, "NO", r)

    def test_authenticate_plain_authzid_self(self):
        c = self.raw()
        r = c.cmd("AUTHENTICATE PLAIN " + sasl_plain(self.user,
                                                       authzid=self.user.name))
        self.assertOK(r)

    def test_authenticate_cancel(self):
        c = self.raw()
        c.send(b"a1 AUTHENTICATE PLAIN\r\n")
        self.assertTrue(c.read_item().startswith(b"+"))
        c.send(b"*\r\n")
        r = c.read_response("a1")
        self.assertEqual(r.status, "BAD", r)
        self.assertOK(c.login(self.user))

    def test_authenticate_bad_base64(self):
        c = self.raw()
        c.send(b"a1 AUTHENTICATE PLAIN\r\n")
        self.assertTrue(c.read_item().startswith(b"+"))
        c.send(b"!!!not base64!!!\r\n")
        r = c.read_response("a1")
        self.assertStatus(r, "BAD", "NO")
        self.assertOK(c.cmd("NOOP"))

    def test_authenticate_unknown_mechanism(self):
        c = self.raw()
        r = c.cmd("AUTHENTICATE X-NO-SUCH-MECH")
        self.assertStatus(r, "NO", "BAD")
        self.assertOK(c.login(self.user))

    def test_authenticate_login_mechanism(self):
        c = self.raw()
        self.require_cap(c, "AUTH=LOGIN")
        c.send(b"a1 AUTHENTICATE LOGIN\r\n")
        item = c.read_item()
        self.assertTrue(item.startswith(b"+"), item)
        c.send(b64(self.user.name) + b"\r\n")
        item = c.read_item()
        self.assertTrue(item.startswith(b"+"), item)
        c.send(b64(self.user.password) + b"\r\n")
        self.assertOK(c.read_response("a1"))

    def _scram(self, mech, hashname, password=None):
        c = self.raw()
        self.require_cap(c, "AUTH=" + mech)
        sc = ScramClient(self.user.name, password or self.user.password,
                         hashname)
        c.send(b"a1 AUTHENTICATE " + mech.encode() + b" " +
               b64(sc.first()) + b"\r\n")
        item = c.read_item()
        if not item.startswith(b"+"):
            return c, sc, msproto.Response(b"a1", [], item, []), None
        server_first = base64.b64decode(item[1:].strip())
        c.send(b64(sc.final(server_first)) + b"\r\n")
        item = c.read_item()
        server_final = None
        if item.startswith(b"+"):
            server_final = base64.b64decode(item[1:].strip())
            c.send(b"\r\n")
            item = c.read_item()
        while item.startswith(b"* "):
            item = c.read_item()
        r = msproto.Response(b"a1", [], item, [])
        return c, sc, r, server_final

    def test_scram_sha256(self):
        c, sc, r, server_final = self._scram("SCRAM-SHA-256", "sha256")
        self.assertOK(r)
        if server_final is not None:
            self.assertTrue(sc.verify(server_final),
                            "server signature does not verify: %r"
                            % server_final)
        self.assertOK(c.cmd("SELECT INBOX"))

    def test_scram_sha256_wrong_password(self):
        res = self._scram("SCRAM-SHA-256", "sha256", password="wrong")
        r = res[2]
        self.assertStatus(r, "NO", "BAD")
        self.assertFalse(r.ok)

    def test_scram_sha1(self):
        c = self.raw()
        if self.target == "dovecot" and "AUTH=SCRAM-SHA-1" not in \
                c.capabilities():
            self.skipTest("SCRAM-SHA-1 not enabled in the dovecot config")
        c, sc, r, server_final = self._scram("SCRAM-SHA-1", "sha1")
        self.assertOK(r)
        if server_final is not None:
            self.assertTrue(sc.verify(server_final))

    def test_imaplib_login_and_authenticate(self):
        im = self.imap()
        typ, _ = im.login(self.user.name, self.user.password)
        self.assertEqual(typ, "OK")
        im.logout()
        im = self.imap()
        u = self.user
        typ, _ = im.authenticate(
            "PLAIN", lambda _: ("\0%s\0%s" % (u.name, u.password)).encode())
        self.assertEqual(typ, "OK")
        im.logout()


if __name__ == "__main__":
    unittest.main()
