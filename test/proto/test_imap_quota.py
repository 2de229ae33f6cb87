"""QUOTA (RFC 9208): GETQUOTAROOT / GETQUOTA report the account quota set
with the management tool (STORAGE in units of 1024 octets, MESSAGE),
usage follows APPEND and EXPUNGE, over quota is NO [OVERQUOTA]."""
import re
import unittest

import msproto
from msproto import ProtoTest, message, imap_tokens

KIB = 1024


def quota_of(resp):
    """{root: {b'STORAGE': (used, limit), ...}} from QUOTA responses."""
    out = {}
    for line in resp.lines("QUOTA "):
        toks = imap_tokens(line[len("QUOTA"):])
        root, lst = toks[0], toks[1]
        out[root] = {lst[i].upper(): (int(lst[i + 1]), int(lst[i + 2]))
                     for i in range(0, len(lst) - 2, 3)}
    return out


class Quota(ProtoTest):

    def setUp(self):
        super().setUp()
        self.qu = self.srv.new_user(quota_bytes=1024 * KIB, quota_messages=3)
        self.c = self.session(user=self.qu)
        self.require_cap(self.c, "QUOTA")

    def roots(self):
        r = self.c.ok("GETQUOTAROOT INBOX")
        qr = r.lines("QUOTAROOT ")
        self.assertEqual(len(qr), 1, r)
        toks = imap_tokens(qr[0][len("QUOTAROOT"):])
        self.assertEqual(toks[0].upper(), b"INBOX")
        self.assertEqual(len(toks), 2, "one quota root expected")
        return toks[1], quota_of(r)

    def test_getquotaroot_reports_account_quota(self):
        root, q = self.roots()
        self.assertIn(root, q)
        self.assertEqual(q[root][b"STORAGE"], (0, 1024))
        self.assertEqual(q[root][b"MESSAGE"], (0, 3))
        r = self.c.ok("GETQUOTA %s" % msproto.quote(root.decode()))
        self.assertEqual(quota_of(r)[root], q[root])

    def test_usage_follows_append_and_expunge(self):
        c = self.c
        m = message(body="x" * 5000 + "\r\n")
        c.append("INBOX", m)
        c.append("INBOX", m)
        root, q = self.roots()
        self.assertEqual(q[root][b"MESSAGE"][0], 2)
        used = q[root][b"STORAGE"][0]
        self.assertIn(used, (2 * len(m) // KIB, -(-2 * len(m) // KIB)))
        c.ok("SELECT INBOX")
        c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        c.ok("EXPUNGE")
        root, q = self.roots()
        self.assertEqual(q[root][b"MESSAGE"][0], 1)

    def test_over_quota_append(self):
        c = self.c
        for i in range(3):
            self.assertOK(c.append("INBOX", message()))
        r = c.append("INBOX", message())
        self.assertEqual(r.status, "NO", r)
        self.assertEqual(r.code(), b"OVERQUOTA", r)
        self.assertOK(c.cmd("NOOP"))

    def test_copy_over_quota(self):
        c = self.c
        c.ok("CREATE other")
        for i in range(2):
            c.append("INBOX", message())
        c.ok("SELECT INBOX")
        r = c.cmd("COPY 1:2 other")
        self.assertEqual(r.status, "NO", r)
        self.assertEqual(r.code(), b"OVERQUOTA", r)
        st = msproto.status_items(c.ok("STATUS other (MESSAGES)"))
        self.assertEqual(st[b"MESSAGES"], 0)

    def test_setquota_refused_for_user(self):
        root, _ = self.roots()
        r = self.c.cmd("SETQUOTA %s (STORAGE 999999)"
                       % msproto.quote(root.decode()))
        self.assertStatus(r, "NO", "BAD")
        root, q = self.roots()
        self.assertEqual(q[root][b"STORAGE"][1], 1024)

    def test_quota_changed_by_cli(self):
        self.srv.set_quota(self.qu, 2048 * KIB, 7)
        self.c = self.session(user=self.qu)
        root, q = self.roots()
        self.assertEqual(q[root][b"STORAGE"][1], 2048)
        self.assertEqual(q[root][b"MESSAGE"][1], 7)

    def test_no_quota_user(self):
        c = self.session()   # self.user has no quota
        r = c.ok("GETQUOTAROOT INBOX")
        # either no root, or a root without limits
        for root, res in quota_of(r).items():
            self.assertEqual(res, {})

    def test_capabilities_rfc9208(self):
        caps = self.c.capabilities()
        if self.target == "dovecot":
            self.skipTest("dovecot 2.3 implements RFC 2087 QUOTA only")
        self.assertIn("QUOTA=RES-STORAGE", caps)
        self.assertIn("QUOTA=RES-MESSAGE", caps)


if __name__ == "__main__":
    unittest.main()
