"""FETCH: FLAGS, UID, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE,
BODY sections and partials, BINARY (RFC 3516), \\Seen semantics, PREVIEW
(RFC 8970), SAVEDATE (RFC 8514), EMAILID/THREADID (RFC 8474)
(RFC 9051 6.4.5 and 7.5.2)."""
import re
import unittest

import msproto
from msproto import ProtoTest, message, fetches, MULTIPART

HDR_END = MULTIPART.index(b"\r\n\r\n") + 4
HEADER = MULTIPART[:HDR_END]
TEXT = MULTIPART[HDR_END:]
PART1 = b"Hello Joe, do you think we can meet at 3:30 tomorrow?"
PART2 = b"AAECAwQFBgcICQ=="


class Fetch(ProtoTest):

    def setUp(self):
        super().setUp()
        self.c = self.session()
        self.assertOK(self.c.append("INBOX", MULTIPART,
                                    date="08-Feb-1994 06:00:00 +0100"))
        self.assertOK(self.c.append("INBOX", message(subject="second")))
        self.c.ok("SELECT INBOX")

    def f(self, items, seq="1"):
        r = self.c.ok("FETCH %s %s" % (seq, items))
        res = fetches(r)
        self.assertTrue(res, r)
        # merge the FETCH responses for this message (a server may split)
        d = {}
        want = int(seq) if seq.isdigit() else None
        for s, x in res:
            if want is None or s == want:
                d.update(x)
        return d

    def flags(self, seq="1"):
        return {x.upper() for x in self.f("FLAGS", seq)[b"FLAGS"]}

    def test_simple_items(self):
        d = self.f("(FLAGS UID INTERNALDATE RFC822.SIZE)")
        self.assertIsInstance(d[b"FLAGS"], list)
        self.assertGreater(int(d[b"UID"]), 0)
        self.assertEqual(msproto.internaldate(d[b"INTERNALDATE"]),
                         msproto.internaldate(b"08-Feb-1994 06:00:00 +0100"))
        self.assertEqual(int(d[b"RFC822.SIZE"]), len(MULTIPART))

    def test_uid_fetch_always_has_uid(self):
        r = self.c.ok("UID FETCH 1:* FLAGS")
        for s, d in fetches(r):
            self.assertIn(b"UID", d)

    def test_fetch_range_and_star(self):
        r = self.c.ok("FETCH 1:* UID")
        self.assertEqual(sorted(s for s, _ in fetches(r)), [1, 2])
        r = self.c.ok("FETCH * UID")
        self.assertEqual([s for s, _ in fetches(r)], [2])
        r = self.c.ok("FETCH 2:1 UID")
        self.assertEqual(sorted(s for s, _ in fetches(r)), [1, 2])

    def test_fetch_out_of_range_seq_is_bad(self):
        r = self.c.cmd("FETCH 3 FLAGS")
        self.assertStatus(r, "BAD", "NO")
        r = self.c.ok("UID FETCH 999999 FLAGS")
        self.assertEqual(fetches(r), [])

    def test_envelope(self):
        env = self.f("ENVELOPE")[b"ENVELOPE"]
        self.assertEqual(len(env), 10)
        date, subj, frm, sender, reply, to, cc, bcc, irt, mid = env
        self.assertEqual(date, b"Mon, 7 Feb 1994 21:52:25 -0800")
        self.assertEqual(subj, b"afternoon meeting")
        fred = [[b"Fred Foobar", None, b"foobar", b"Blurdybloop.example"]]
        self.assertEqual(frm, fred)
        # sender and reply-to default to from (RFC 9051 7.5.2)
        self.assertEqual(sender, fred)
        self.assertEqual(reply, fred)
        self.assertEqual(to, [[None, None, b"mooch",
                               b"owatagu.siam.edu.example"]])
        self.assertEqual(cc, [[b"Joe", None, b"joe", b"example.com"],
                              [b"Ann", None, b"ann", b"example.com"]])
        self.assertIsNone(bcc)
        self.assertIsNone(irt)
        self.assertEqual(mid, b"<B27397-0100000@Blurdybloop.example>")

    def test_envelope_groups_and_encoded_words(self):
        m = (b"From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>\r\n"
             b"To: undisclosed-recipients:;\r\n"
             b"Cc: Team: a@example.com, b@example.com;\r\n"
             b"Subject: =?ISO-8859-1?Q?caf=E9?=\r\n\r\nx\r\n")
        self.c.append("INBOX", m)
        self.c.ok("NOOP")
        env = self.f("ENVELOPE", "3")[b"ENVELOPE"]
        # encoded words are returned as sent (clients decode them)
        self.assertEqual(env[1], b"=?ISO-8859-1?Q?caf=E9?=")
        self.assertEqual(env[2][0][2:], [b"j", b"example.com"])
        # groups: start (NIL NIL "name" NIL) ... end (NIL NIL NIL NIL)
        self.assertEqual(env[5], [[None, None, b"undisclosed-recipients",
                                   None], [None, None, None, None]])
        self.assertEqual(env[6][0], [None, None, b"Team", None])
        self.assertEqual(env[6][-1], [None, None, None, None])
        self.assertEqual(len(env[6]), 4)
        # Sender/Reply-To default to From
        self.assertEqual(env[3], env[2])

    def test_bodystructure_multipart(self):
        bs = self.f("BODYSTRUCTURE")[b"BODYSTRUCTURE"]
        p1, p2 = bs[0], bs[1]
        self.assertEqual(bs[2].lower(), b"mixed")
        params = [x.lower() for x in bs[3]]
        self.assertEqual(params, [b"boundary", b"xx"])
        # text/plain: type subtype params id desc enc size lines
        self.assertEqual([p1[0].lower(), p1[1].lower()], [b"text", b"plain"])
        self.assertEqual([x.lower() for x in p1[2]], [b"charset",
                                                       b"us-ascii"])
        self.assertIsNone(p1[3])
        self.assertIsNone(p1[4])
        self.assertEqual(p1[5].lower(), b"7bit")
        self.assertEqual(int(p1[6]), len(PART1))
        # one partial line: RFC 9051 does not say whether an unterminated
        # last line counts (Dovecot says 0)
        self.assertIn(int(p1[7]), (0, 1))
        # application/octet-stream, base64, disposition attachment
        self.assertEqual([p2[0].lower(), p2[1].lower()],
                         [b"application", b"octet-stream"])
        self.assertEqual(p2[5].lower(), b"base64")
        self.assertEqual(int(p2[6]), len(PART2))
        disp = p2[8]
        self.assertEqual(disp[0].lower(), b"attachment")
        self.assertEqual([x.lower() for x in disp[1]], [b"filename",
                                                         b"a.bin"])

    def test_body_non_extensible(self):
        body = self.f("BODY")[b"BODY"]
        # no extension data: the multipart ends with the subtype
        self.assertEqual(body[-1].lower(), b"mixed")
        self.assertEqual(len(body[0]), 8)   # text: 8 fields, no md5
        self.assertEqual(len(body[1]), 7)

    def test_bodystructure_single_part_and_rfc822(self):
        inner = message(subject="inner")
        m = (b"From: a@example.com\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: message/rfc822\r\n\r\n" + inner)
        self.c.append("INBOX", m)
        self.c.ok("NOOP")
        bs = self.f("BODYSTRUCTURE", "3")[b"BODYSTRUCTURE"]
        self.assertEqual([bs[0].lower(), bs[1].lower()],
                         [b"message", b"rfc822"])
        self.assertEqual(int(bs[6]), len(inner))
        env = bs[7]
        self.assertEqual(env[1], b"inner")
        inner_body = bs[8]
        self.assertEqual(inner_body[0].lower(), b"text")
        self.assertEqual(int(bs[9]), inner.count(b"\n"))
        d = self.f("BODY.PEEK[1.HEADER.FIELDS (SUBJECT)]", "3")
        self.assertEqual(d[b"BODY[1.HEADER.FIELDS (SUBJECT)]"],
                         b"Subject: inner\r\n\r\n")

    def test_body_sections(self):
        d = self.f("(BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
                   "BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[1.MIME])")
        self.assertEqual(d[b"BODY[]"], MULTIPART)
        self.assertEqual(d[b"BODY[HEADER]"], HEADER)
        self.assertEqual(d[b"BODY[TEXT]"], TEXT)
        self.assertEqual(d[b"BODY[1]"], PART1)
        self.assertEqual(d[b"BODY[2]"], PART2)
        self.assertEqual(d[b"BODY[1.MIME]"],
                         b"Content-Type: text/plain; charset=us-ascii\r\n"
                         b"\r\n")

    def test_header_fields(self):
        d = self.f("BODY.PEEK[HEADER.FIELDS (Subject FROM x-none)]")
        key = [k for k in d if k.startswith(b"BODY[HEADER.FIELDS")][0]
        self.assertEqual(d[key], b"From: Fred Foobar "
                         b"<foobar@Blurdybloop.example>\r\n"
                         b"Subject: afternoon meeting\r\n\r\n")
        d = self.f("BODY.PEEK[HEADER.FIELDS.NOT (Subject Cc To From Date "
                   "Message-Id)]")
        key = [k for k in d if k.startswith(b"BODY[HEADER.FIELDS.NOT")][0]
        self.assertEqual(d[key], b"MIME-Version: 1.0\r\nContent-Type: "
                         b"multipart/mixed; boundary=\"XX\"\r\n\r\n")

    def test_partial(self):
        d = self.f("BODY.PEEK[]<0.10>")
        self.assertEqual(d[b"BODY[]<0>"], MULTIPART[:10])
        d = self.f("BODY.PEEK[TEXT]<5.7>")
        self.assertEqual(d[b"BODY[TEXT]<5>"], TEXT[5:12])
        d = self.f("BODY.PEEK[]<100000.10>")
        self.assertEqual(d[b"BODY[]<100000>"], b"")
        d = self.f("BODY.PEEK[]<%d.100>" % (len(MULTIPART) - 3))
        self.assertEqual(d[b"BODY[]<%d>" % (len(MULTIPART) - 3)],
                         MULTIPART[-3:])

    def test_rfc822_items(self):
        d = self.f("(RFC822.HEADER RFC822.SIZE)")
        self.assertEqual(d[b"RFC822.HEADER"], HEADER)
        self.assertNotIn(b"\\SEEN", self.flags())
        d = self.f("RFC822.TEXT")
        self.assertEqual(d[b"RFC822.TEXT"], TEXT)
        self.assertIn(b"\\SEEN", self.flags())

    def test_seen_set_by_body_not_by_peek(self):
        self.f("BODY.PEEK[]")
        self.f("BODY.PEEK[TEXT]")
        self.f("BINARY.PEEK[1]")
        self.assertNotIn(b"\\SEEN", self.flags())
        r = self.c.ok("FETCH 1 BODY[1]")
        fl = []
        for s, d in fetches(r):
            fl += d.get(b"FLAGS", [])
        # the \Seen change is reported (RFC 9051 6.4.5 SHOULD)
        self.assertIn(b"\\SEEN", [x.upper() for x in fl], r)
        self.assertIn(b"\\SEEN", self.flags())
        self.assertNotIn(b"\\SEEN", self.flags("2"))
        self.f("BODY[HEADER]", "2")
        self.assertIn(b"\\SEEN", self.flags("2"))

    def test_binary(self):
        self.require_cap(self.c, "BINARY")
        d = self.f("(BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1] "
                   "BINARY.SIZE[1])")
        self.assertEqual(d[b"BINARY[2]"], bytes(range(10)))
        self.assertEqual(int(d[b"BINARY.SIZE[2]"]), 10)
        self.assertEqual(d[b"BINARY[1]"], PART1)
        self.assertEqual(int(d[b"BINARY.SIZE[1]"]), len(PART1))
        d = self.f("BINARY.PEEK[2]<2.3>")
        self.assertEqual(d[b"BINARY[2]<2>"], bytes([2, 3, 4]))
        self.assertNotIn(b"\\SEEN", self.flags())

    def test_binary_raw_literal8_for_nul(self):
        self.require_cap(self.c, "BINARY")
        r = self.c.ok("FETCH 1 BINARY.PEEK[2]")
        line = [u for u in r.untagged if b"FETCH" in u][0]
        # data with NUL must come as literal8 ~{N}
        self.assertRegex(line, rb"BINARY\[2\] ~\{10\}\r\n")

    def test_binary_unknown_encoding(self):
        self.require_cap(self.c, "BINARY")
        m = (b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: text/plain\r\n"
             b"Content-Transfer-Encoding: x-unknown\r\n\r\nabc\r\n")
        self.c.append("INBOX", m)
        self.c.ok("NOOP")
        r = self.c.cmd("FETCH 3 BINARY.PEEK[1]")
        self.assertEqual(r.status, "NO")
        self.assertEqual(r.code(), b"UNKNOWN-CTE", r)

    def test_macros(self):
        d = self.f("ALL")
        self.assertEqual(set(d), {b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE",
                                  b"ENVELOPE"})
        d = self.f("FAST")
        self.assertEqual(set(d), {b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"})
        d = self.f("FULL")
        self.assertEqual(set(d), {b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE",
                                  b"ENVELOPE", b"BODY"})

    def test_bad_fetch_items(self):
        for bad in ["FETCH 1 (FLAGS BOGUS)", "FETCH 1 BODY[HEADER.FIELDS]",
                    "FETCH 1 BODY[0]", "FETCH 1 BODY[]<1>",
                    "FETCH 1 BODY[]<a.1>", "FETCH 1 BINARY[TEXT]",
                    "FETCH 1 BODY[1.2.3.HEADERS]"]:
            r = self.c.cmd(bad)
            if self.target == "dovecot" and r.ok and bad in (
                    "FETCH 1 BODY[0]", "FETCH 1 BODY[]<1>",
                    "FETCH 1 BINARY[TEXT]"):
                # Dovecot takes part 0 as 1, and a partial without a
                # length; RFC 9051's grammar has nz-number for parts and
                # "<" number "." nz-number ">" for partials; BINARY takes
                # only [section-part]
                continue
            self.assertEqual(r.status, "BAD", (bad, r))
        self.assertOK(self.c.cmd("NOOP"))

    def test_preview(self):
        self.require_cap(self.c, "PREVIEW")
        d = self.f("PREVIEW")
        pv = d[b"PREVIEW"]
        self.assertIsNotNone(pv)
        self.assertTrue(pv.startswith(b"Hello Joe, do you think"), pv)
        self.assertLessEqual(len(pv.decode("utf-8")), 256)
        self.assertNotIn(b"\\SEEN", self.flags())

    def test_savedate(self):
        self.require_cap(self.c, "SAVEDATE")
        d = self.f("SAVEDATE")
        sd = d[b"SAVEDATE"]
        if sd is not None:
            import time
            self.assertLess(abs(msproto.internaldate(sd) - time.time()), 300)

    def test_objectid(self):
        self.require_cap(self.c, "OBJECTID")
        d = self.f("(EMAILID THREADID)")
        eid = d[b"EMAILID"]
        self.assertIsInstance(eid, list)
        self.assertRegex(eid[0], rb"^[A-Za-z0-9_-]{1,255}$")
        d2 = self.f("(EMAILID)", "2")
        self.assertNotEqual(d2[b"EMAILID"], eid)
        # COPY keeps the EMAILID (RFC 8474 5.1), MAILBOXID in STATUS
        self.c.ok("CREATE oid")
        self.c.ok("COPY 1 oid")
        r = self.c.ok("STATUS oid (MAILBOXID)")
        self.assertTrue(re.search(rb"MAILBOXID \([A-Za-z0-9_-]+\)",
                                  r.untagged[0]), r)
        self.c.ok("SELECT oid")
        self.assertEqual(self.f("EMAILID")[b"EMAILID"], eid)


if __name__ == "__main__":
    unittest.main()
