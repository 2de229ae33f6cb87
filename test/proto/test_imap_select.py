"""SELECT / EXAMINE responses, CLOSE vs UNSELECT (RFC 9051 6.3.2, 6.3.3,
6.4.1, RFC 3691, RFC 7162 HIGHESTMODSEQ)."""
import re
import unittest

import msproto
from msproto import ProtoTest, message, resp_code, fetches


class Select(ProtoTest):

    def setUp(self):
        super().setUp()
        self.c = self.session()
        self.fill(self.c, "INBOX", 3)

    def exists(self, r):
        m = r.untagged_re(rb"^\* (\d+) EXISTS$")
        self.assertEqual(len(m), 1, r)
        return int(m[0].group(1))

    def test_select_responses(self):
        r = self.c.ok("SELECT INBOX")
        self.assertEqual(self.exists(r), 3)
        flags = r.lines("FLAGS ")
        self.assertEqual(len(flags), 1)
        fl = {f.upper() for f in msproto.imap_tokens(flags[0][5:])[0]}
        self.assertTrue({b"\\ANSWERED", b"\\FLAGGED", b"\\DELETED",
                         b"\\SEEN", b"\\DRAFT"} <= fl, fl)
        pf = resp_code(r, "PERMANENTFLAGS")
        self.assertIsNotNone(pf, r)
        self.assertIn(b"\\*", pf)
        self.assertIn(b"\\Seen".upper(), pf.upper())
        uv = resp_code(r, "UIDVALIDITY")
        self.assertTrue(uv and int(uv) > 0, r)
        un = resp_code(r, "UIDNEXT")
        self.assertTrue(un and int(un) >= 4, r)
        self.assertRegex(r.tagged, rb"^a\d+ OK \[READ-WRITE\]")

    def test_uidvalidity_stable_uidnext_grows(self):
        r1 = self.c.ok("SELECT INBOX")
        self.c.ok("UNSELECT")
        self.c.append("INBOX", message())
        r2 = self.c.ok("SELECT INBOX")
        self.assertEqual(resp_code(r1, "UIDVALIDITY"),
                         resp_code(r2, "UIDVALIDITY"))
        self.assertGreater(int(resp_code(r2, "UIDNEXT")),
                           int(resp_code(r1, "UIDNEXT")))
        self.assertEqual(self.exists(r2), 4)

    def test_examine_is_read_only(self):
        c = self.c
        r = c.ok("EXAMINE INBOX")
        self.assertRegex(r.tagged, rb"^a\d+ OK \[READ-ONLY\]")
        self.assertEqual(self.exists(r), 3)
        r = c.cmd("STORE 1 +FLAGS (\\Flagged)")
        # RFC 9051 6.3.3: no change to the mailbox; msgstored says NO,
        # Dovecot says "OK Store ignored with read-only mailbox"
        if self.target != "dovecot":
            self.assertStatus(r, "NO", "BAD")
        r = c.cmd("EXPUNGE")
        if self.target != "dovecot":
            self.assertStatus(r, "NO", "BAD")
        self.assertEqual(self.exists(c.ok("SELECT INBOX")), 3)
        r = c.ok("FETCH 1 FLAGS")
        self.assertNotIn(b"\\Flagged", fetches(r)[0][1][b"FLAGS"])
        c.ok("EXAMINE INBOX")
        # FETCH BODY[] in EXAMINE does not set \Seen
        c.ok("FETCH 1 BODY[]")
        r = c.ok("FETCH 1 FLAGS")
        self.assertNotIn(b"\\Seen", fetches(r)[0][1][b"FLAGS"])
        c.ok("SELECT INBOX")
        r = c.ok("FETCH 1 FLAGS")
        self.assertNotIn(b"\\Seen", fetches(r)[0][1][b"FLAGS"])

    def test_failed_select_deselects(self):
        c = self.c
        c.ok("SELECT INBOX")
        r = c.cmd("SELECT nosuchbox")
        self.assertEqual(r.status, "NO")
        r = c.cmd("FETCH 1 FLAGS")
        self.assertStatus(r, "BAD", "NO")

    def test_select_other_mailbox_reports_closed(self):
        c = self.c
        caps = c.capabilities()
        c.ok("CREATE other")
        c.ok("SELECT INBOX")
        r = c.ok("SELECT other")
        # RFC 7162 3.2.11 (QRESYNC servers) and RFC 9051 7.1: OK [CLOSED]
        # when SELECT replaces the selected mailbox
        if "QRESYNC" in caps or "IMAP4REV2" in caps:
            self.assertTrue(r.untagged_re(rb"^\* OK \[CLOSED\]"), r)
        self.assertEqual(self.exists(r), 0)

    def test_select_highestmodseq(self):
        c = self.c
        self.require_cap(c, "CONDSTORE")
        r = c.ok("SELECT INBOX (CONDSTORE)")
        hm = resp_code(r, "HIGHESTMODSEQ")
        self.assertTrue(hm and int(hm) > 0, r)
        c.ok("STORE 1 +FLAGS (\\Flagged)")
        c.ok("UNSELECT")
        r = c.ok("SELECT INBOX (CONDSTORE)")
        self.assertGreater(int(resp_code(r, "HIGHESTMODSEQ")), int(hm))

    def test_close_expunges_silently(self):
        c = self.c
        c.ok("SELECT INBOX")
        c.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
        r = c.ok("CLOSE")
        self.assertEqual(r.untagged_re(rb"EXPUNGE"), [], r)
        r = c.ok("SELECT INBOX")
        self.assertEqual(self.exists(r), 2)
        # CLOSE in no selected state is an error
        c.ok("CLOSE")
        self.assertStatus(c.cmd("CLOSE"), "BAD", "NO")

    def test_unselect_keeps_deleted(self):
        c = self.c
        self.require_cap(c, "UNSELECT")
        c.ok("SELECT INBOX")
        c.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
        r = c.ok("UNSELECT")
        self.assertEqual(r.untagged_re(rb"EXPUNGE"), [])
        r = c.ok("SELECT INBOX")
        self.assertEqual(self.exists(r), 3)
        r = c.ok("FETCH 2 FLAGS")
        self.assertIn(b"\\Deleted", fetches(r)[0][1][b"FLAGS"])

    def test_close_after_examine_does_not_expunge(self):
        c = self.c
        c.ok("SELECT INBOX")
        c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        c.ok("EXAMINE INBOX")
        c.ok("CLOSE")
        r = c.ok("SELECT INBOX")
        self.assertEqual(self.exists(r), 3)

    def test_select_in_imap4rev2_has_no_recent(self):
        c = self.c
        self.require_cap(c, "IMAP4rev2")
        c.ok("ENABLE IMAP4rev2")
        r = c.ok("SELECT INBOX")
        self.assertEqual(r.untagged_re(rb"^\* \d+ RECENT"), [])
        self.assertIsNotNone(resp_code(r, "UIDVALIDITY"))
        self.assertIsNotNone(resp_code(r, "UIDNEXT"))
        # rev2: LIST response for the selected mailbox is sent
        self.assertTrue(r.lines("LIST "), r)

    def test_check_and_noop_in_selected(self):
        c = self.c
        c.ok("SELECT INBOX")
        self.assertOK(c.cmd("CHECK"))
        self.assertOK(c.cmd("NOOP"))


if __name__ == "__main__":
    unittest.main()
