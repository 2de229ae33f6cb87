"""SEARCH: keys, UID SEARCH, ESEARCH RETURN (RFC 4731), SEARCHRES (RFC 5182),
WITHIN (RFC 5032), CHARSET UTF-8 with non-ASCII text (RFC 9051 6.4.4)."""
import unittest

import msproto
from msproto import ProtoTest, message, search_numbers, esearch, seqset

UML = "Gr\u00fc\u00dfe"  # "Grüße"


class Search(ProtoTest):

    def setUp(self):
        super().setUp()
        c = self.c = self.session()
        msgs = [
            (message(subject="alpha report", frm="Ann <ann@example.com>",
                     to="bob@example.com", body="first body apple\r\n",
                     date="Mon, 3 Jan 2000 10:00:00 +0000"),
             "\\Seen", "03-Jan-2000 10:00:00 +0000"),
            (message(subject="beta", frm="Bob <bob@example.com>",
                     to="ann@example.com", body="second banana\r\n" +
                     "x" * 3000 + "\r\n",
                     date="Tue, 4 Jan 2000 10:00:00 +0000",
                     extra="Cc: carol@example.org\r\nX-Tag: special\r\n"),
             "\\Flagged $Work", "04-Jan-2000 10:00:00 +0000"),
            (message(subject="gamma ALPHA", frm="carol@example.org",
                     body="third cherry\r\n",
                     date="Wed, 5 Jan 2000 10:00:00 +0000"),
             "\\Answered \\Deleted", "05-Jan-2000 10:00:00 +0000"),
            (("From: dave@example.net\r\nTo: ann@example.com\r\n"
              "Subject: =?UTF-8?B?%s?=\r\n"
              "Date: Thu, 6 Jan 2000 10:00:00 +0000\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
              "Viele Gr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n" % __import__(
                  "base64").b64encode(("Sch\u00f6ne " + UML).encode())
              .decode()).encode(),
             "\\Draft", None),
            (message(subject="delta", frm="eve@example.com",
                     body="fifth date\r\n",
                     date="Fri, 7 Jan 2000 10:00:00 +0000"),
             "", None),
        ]
        for m, flags, idate in msgs:
            r = c.append("INBOX", m, flags=flags or None, date=idate)
            self.assertOK(r)
        c.ok("SELECT INBOX")
        r = c.ok("UID SEARCH ALL")
        self.uids = search_numbers(r)
        self.assertEqual(len(self.uids), 5)

    def s(self, crit):
        return sorted(search_numbers(self.c.ok("SEARCH " + crit)))

    def test_all_and_flags(self):
        self.assertEqual(self.s("ALL"), [1, 2, 3, 4, 5])
        self.assertEqual(self.s("SEEN"), [1])
        self.assertEqual(self.s("UNSEEN"), [2, 3, 4, 5])
        self.assertEqual(self.s("FLAGGED"), [2])
        self.assertEqual(self.s("UNFLAGGED"), [1, 3, 4, 5])
        self.assertEqual(self.s("ANSWERED"), [3])
        self.assertEqual(self.s("DELETED"), [3])
        self.assertEqual(self.s("UNDELETED"), [1, 2, 4, 5])
        self.assertEqual(self.s("DRAFT"), [4])
        self.assertEqual(self.s("UNDRAFT"), [1, 2, 3, 5])
        self.assertEqual(self.s("KEYWORD $Work"), [2])
        self.assertEqual(self.s("UNKEYWORD $work"), [1, 3, 4, 5])
        self.assertEqual(self.s("KEYWORD nosuchkw"), [])

    def test_headers(self):
        self.assertEqual(self.s("SUBJECT alpha"), [1, 3])
        self.assertEqual(self.s('SUBJECT "ALPHA REP"'), [1])
        self.assertEqual(self.s("FROM bob"), [2])
        self.assertEqual(self.s("FROM example.org"), [3])
        self.assertEqual(self.s("TO ann@example.com"), [2, 4])
        self.assertEqual(self.s("CC carol"), [2])
        self.assertEqual(self.s("BCC anyone"), [])
        self.assertEqual(self.s("HEADER X-Tag spec"), [2])
        self.assertEqual(self.s('HEADER X-Tag ""'), [2])
        self.assertEqual(self.s("HEADER Message-ID msproto"), [1, 2, 3, 5])

    def test_text_and_body(self):
        self.assertEqual(self.s("BODY banana"), [2])
        self.assertEqual(self.s("BODY BANANA"), [2])
        self.assertEqual(self.s("BODY alpha"), [])
        self.assertEqual(self.s("TEXT alpha"), [1, 3])
        self.assertEqual(self.s("TEXT cherry"), [3])
        self.assertEqual(self.s('TEXT "no such words"'), [])

    def test_sizes(self):
        self.assertEqual(self.s("LARGER 2000"), [2])
        self.assertEqual(self.s("SMALLER 2000"), [1, 3, 4, 5])
        self.assertEqual(self.s("LARGER 4294967295"), [])

    def test_dates(self):
        self.assertEqual(self.s("BEFORE 04-Jan-2000"), [1])
        self.assertEqual(self.s("ON 04-Jan-2000"), [2])
        self.assertEqual(self.s("SINCE 05-Jan-2000"), [3, 4, 5])
        self.assertEqual(self.s("SENTBEFORE 05-Jan-2000"), [1, 2])
        self.assertEqual(self.s("SENTON 06-Jan-2000"), [4])
        self.assertEqual(self.s("SENTSINCE 6-Jan-2000"), [4, 5])
        self.assertEqual(self.s("SENTON 1-Feb-2000"), [])

    def test_sets_and_logic(self):
        u = self.uids
        self.assertEqual(self.s("2:3"), [2, 3])
        self.assertEqual(self.s("UID %d,%d" % (u[0], u[4])), [1, 5])
        self.assertEqual(self.s("NOT SEEN"), [2, 3, 4, 5])
        self.assertEqual(self.s("OR SEEN FLAGGED"), [1, 2])
        self.assertEqual(self.s("OR (SEEN FLAGGED) DRAFT"), [4])
        self.assertEqual(self.s("SUBJECT alpha NOT SEEN"), [3])
        self.assertEqual(self.s("(OR 1 2) (OR 2 3)"), [2])
        self.assertEqual(self.s("* "), [5])
        self.assertEqual(self.s("NOT OR SEEN OR FLAGGED DRAFT"), [3, 5])

    def test_uid_search(self):
        r = self.c.ok("UID SEARCH FLAGGED")
        self.assertEqual(search_numbers(r), [self.uids[1]])
        r = self.c.ok("UID SEARCH UID %d:*" % self.uids[3])
        self.assertEqual(sorted(search_numbers(r)), self.uids[3:])

    def test_bad_search(self):
        for bad in ["SEARCH NOSUCHKEY", "SEARCH FROM", "SEARCH BEFORE 1-X-2",
                    "SEARCH (SEEN", "SEARCH OR SEEN", "SEARCH LARGER x"]:
            self.assertEqual(self.c.cmd(bad).status, "BAD", bad)
        self.assertOK(self.c.cmd("NOOP"))

    def test_charset(self):
        c = self.c
        r = c.cmd("SEARCH CHARSET US-ASCII SUBJECT beta")
        self.assertEqual(search_numbers(r), [2])
        r = c.cmd("SEARCH CHARSET X-NO-SUCH-CHARSET SUBJECT beta")
        self.assertEqual(r.status, "NO")
        self.assertTrue(r.code() and r.code().upper().startswith(
            b"BADCHARSET"), r)

    def test_utf8_non_ascii(self):
        c = self.c
        word = UML.encode("utf-8")
        # literal: the UTF-8 string is 8-bit, so it cannot be quoted in rev1
        r = c.cmd_lit([b"SEARCH CHARSET UTF-8 SUBJECT {%d}" % len(word),
                       word])
        self.assertEqual(search_numbers(r), [4], r)
        # the body is quoted-printable: searched decoded
        koeln = "K\u00f6ln".encode()
        r = c.cmd_lit([b"SEARCH CHARSET UTF-8 BODY {%d}" % len(koeln),
                       koeln])
        self.assertEqual(search_numbers(r), [4], r)
        r = c.cmd_lit([b"SEARCH CHARSET UTF-8 TEXT {%d}" % len(word), word])
        self.assertEqual(search_numbers(r), [4], r)
        # case-insensitive for non-ASCII letters too
        up = "K\u00d6LN".encode()
        r = c.cmd_lit([b"SEARCH CHARSET UTF-8 BODY {%d}" % len(up), up])
        self.assertEqual(search_numbers(r), [4], r)

    def test_esearch(self):
        c = self.c
        self.require_cap(c, "ESEARCH")
        r = c.ok("SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN")
        e = esearch(r)
        self.assertEqual(search_numbers(r), [])
        self.assertIsNotNone(e, r)
        self.assertNotIn(b"UID", e)
        self.assertEqual(int(e[b"MIN"]), 2)
        self.assertEqual(int(e[b"MAX"]), 5)
        self.assertEqual(int(e[b"COUNT"]), 4)
        self.assertEqual(seqset(e[b"ALL"]), [2, 3, 4, 5])
        self.assertEqual(e[b"TAG"][1], r.tag)
        r = c.ok("UID SEARCH RETURN (COUNT MIN) FLAGGED")
        e = esearch(r)
        self.assertTrue(e.get(b"UID"))
        self.assertEqual(int(e[b"MIN"]), self.uids[1])
        self.assertEqual(int(e[b"COUNT"]), 1)
        r = c.ok("SEARCH RETURN () SEEN")
        e = esearch(r)
        self.assertEqual(seqset(e[b"ALL"]), [1])
        # no match: only COUNT 0 (MIN/MAX/ALL are omitted)
        r = c.ok("SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT nomatch")
        e = esearch(r)
        self.assertEqual(int(e[b"COUNT"]), 0)
        self.assertNotIn(b"MIN", e)
        self.assertNotIn(b"ALL", e)

    def test_searchres(self):
        c = self.c
        self.require_cap(c, "SEARCHRES")
        r = c.ok("SEARCH RETURN (SAVE) OR FLAGGED DRAFT")
        self.assertEqual(r.lines("ESEARCH"), [], "SAVE alone returns none")
        r = c.ok("FETCH $ (UID)")
        self.assertEqual(sorted(s for s, d in msproto.fetches(r)), [2, 4])
        r = c.ok("UID SEARCH UID $ SEEN")
        self.assertEqual(search_numbers(r), [])
        r = c.ok("SEARCH RETURN (SAVE MIN) SEEN")
        self.assertEqual(int(esearch(r)[b"MIN"]), 1)
        r = c.ok("FETCH $ FLAGS")
        self.assertEqual([s for s, d in msproto.fetches(r)], [1])
        c.ok("STORE $ +FLAGS.SILENT (\\Deleted)")
        self.assertEqual(self.s("DELETED"), [1, 3])

    def test_within(self):
        c = self.c
        self.require_cap(c, "WITHIN")
        c.append("INBOX", message(subject="now"))
        c.ok("NOOP")
        self.assertEqual(self.s("YOUNGER 3600"), [4, 5, 6])
        self.assertEqual(self.s("OLDER 3600"), [1, 2, 3])
        self.assertEqual(self.s("YOUNGER 3600 SUBJECT now"), [6])
        self.assertEqual(self.c.cmd("SEARCH YOUNGER x").status, "BAD")

    def test_imaplib_search(self):
        im = self.imap()
        im.login(self.user.name, self.user.password)
        im.select("INBOX")
        typ, data = im.search(None, "OR", "SEEN", "FLAGGED")
        self.assertEqual(typ, "OK")
        self.assertEqual(sorted(int(x) for x in data[0].split()), [1, 2])
        typ, data = im.uid("SEARCH", "DRAFT")
        self.assertEqual([int(x) for x in data[0].split()], [self.uids[3]])
        im.logout()


if __name__ == "__main__":
    unittest.main()
