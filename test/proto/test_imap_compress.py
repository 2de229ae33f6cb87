"""COMPRESS=DEFLATE (RFC 4978): raw deflate both ways, commands and big
responses work afterwards, a second COMPRESS is refused."""
import unittest

import msproto
from msproto import ProtoTest, message, fetches


class Compress(ProtoTest):

    def setUp(self):
        super().setUp()
        self.c = self.session()
        self.require_cap(self.c, "COMPRESS=DEFLATE")

    def test_compress_then_commands(self):
        c = self.c
        r = c.compress()
        self.assertOK(r)
        self.assertIn("IMAP4REV1", c.capabilities())
        body = "".join("line %05d of a long message body\r\n" % i
                       for i in range(5000))
        m = message(body=body)
        self.assertOK(c.append("INBOX", m))
        c.ok("SELECT INBOX")
        r = c.ok("FETCH 1 (BODY.PEEK[] RFC822.SIZE)")
        d = fetches(r)[0][1]
        self.assertEqual(d[b"BODY[]"], m)
        self.assertEqual(int(d[b"RFC822.SIZE"]), len(m))
        self.assertOK(c.cmd("NOOP"))
        r = c.cmd("COMPRESS DEFLATE")
        self.assertEqual(r.status, "NO")
        self.assertEqual(r.code(), b"COMPRESSIONACTIVE")
        self.assertEqual(c.cmd("BOGUS").status, "BAD")
        r = c.logout()
        self.assertTrue(r is None or r.ok)

    def test_compress_unknown_algorithm(self):
        r = self.c.cmd("COMPRESS LZMA")
        self.assertStatus(r, "NO", "BAD")
        self.assertOK(self.c.cmd("NOOP"))

    def test_compress_with_idle_and_delivery(self):
        c = self.c
        self.assertOK(c.compress())
        c.ok("SELECT INBOX")
        c.send(b"i1 IDLE\r\n")
        self.assertTrue(c.read_item().startswith(b"+"))
        self.deliver(message(subject="compressed idle"))
        item = c.read_item(timeout=5)
        self.assertRegex(item, rb"^\* \d+ (EXISTS|RECENT)$")
        c.send(b"DONE\r\n")
        self.assertOK(c.read_response("i1"))

    def test_compress_over_tls(self):
        c = self.raw(tls=True, login=True)
        self.assertOK(c.compress())
        self.assertOK(c.cmd("SELECT INBOX"))


if __name__ == "__main__":
    unittest.main()
