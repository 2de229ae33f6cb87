"""TLS: STARTTLS (RFC 9051 6.2.1, RFC 2595), the STARTTLS command-injection
rule (anything pipelined behind STARTTLS is discarded, RFC 9051 6.2.1 /
CVE-2011-0411 class), implicit TLS (RFC 8314), TLS 1.2+ only."""
import socket
import ssl
import unittest

import msproto
from msproto import ProtoTest


class Tls(ProtoTest):

    def test_starttls_then_capability_changes(self):
        c = self.raw()
        before = c.capabilities()
        self.assertIn("STARTTLS", before)
        r = c.starttls()
        self.assertOK(r)
        self.assertIn(c.sock.version(), ("TLSv1.2", "TLSv1.3"))
        after = c.capabilities()
        self.assertNotIn("STARTTLS", after)
        self.assertIn("IMAP4REV1", after)
        self.assertNotIn("LOGINDISABLED", after)
        # a second STARTTLS is refused
        r = c.cmd("STARTTLS")
        self.assertStatus(r, "BAD", "NO")
        self.assertOK(c.login(self.user))
        self.assertOK(c.cmd("SELECT INBOX"))

    def test_starttls_discards_pipelined_commands(self):
        c = self.raw()
        # injected commands in the same packet as STARTTLS
        c.send(b"a1 STARTTLS\r\na2 CAPABILITY\r\na3 LOGIN x y\r\n")
        item = c.read_item()
        while not item.startswith(b"a1 "):
            item = c.read_item()
        self.assertTrue(item.startswith(b"a1 OK"), item)
        self.assertEqual(c.buf, b"", "server answered injected commands")
        try:
            c.sock = msproto.tls_context().wrap_socket(c.sock,
                                                       server_hostname=None)
        except (ssl.SSLError, OSError):
            if self.target == "dovecot":
                # Dovecot feeds the injected bytes to the TLS handshake,
                # which fails: safe, but not the discarding the issue asks
                # of msgstored
                return
            raise
        r = c.cmd("NOOP")  # tag a4
        self.assertOK(r)
        for u in r.untagged:
            self.assertFalse(u.startswith(b"a2") or u.startswith(b"a3"), u)
            self.assertNotRegex(u, rb"^\* CAPABILITY", "answered a2")
        # and nothing more comes
        self.assertFalse(c.has_data(0.5), c.buf)

    def test_starttls_after_login_refused(self):
        c = self.session()
        r = c.cmd("STARTTLS")
        self.assertStatus(r, "BAD", "NO")
        self.assertOK(c.cmd("NOOP"))

    def test_starttls_with_argument_is_bad(self):
        c = self.raw()
        r = c.cmd("STARTTLS now")
        if self.target == "dovecot" and r.ok:
            return  # Dovecot ignores the argument (and starts TLS)
        self.assertEqual(r.status, "BAD")
        self.assertOK(c.cmd("NOOP"))

    def test_implicit_tls(self):
        c = self.raw(tls=True)
        self.assertRegex(c.greeting, rb"^\* OK")
        self.assertIn(c.sock.version(), ("TLSv1.2", "TLSv1.3"))
        caps = c.capabilities()
        self.assertNotIn("STARTTLS", caps)
        self.assertOK(c.login(self.user))
        self.assertOK(c.cmd("SELECT INBOX"))

    def test_plaintext_on_tls_port_gets_nothing_useful(self):
        s = socket.create_connection((self.srv.host, self.srv.tls_port), 5)
        try:
            s.sendall(b"a1 CAPABILITY\r\n")
            s.settimeout(5)
            try:
                data = s.recv(4096)
            except (socket.timeout, ConnectionResetError):
                data = b""
            self.assertNotIn(b"IMAP4rev1", data)
            self.assertFalse(data.startswith(b"* OK"))
        finally:
            s.close()

    def test_tls_1_1_refused(self):
        ctx = msproto.tls_context()
        try:
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            self.skipTest("this Python/OpenSSL cannot offer TLS 1.1")
        s = socket.create_connection((self.srv.host, self.srv.tls_port), 5)
        try:
            with self.assertRaises((ssl.SSLError, ConnectionResetError,
                                    OSError)):
                t = ctx.wrap_socket(s, server_hostname=None)
                t.recv(100)
                if t.version() in ("TLSv1", "TLSv1.1"):
                    self.fail("server accepted %s" % t.version())
                raise ssl.SSLError("not reached")
        finally:
            s.close()

    def test_imaplib_starttls_and_ssl(self):
        im = self.imap("starttls")
        typ, _ = im.login(self.user.name, self.user.password)
        self.assertEqual(typ, "OK")
        self.assertEqual(im.select("INBOX")[0], "OK")
        im.logout()
        im = self.imap("ssl")
        typ, _ = im.login(self.user.name, self.user.password)
        self.assertEqual(typ, "OK")
        im.logout()

    def test_big_fetch_over_tls(self):
        c = self.raw(tls=True, login=True)
        body = (b"0123456789abcdef" * 64 + b"\r\n") * 600
        m = msproto.message(body=body.decode())
        self.assertOK(c.append("INBOX", m))
        c.ok("SELECT INBOX")
        r = c.ok("FETCH 1 BODY.PEEK[]")
        seq, d = msproto.fetches(r)[0]
        self.assertEqual(d[b"BODY[]"], m)


if __name__ == "__main__":
    unittest.main()
