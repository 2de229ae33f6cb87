"""Messages: APPEND (flags, date, MULTIAPPEND, APPENDUID, literals), STORE
(+FLAGS, -FLAGS, FLAGS, .SILENT, keywords), COPY/COPYUID, MOVE, EXPUNGE,
UID EXPUNGE (RFC 9051 6.3.12, 6.4.3-6.4.9, RFC 4315 UIDPLUS, RFC 3502
MULTIAPPEND, RFC 6851 MOVE)."""
import re
import unittest

import msproto
from msproto import (ProtoTest, message, resp_code, fetches, seqset,
                     quote)


def uids_of(c, mailbox=None):
    if mailbox:
        c.ok("EXAMINE %s" % quote(mailbox))
    r = c.ok("UID SEARCH ALL")
    return msproto.search_numbers(r)


def flags_of(c, seq):
    r = c.ok("FETCH %s FLAGS" % seq)
    return {f.upper() for f in fetches(r)[0][1][b"FLAGS"]}


class Message(ProtoTest):

    def setUp(self):
        super().setUp()
        self.c = self.session()

    def test_append_flags_and_date(self):
        c = self.c
        m = message(subject="dated")
        r = c.append("INBOX", m, flags="\\Seen \\Flagged $Label1",
                     date="17-Jul-1996 02:44:25 -0700")
        self.assertOK(r)
        c.ok("SELECT INBOX")
        r = c.ok("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        d = fetches(r)[0][1]
        self.assertEqual({f.upper() for f in d[b"FLAGS"]} - {b"\\RECENT"},
                         {b"\\SEEN", b"\\FLAGGED", b"$LABEL1"})
        # the same instant (servers may keep the zone or normalise it)
        self.assertEqual(msproto.internaldate(d[b"INTERNALDATE"]),
                         msproto.internaldate(b"17-Jul-1996 02:44:25 -0700"))
        self.assertEqual(int(d[b"RFC822.SIZE"]), len(m))
        self.assertEqual(d[b"BODY[]"], m)

    def test_append_bad_date_and_flags(self):
        c = self.c
        for date in ["32-Jul-1996 02:44:25 -0700", "17-Foo-1996 02:44:25 "
                     "-0700", "17-Jul-1996 25:44:25 -0700", "yesterday",
                     "17-Jul-1996 02:44:25 +9999"]:
            r = c.append("INBOX", message(), date=date)
            if self.target == "dovecot" and r.ok and date in (
                    "32-Jul-1996 02:44:25 -0700",
                    "17-Jul-1996 25:44:25 -0700",
                    "17-Jul-1996 02:44:25 +9999"):
                # Dovecot normalises day 32, hour 25 and zone +9999; they
                # fit the grammar's digits, so msgstored may say NO or BAD
                # but must not store a nonsense date
                c.ok("SELECT INBOX")
                c.ok("STORE 1:* +FLAGS.SILENT (\\Deleted)")
                c.ok("CLOSE")
                continue
            self.assertStatus(r, "BAD", "NO")
        r = c.append("INBOX", message(), flags="\\Bogus")
        self.assertStatus(r, "BAD", "NO")
        r = c.append("INBOX", message(), flags="\\Recent")
        self.assertStatus(r, "BAD", "NO")
        st = msproto.status_items(c.ok("STATUS INBOX (MESSAGES)"))
        self.assertEqual(st[b"MESSAGES"], 0)

    def test_appenduid(self):
        c = self.c
        self.require_cap(c, "UIDPLUS")
        r = c.append("INBOX", message())
        code = r.code()
        self.assertTrue(code and code.upper().startswith(b"APPENDUID "), r)
        _, uv, uid = code.split()
        r = c.ok("SELECT INBOX")
        self.assertEqual(resp_code(r, "UIDVALIDITY"), uv)
        self.assertEqual(uids_of(c), [int(uid)])

    def test_append_to_missing_mailbox_trycreate(self):
        c = self.c
        m = message()
        c.send(b"a1 APPEND nosuch {%d}\r\n" % len(m))
        item = c.read_item()
        if item.startswith(b"+"):
            c.send(m + b"\r\n")
            item = c.read_response("a1").tagged
        self.assertRegex(item, rb"^a1 NO \[TRYCREATE\]")

    def test_multiappend(self):
        c = self.c
        self.require_cap(c, "MULTIAPPEND")
        ms = [message(subject="multi %d" % i) for i in range(3)]
        parts = [b"APPEND INBOX (\\Seen) {%d}" % len(ms[0])]
        parts.append(ms[0] + b' "01-Jan-2020 00:00:00 +0000" {%d}'
                     % len(ms[1]))
        parts.append(ms[1] + b" (\\Flagged) {%d}" % len(ms[2]))
        parts.append(ms[2])
        r = c.cmd_lit(parts)
        self.assertOK(r)
        code = r.code()
        self.assertTrue(code.upper().startswith(b"APPENDUID "), r)
        uidset = seqset(code.split()[2])
        self.assertEqual(len(uidset), 3)
        c.ok("SELECT INBOX")
        self.assertEqual(uids_of(c), uidset)
        self.assertIn(b"\\SEEN", flags_of(c, 1))
        self.assertIn(b"\\FLAGGED", flags_of(c, 3))

    def test_multiappend_failure_is_atomic(self):
        c = self.c
        self.require_cap(c, "MULTIAPPEND")
        m = message()
        parts = [b"APPEND INBOX {%d}" % len(m),
                 m + b' "99-Xyz-2020 00:00:00 +0000" {%d}' % len(m), m]
        tag = c.next_tag()
        c.send(tag.encode() + b" " + parts[0] + b"\r\n")
        self.assertTrue(c.read_item().startswith(b"+"))
        c.send(parts[1] + b"\r\n")
        item = c.read_item()
        if item.startswith(b"+"):
            c.send(parts[2] + b"\r\n")
            item = c.read_response(tag).tagged
        self.assertRegex(item, rb"^a\d+ (BAD|NO)")
        st = msproto.status_items(c.ok("STATUS INBOX (MESSAGES)"))
        self.assertEqual(st[b"MESSAGES"], 0)

    def test_append_literal_plus(self):
        c = self.c
        m = message()
        c.send(b"a1 APPEND INBOX {%d+}\r\n%s\r\n" % (len(m), m))
        r = c.read_response("a1")
        self.assertOK(r)
        self.assertEqual(r.conts, [])

    def test_append_binary_literal8(self):
        c = self.c
        self.require_cap(c, "BINARY")
        m = (b"From: a@example.com\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: application/octet-stream\r\n"
             b"Content-Transfer-Encoding: binary\r\n\r\n" +
             bytes(range(1, 256)) + b"\r\n")
        # RFC 3516 4.4 lets a store refuse with NO [UNKNOWN-CTE]; msgstored
        # (like Dovecot) keeps it (as base64) and gives the octets back
        self.assertOK(c.cmd_lit([b"APPEND INBOX ~{%d}" % len(m), m]))
        c.ok("SELECT INBOX")
        r = c.ok("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] BODY.PEEK[1])")
        d = fetches(r)[0][1]
        self.assertEqual(d[b"BINARY[1]"], bytes(range(1, 256)) + b"\r\n")
        self.assertEqual(int(d[b"BINARY.SIZE[1]"]), 257)
        # BODY[1] is never the raw octets (NUL is not allowed there)
        self.assertNotIn(b"\x00", d[b"BODY[1]"])
        self.assertNotEqual(d[b"BODY[1]"], bytes(range(1, 256)) + b"\r\n")
        c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        c.ok("CLOSE")
        # 8-bit text in CRLF lines, no NUL: every store keeps it
        body = bytes(range(0x80, 0x100)) + b"\r\n" + b"\xc3\xa4\r\n"
        m = m.split(b"\r\n\r\n")[0] + b"\r\n\r\n" + body
        self.assertOK(c.cmd_lit([b"APPEND INBOX ~{%d}" % len(m), m]))
        c.ok("SELECT INBOX")
        r = c.ok("FETCH 1 (BINARY.PEEK[1] BODY.PEEK[])")
        d = fetches(r)[0][1]
        # the decoded part is exact; BODY[] may be re-encoded (Dovecot
        # stores it as base64)
        self.assertEqual(d[b"BINARY[1]"], body)

    def test_store_flags(self):
        c = self.c
        self.fill(c, "INBOX", 3)
        c.ok("SELECT INBOX")
        r = c.ok("STORE 1:2 +FLAGS (\\Seen \\Answered)")
        got = {s: {f.upper() for f in d[b"FLAGS"]} for s, d in fetches(r)}
        self.assertEqual(set(got), {1, 2})
        self.assertTrue({b"\\SEEN", b"\\ANSWERED"} <= got[1])
        r = c.ok("STORE 1 -FLAGS (\\Seen)")
        self.assertNotIn(b"\\SEEN", flags_of(c, 1))
        self.assertIn(b"\\ANSWERED", flags_of(c, 1))
        r = c.ok("STORE 2 FLAGS (\\Draft)")
        self.assertEqual(flags_of(c, 2) - {b"\\RECENT"}, {b"\\DRAFT"})
        r = c.ok("STORE 3 +FLAGS.SILENT (\\Flagged)")
        self.assertEqual(fetches(r), [], "SILENT still sent FETCH")
        self.assertIn(b"\\FLAGGED", flags_of(c, 3))
        r = c.ok("UID STORE 1:* FLAGS.SILENT ()")
        self.assertEqual(fetches(r), [])
        for i in (1, 2, 3):
            self.assertEqual(flags_of(c, i) - {b"\\RECENT"}, set())

    def test_store_uid_includes_uid(self):
        c = self.c
        self.fill(c, "INBOX", 2)
        c.ok("SELECT INBOX")
        r = c.ok("UID STORE 1:* +FLAGS (\\Flagged)")
        for seq, d in fetches(r):
            self.assertIn(b"UID", d)

    def test_keywords(self):
        c = self.c
        self.fill(c, "INBOX", 2)
        c.ok("SELECT INBOX")
        r = c.ok("STORE 1 +FLAGS ($Forwarded Custom_kw)")
        # the new keyword is announced in FLAGS (and PERMANENTFLAGS)
        fl = r.lines("FLAGS ")
        self.assertTrue(fl and b"CUSTOM_KW" in fl[-1].upper(), r)
        self.assertTrue({b"$FORWARDED", b"CUSTOM_KW"} <= flags_of(c, 1))
        r = c.ok("SEARCH KEYWORD Custom_kw")
        self.assertEqual(msproto.search_numbers(r), [1])
        r = c.ok("SEARCH UNKEYWORD Custom_kw")
        self.assertEqual(msproto.search_numbers(r), [2])
        c.ok("STORE 1 -FLAGS (custom_KW)")
        self.assertNotIn(b"CUSTOM_KW", flags_of(c, 1))
        r = c.cmd("STORE 1 +FLAGS (bad(kw)")
        self.assertEqual(r.status, "BAD")

    def test_copy_copyuid(self):
        c = self.c
        self.require_cap(c, "UIDPLUS")
        c.ok("CREATE dest")
        self.fill(c, "INBOX", 3)
        c.ok("SELECT INBOX")
        c.ok("STORE 2 +FLAGS (\\Flagged)")
        r = c.ok("COPY 2:3 dest")
        code = r.code()
        self.assertTrue(code and code.upper().startswith(b"COPYUID "), r)
        _, uv, src, dst = code.split()
        src_uids = uids_of(c)[1:3]
        self.assertEqual(seqset(src), src_uids)
        r = c.ok("SELECT dest")
        self.assertEqual(resp_code(r, "UIDVALIDITY"), uv)
        self.assertEqual(uids_of(c), seqset(dst))
        self.assertIn(b"\\FLAGGED", flags_of(c, 1))
        # the source is untouched
        st = msproto.status_items(c.ok("STATUS INBOX (MESSAGES)"))
        self.assertEqual(st[b"MESSAGES"], 3)

    def test_copy_to_missing_trycreate(self):
        c = self.c
        self.fill(c, "INBOX", 1)
        c.ok("SELECT INBOX")
        r = c.cmd("COPY 1 nosuch")
        self.assertEqual(r.status, "NO")
        self.assertEqual(r.code(), b"TRYCREATE")

    def test_move(self):
        c = self.c
        self.require_cap(c, "MOVE")
        c.ok("CREATE moved")
        self.fill(c, "INBOX", 4)
        c.ok("SELECT INBOX")
        before = uids_of(c)
        r = c.ok("MOVE 2:3 moved")
        # COPYUID in an untagged OK, before the EXPUNGEs (RFC 6851 4.3)
        ok = [u for u in r.untagged if re.match(rb"\* OK \[COPYUID ", u,
                                                re.I)]
        if "UIDPLUS" in c.capabilities():
            self.assertEqual(len(ok), 1, r)
            _, uv, src, dst = ok[0][6:].split(b"]")[0].split()
            self.assertEqual(seqset(src), before[1:3])
        exp = [int(u.split()[1]) for u in r.untagged
               if re.match(rb"\* \d+ EXPUNGE$", u)]
        self.assertEqual(len(exp), 2)
        seqs = list(before)
        for n in exp:
            del seqs[n - 1]
        self.assertEqual(seqs, [before[0], before[3]])
        self.assertEqual(uids_of(c), seqs)
        st = msproto.status_items(c.ok("STATUS moved (MESSAGES)"))
        self.assertEqual(st[b"MESSAGES"], 2)

    def test_uid_move(self):
        c = self.c
        self.require_cap(c, "MOVE")
        c.ok("CREATE moved2")
        self.fill(c, "INBOX", 3)
        c.ok("SELECT INBOX")
        u = uids_of(c)
        r = c.ok("UID MOVE %d moved2" % u[2])
        self.assertEqual(uids_of(c), u[:2])

    def test_expunge(self):
        c = self.c
        self.fill(c, "INBOX", 5)
        c.ok("SELECT INBOX")
        before = uids_of(c)
        c.ok("STORE 2,4 +FLAGS.SILENT (\\Deleted)")
        r = c.ok("EXPUNGE")
        exp = [int(u.split()[1]) for u in r.untagged
               if re.match(rb"\* \d+ EXPUNGE$", u)]
        self.assertEqual(len(exp), 2, r)
        seqs = list(before)
        for n in exp:
            del seqs[n - 1]
        self.assertEqual(seqs, [before[0], before[2], before[4]])
        self.assertEqual(uids_of(c), seqs)
        r = c.ok("EXPUNGE")
        self.assertEqual(r.untagged_re(rb"EXPUNGE"), [])

    def test_uid_expunge(self):
        c = self.c
        self.require_cap(c, "UIDPLUS")
        self.fill(c, "INBOX", 4)
        c.ok("SELECT INBOX")
        u = uids_of(c)
        c.ok("STORE 1:4 +FLAGS.SILENT (\\Deleted)")
        r = c.ok("UID EXPUNGE %d:%d" % (u[1], u[2]))
        self.assertEqual(len(r.untagged_re(rb"^\* \d+ EXPUNGE$")), 2)
        self.assertEqual(uids_of(c), [u[0], u[3]])

    def test_expunged_uids_never_reused(self):
        c = self.c
        self.fill(c, "INBOX", 2)
        c.ok("SELECT INBOX")
        u = uids_of(c)
        c.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
        c.ok("EXPUNGE")
        c.append("INBOX", message())
        c.ok("NOOP")
        u2 = uids_of(c)
        self.assertEqual(len(u2), 2)
        self.assertGreater(u2[1], u[1])

    def test_internaldate_default_is_now(self):
        import time
        c = self.c
        c.append("INBOX", message())
        c.ok("SELECT INBOX")
        d = fetches(c.ok("FETCH 1 INTERNALDATE"))[0][1]
        utc = msproto.internaldate(d[b"INTERNALDATE"])
        self.assertLess(abs(utc - time.time()), 120, d)


if __name__ == "__main__":
    unittest.main()
