"""CONDSTORE and QRESYNC (RFC 7162): MODSEQ in FETCH, CHANGEDSINCE,
UNCHANGEDSINCE and [MODIFIED], SEARCH MODSEQ, HIGHESTMODSEQ in STATUS,
SELECT (QRESYNC ...) after another session's expunges -> VANISHED (EARLIER),
VANISHED instead of EXPUNGE once QRESYNC is enabled."""
import re
import unittest

import msproto
from msproto import ProtoTest, message, resp_code, fetches, seqset


def vanished(resp, earlier=None):
    """UIDs of the VANISHED responses (earlier: True/False/None=any)."""
    out = []
    for line in resp.lines("VANISHED "):
        rest = line[len("VANISHED "):]
        is_e = rest.upper().startswith(b"(EARLIER) ")
        if earlier is not None and is_e != earlier:
            continue
        if is_e:
            rest = rest[len("(EARLIER) "):]
        out += seqset(rest.strip())
    return sorted(out)


class CondStore(ProtoTest):

    def setUp(self):
        super().setUp()
        self.c = self.session()
        self.require_cap(self.c, "CONDSTORE")
        self.fill(self.c, "INBOX", 5)

    def modseqs(self, r):
        out = {}
        for s, d in fetches(r):
            if b"MODSEQ" in d:
                out[s] = int(d[b"MODSEQ"][0])
        return out

    def test_enable_and_fetch_modseq(self):
        c = self.c
        r = c.ok("ENABLE CONDSTORE")
        self.assertTrue(r.untagged_re(rb"^\* ENABLED.* CONDSTORE"), r)
        r = c.ok("SELECT INBOX")
        hm = int(resp_code(r, "HIGHESTMODSEQ"))
        r = c.ok("FETCH 1:* (MODSEQ)")
        ms = self.modseqs(r)
        self.assertEqual(sorted(ms), [1, 2, 3, 4, 5])
        self.assertTrue(all(0 < v <= hm for v in ms.values()))
        r = c.ok("STORE 3 +FLAGS (\\Flagged)")
        # once CONDSTORE is on, the FETCH after STORE carries MODSEQ
        ms3 = self.modseqs(r)
        self.assertGreater(ms3[3], hm)
        st = msproto.status_items(c.ok("STATUS INBOX (HIGHESTMODSEQ)"))
        self.assertEqual(st[b"HIGHESTMODSEQ"], ms3[3])

    def test_changedsince(self):
        c = self.c
        r = c.ok("SELECT INBOX (CONDSTORE)")
        hm = int(resp_code(r, "HIGHESTMODSEQ"))
        c.ok("STORE 2,4 +FLAGS.SILENT (\\Seen)")
        r = c.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % hm)
        got = fetches(r)
        self.assertEqual(sorted(s for s, _ in got), [2, 4])
        for s, d in got:
            self.assertIn(b"MODSEQ", d)  # implied by CHANGEDSINCE
        r = c.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % (hm + 1000))
        self.assertEqual(fetches(r), [])

    def test_unchangedsince_modified(self):
        c = self.c
        r = c.ok("SELECT INBOX (CONDSTORE)")
        r = c.ok("FETCH 1:5 (MODSEQ)")
        ms = self.modseqs(r)
        c.ok("STORE 2 +FLAGS.SILENT (\\Answered)")
        # 2 changed since ms[2]: refused for 2, done for the others
        r = c.ok("STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)"
                 % max(ms[1], ms[2], ms[3]))
        mod = resp_code(r, "MODIFIED")
        self.assertIsNotNone(mod, r)
        self.assertEqual(seqset(mod), [2])
        flagged = msproto.search_numbers(c.ok("SEARCH FLAGGED"))
        self.assertEqual(sorted(flagged), [1, 3])
        # UNCHANGEDSINCE 0 always fails (RFC 7162 3.1.3)
        r = c.ok("UID STORE 1:* (UNCHANGEDSINCE 0) +FLAGS (\\Draft)")
        self.assertIsNotNone(resp_code(r, "MODIFIED"))
        self.assertEqual(msproto.search_numbers(c.ok("SEARCH DRAFT")), [])

    def test_search_modseq(self):
        c = self.c
        r = c.ok("SELECT INBOX (CONDSTORE)")
        hm = int(resp_code(r, "HIGHESTMODSEQ"))
        c.ok("STORE 5 +FLAGS.SILENT (\\Seen)")
        r = c.ok("SEARCH MODSEQ %d" % (hm + 1))
        self.assertEqual(msproto.search_numbers(r), [5])
        # the SEARCH response ends with (MODSEQ n)
        self.assertTrue(re.search(rb"\(MODSEQ \d+\)$", r.lines("SEARCH")[0]),
                        r)

    def test_modseq_over_63bit_is_bad(self):
        c = self.c
        c.ok("SELECT INBOX (CONDSTORE)")
        r = c.cmd("FETCH 1:* (FLAGS) (CHANGEDSINCE 18446744073709551616)")
        self.assertEqual(r.status, "BAD", r)
        r = c.cmd("STORE 1 (UNCHANGEDSINCE 99999999999999999999999) "
                  "+FLAGS (\\Seen)")
        self.assertEqual(r.status, "BAD", r)


