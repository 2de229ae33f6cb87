"""ID (RFC 2971), ENABLE (RFC 5161) of CONDSTORE, QRESYNC, IMAP4rev2,
UTF8=ACCEPT (RFC 6855), APPENDLIMIT (RFC 7889)."""
import re
import unittest

import msproto
from msproto import ProtoTest, message


class Misc(ProtoTest):

    def test_id(self):
        c = self.raw()
        self.require_cap(c, "ID")
        r = c.ok('ID ("name" "msproto" "version" "1.0")')
        ids = r.lines("ID ")
        self.assertEqual(len(ids), 1)
        toks = msproto.imap_tokens(ids[0][2:])
        self.assertTrue(toks[0] is None or isinstance(toks[0], list))
        if toks[0]:
            self.assertEqual(len(toks[0]) % 2, 0)
        self.assertOK(c.cmd("ID NIL"))
        c.login(self.user)
        self.assertOK(c.cmd("ID NIL"))
        r = c.cmd('ID ("name")')
        if not (self.target == "dovecot" and r.ok):
            # RFC 2971: field-value pairs; Dovecot ignores the odd one
            self.assertEqual(r.status, "BAD")
        r = c.cmd("ID")
        if not (self.target == "dovecot" and r.ok):
            self.assertEqual(r.status, "BAD")   # argument required

    def test_enable_condstore(self):
        c = self.session()
        r = c.ok("ENABLE CONDSTORE")
        self.assertTrue(r.untagged_re(rb"^\* ENABLED( \S+)* CONDSTORE"), r)
        # enabling twice is harmless
        c.ok("ENABLE CONDSTORE")
        r = c.ok("SELECT INBOX")
        self.assertIsNotNone(msproto.resp_code(r, "HIGHESTMODSEQ"))

    def test_enable_qresync_implies_condstore(self):
        c = self.session()
        r = c.ok("ENABLE QRESYNC")
        self.assertTrue(r.untagged_re(rb"^\* ENABLED.*QRESYNC"), r)
        r = c.ok("SELECT INBOX")
        self.assertIsNotNone(msproto.resp_code(r, "HIGHESTMODSEQ"))

    def test_enable_unknown_ignored(self):
        c = self.session()
        r = c.ok("ENABLE X-NO-SUCH-THING")
        self.assertEqual(r.untagged_re(rb"X-NO-SUCH"), [])

    def test_enable_before_login(self):
        c = self.raw()
        r = c.cmd("ENABLE CONDSTORE")
        # RFC 5161 3.1: valid only in the authenticated state; Dovecot
        # answers "OK ENABLE ignored" with an empty ENABLED
        if self.target == "dovecot" and r.ok:
            self.assertEqual(r.untagged_re(rb"CONDSTORE"), [])
        else:
            self.assertStatus(r, "BAD", "NO")
        self.assertOK(c.login(self.user))

    def test_enable_imap4rev2(self):
        c = self.session()
        self.require_cap(c, "IMAP4rev2")
        r = c.ok("ENABLE IMAP4rev2")
        self.assertTrue(r.untagged_re(rb"^\* ENABLED.*IMAP4REV2"), r)
        self.fill(c, "INBOX", 2)
        c.ok("SELECT INBOX")
        # rev2: SEARCH answers with ESEARCH (RFC 9051 6.4.4)
        r = c.ok("SEARCH ALL")
        self.assertEqual(r.lines("SEARCH "), [])
        e = msproto.esearch(r)
        self.assertEqual(msproto.seqset(e[b"ALL"]), [1, 2])
        # no RECENT in rev2
        r = c.ok("NOOP")
        self.assertEqual(r.untagged_re(rb"RECENT"), [])

    def test_enable_utf8_accept(self):
        c = self.session()
        self.require_cap(c, "UTF8=ACCEPT")
        r = c.ok("ENABLE UTF8=ACCEPT")
        self.assertTrue(r.untagged_re(rb"^\* ENABLED.*UTF8=ACCEPT"), r)
        name = "\u65e5\u672c\u8a9e"
        self.assertOK(c.cmd('CREATE "%s"' % name))
        r = c.ok('LIST "" "*"')
        self.assertIn(name.encode(), msproto.list_entries(r))
        # UTF-8 message through APPEND UTF8 (RFC 6855 4)
        m = ("From: j\u00fcrgen@example.com\r\nSubject: gr\u00fc\u00dfe\r\n"
             "\r\nhi\r\n").encode()
        r = c.cmd_lit([b'APPEND "%s" UTF8 (~{%d}' % (name.encode(), len(m)),
                       m + b")"])
        self.assertOK(r)

    def test_appendlimit(self):
        c = self.session()
        caps = c.capabilities()
        lim = [x for x in caps if x.startswith("APPENDLIMIT")]
        if not lim:
            if self.target == "dovecot":
                self.skipTest("dovecot 2.3 here does not advertise "
                              "APPENDLIMIT")
            self.fail("no APPENDLIMIT")
        self.assertRegex(lim[0], r"^APPENDLIMIT(=\d+)?$")
        if "=" not in lim[0]:
            # no global limit: per mailbox in STATUS (RFC 7889 4)
            r = c.ok("STATUS INBOX (APPENDLIMIT)")
            self.assertRegex(r.lines("STATUS ")[0],
                             rb"APPENDLIMIT (\d+|NIL)")
        else:
            self.assertGreaterEqual(int(lim[0].split("=")[1]), 1024)


if __name__ == "__main__":
    unittest.main()
