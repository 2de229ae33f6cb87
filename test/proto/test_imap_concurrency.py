"""Concurrent sessions on one mailbox see each other's changes (RFC 9051
5.2, 7.4.1, 7.5.1), IDLE (RFC 2177) woken by a delivery from another
process within about a second, concurrent APPENDs get distinct UIDs."""
import re
import threading
import time
import unittest

import msproto
from msproto import ProtoTest, message, fetches


def exists_of(resp):
    m = resp.untagged_re(rb"^\* (\d+) EXISTS$")
    return int(m[-1].group(1)) if m else None


class Concurrency(ProtoTest):

    def setUp(self):
        super().setUp()
        self.a = self.session()
        self.fill(self.a, "INBOX", 4)
        self.a.ok("SELECT INBOX")
        self.b = self.session("INBOX")

    def test_flags_seen_by_other_session(self):
        self.a.ok("STORE 2 +FLAGS (\\Flagged)")
        r = self.b.ok("NOOP")
        got = fetches(r)
        self.assertEqual([s for s, d in got], [2], r)
        self.assertIn(b"\\FLAGGED", [f.upper() for f in got[0][1][b"FLAGS"]])

    def test_expunge_seen_by_other_session(self):
        self.a.ok("STORE 1,3 +FLAGS.SILENT (\\Deleted)")
        self.a.ok("EXPUNGE")
        r = self.b.ok("NOOP")
        exp = [int(u.split()[1]) for u in r.untagged
               if re.match(rb"\* \d+ EXPUNGE$", u)]
        self.assertEqual(len(exp), 2, r)
        seqs = [1, 2, 3, 4]
        for n in exp:
            del seqs[n - 1]
        self.assertEqual(seqs, [2, 4])
        r = self.b.ok("FETCH 1:* UID")
        self.assertEqual(len(fetches(r)), 2)

    def test_no_expunge_during_fetch_store_search(self):
        """Untagged EXPUNGE must not be sent during FETCH, STORE, SEARCH
        (RFC 9051 7.5.1): sequence numbers would shift under the client."""
        self.a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        self.a.ok("EXPUNGE")
        for cmd in ["FETCH 1:* FLAGS", "STORE 4 +FLAGS (\\Seen)",
                    "SEARCH ALL"]:
            r = self.b.ok(cmd)
            self.assertEqual(r.untagged_re(rb"^\* \d+ EXPUNGE"), [],
                             (cmd, r))
        r = self.b.ok("NOOP")
        self.assertEqual(len(r.untagged_re(rb"^\* 1 EXPUNGE$")), 1, r)

    def test_append_seen_by_other_session(self):
        self.a.append("INBOX", message(subject="new one"))
        r = self.b.ok("NOOP")
        self.assertEqual(exists_of(r), 5, r)

    def test_delivery_seen_on_noop(self):
        self.deliver(message(subject="delivered"))
        r = self.b.ok("NOOP")
        self.assertEqual(exists_of(r), 5, r)
        r = self.b.ok("FETCH 5 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        d = fetches(r)[0][1]
        self.assertEqual(list(d.values())[0].strip(), b"Subject: delivered")

    def test_examine_session_sees_changes(self):
        c = self.session()
        c.ok("EXAMINE INBOX")
        self.a.ok("STORE 4 +FLAGS (\\Answered)")
        self.a.append("INBOX", message())
        r = c.ok("NOOP")
        self.assertEqual(exists_of(r), 5, r)
        self.assertIn(4, [s for s, d in fetches(r)])

    def _idle(self, conn):
        conn.send(b"i1 IDLE\r\n")
        item = conn.read_item()
        self.assertTrue(item.startswith(b"+"), item)

    def _wait_for(self, conn, pattern, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                item = conn.read_item(timeout=max(0.05,
                                                  deadline - time.time()))
            except msproto.ProtoError:
                break
            if re.search(pattern, item):
                return item, time.time()
        return None, time.time()

    def test_idle_woken_by_delivery(self):
        b = self.b
        self._idle(b)
        time.sleep(0.2)
        t0 = time.time()
        self.deliver(message(subject="for idle"))
        t_del = time.time()
        item, t1 = self._wait_for(b, rb"^\* 5 EXISTS$", 5)
        self.assertIsNotNone(item, "IDLE not told of the delivery in 5 s")
        # "within 1 second" of the delivery (+ scheduling slack)
        self.assertLess(t1 - t_del, 2.0, "IDLE took %.2f s" % (t1 - t_del))
        b.send(b"DONE\r\n")
        r = b.read_response("i1")
        self.assertOK(r)

    def test_idle_sees_other_session_flags_and_expunge(self):
        b = self.b
        self._idle(b)
        self.a.ok("STORE 3 +FLAGS (\\Flagged)")
        item, _ = self._wait_for(b, rb"^\* 3 FETCH", 3)
        self.assertIsNotNone(item)
        self.a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        self.a.ok("EXPUNGE")
        item, _ = self._wait_for(b, rb"^\* 1 EXPUNGE$", 3)
        self.assertIsNotNone(item)
        b.send(b"DONE\r\n")
        self.assertOK(b.read_response("i1"))
        self.assertOK(b.cmd("NOOP"))

    def test_idle_bad_continuation(self):
        b = self.b
        self._idle(b)
        b.send(b"NOT-DONE\r\n")
        r = b.read_response("i1")
        self.assertEqual(r.status, "BAD")
        self.assertOK(b.cmd("NOOP"))

    def test_concurrent_appends_distinct_uids(self):
        n_threads, per = 4, 5
        errors = []

        def worker(k):
            try:
                c = msproto.Raw(srv=self.srv)
                c.login(self.user)
                for i in range(per):
                    r = c.append("INBOX", message(subject="t%d-%d" % (k, i)))
                    if not r.ok:
                        errors.append(r)
                c.logout()
            except Exception as e:  # reported below
                errors.append(e)

        ts = [threading.Thread(target=worker, args=(k,))
              for k in range(n_threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(errors, [])
        r = self.b.ok("NOOP")
        self.assertEqual(exists_of(r), 4 + n_threads * per, r)
        r = self.b.ok("UID SEARCH ALL")
        uids = msproto.search_numbers(r)
        self.assertEqual(len(uids), 4 + n_threads * per)
        self.assertEqual(len(set(uids)), len(uids))


if __name__ == "__main__":
    unittest.main()