class QResync(ProtoTest):

    def setUp(self):
        super().setUp()
        self.a = self.session()
        self.require_cap(self.a, "QRESYNC")
        self.fill(self.a, "INBOX", 6)

    def test_resync_after_expunges(self):
        a = self.a
        r = a.ok("ENABLE QRESYNC")
        self.assertTrue(r.untagged_re(rb"ENABLED.*QRESYNC"), r)
        r = a.ok("SELECT INBOX")
        uv = int(resp_code(r, "UIDVALIDITY"))
        hm = int(resp_code(r, "HIGHESTMODSEQ"))
        uids = msproto.search_numbers(a.ok("UID SEARCH ALL"))
        a.ok("UNSELECT")
        # another session changes the mailbox meanwhile
        b = self.session("INBOX")
        b.ok("STORE 2,5 +FLAGS.SILENT (\\Deleted)")
        b.ok("EXPUNGE")
        b.ok("STORE 1 +FLAGS.SILENT (\\Flagged)")
        b.logout()
        r = a.ok("SELECT INBOX (QRESYNC (%d %d %s))" % (
            uv, hm, "%d:%d" % (uids[0], uids[-1])))
        self.assertEqual(vanished(r, earlier=True), [uids[1], uids[4]], r)
        ch = {int(d[b"UID"]): d for s, d in fetches(r)}
        self.assertIn(uids[0], ch)
        self.assertIn(b"\\FLAGGED", [f.upper() for f in ch[uids[0]][b"FLAGS"]])
        self.assertIn(b"MODSEQ", ch[uids[0]])
        self.assertGreater(int(resp_code(r, "HIGHESTMODSEQ")), hm)
        m = r.untagged_re(rb"^\* (\d+) EXISTS$")
        self.assertEqual(int(m[0].group(1)), 4)

    def test_resync_wrong_uidvalidity_is_full(self):
        a = self.a
        a.ok("ENABLE QRESYNC")
        r = a.ok("SELECT INBOX (QRESYNC (1 1))")
        uv = int(resp_code(r, "UIDVALIDITY"))
        if uv != 1:
            self.assertEqual(r.lines("VANISHED "), [])
            self.assertEqual(fetches(r), [])

    def test_uid_fetch_vanished(self):
        a = self.a
        a.ok("ENABLE QRESYNC")
        r = a.ok("SELECT INBOX")
        hm = int(resp_code(r, "HIGHESTMODSEQ"))
        uids = msproto.search_numbers(a.ok("UID SEARCH ALL"))
        a.ok("STORE 3 +FLAGS.SILENT (\\Deleted)")
        r = a.ok("EXPUNGE")
        # with QRESYNC enabled, VANISHED replaces EXPUNGE (RFC 7162 3.2.10)
        self.assertEqual(r.untagged_re(rb"^\* \d+ EXPUNGE"), [])
        self.assertEqual(vanished(r, earlier=False), [uids[2]])
        r = a.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % hm)
        self.assertEqual(vanished(r, earlier=True), [uids[2]])

    def test_qresync_needs_enable(self):
        a = self.a
        r = a.cmd("SELECT INBOX (QRESYNC (1 1))")
        self.assertStatus(r, "BAD", "NO")

    def test_other_session_sees_vanished(self):
        a = self.a
        a.ok("ENABLE QRESYNC")
        a.ok("SELECT INBOX")
        uids = msproto.search_numbers(a.ok("UID SEARCH ALL"))
        b = self.session("INBOX")
        b.ok("STORE 4 +FLAGS.SILENT (\\Deleted)")
        b.ok("EXPUNGE")
        r = a.ok("NOOP")
        self.assertEqual(vanished(r, earlier=False), [uids[3]], r)


if __name__ == "__main__":
    unittest.main()
