#!/usr/bin/env python3
"""gen_mail.py -- a deterministic generator of realistic mail for benchmarks.

Same seed, same count, same profile: byte-identical messages, so msgstored
and Dovecot are always measured on the same data.

Profiles:
  small      1-16 KiB (mailboxes of 20,000-100,000 messages: FLAGS,
             ENVELOPE, SEARCH workloads)
  realistic  1 KiB - 10 MiB with the size mix of a real mailbox (FETCH
             of full bodies, POP3 RETR)

Messages have plain text, multipart/alternative (text + HTML), attachments
(base64), non-ASCII headers (RFC 2047, UTF-8 and ISO-8859-1 bodies), reply
headers, mailing-list headers.  One message in 100 carries the word
NEEDLE_WORD in its body (SEARCH TEXT finds count // 100 messages).

    gen_mail.py --count N [--profile P] [--seed S] --out DIR
writes DIR/000001.eml ... (CRLF line ends), skipping files that exist.
"""
import argparse
import base64
import os
import random

NEEDLE_WORD = "zanzibarquux"

WORDS = ("the of and to in is that for it as was with be by on not he this "
         "are or his from at which but have an they you were her she there "
         "been one all would their we him when who more no if out so said "
         "what up its about into than them can only other new some could "
         "time these two may then do first any my now such like our over "
         "man me even most made after also did many before must through back "
         "years where much your way well down should because each just those "
         "people how too little state good very make world still own see men "
         "work long get here between both life being under never day same "
         "another know while last might us great old year off come since "
         "against go came right used take three quarterly report budget "
         "meeting schedule invoice project release server mailbox").split()
NAMES = ("Alice Martin", "Bob Dubois", "Chlo\u00e9 Lef\u00e8vre",
         "Dmitri \u0418\u0432\u0430\u043d\u043e\u0432", "Eve Smith",
         "Fran\u00e7ois M\u00fcller", "Grace Hopper", "Hiro \u5c71\u7530",
         "Ingrid Bergstr\u00f6m", "Jos\u00e9 Garc\u00eda")
DOMAINS = ("example.org", "example.com", "mail.example.net", "lists.example.org")
SUBJECTS = ("Quarterly report", "Re: meeting tomorrow", "Invoice %d",
            "R\u00e9union du comit\u00e9", "Fwd: project release",
            "\u041e\u0442\u0447\u0451\u0442 \u0437\u0430 \u043c\u0435\u0441\u044f\u0446",
            "[dev] build failure on %d", "Lunch?", "Your order %d has shipped",
            "\u4f1a\u8b70\u306e\u304a\u77e5\u3089\u305b")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def enc_word(s):
    """RFC 2047 B-encoding when s is not ASCII."""
    try:
        s.encode("ascii")
        return s
    except UnicodeEncodeError:
        return "=?UTF-8?B?%s?=" % base64.b64encode(s.encode()).decode()


def addr(rnd):
    name = rnd.choice(NAMES)
    local = name.split()[0].lower().encode("ascii", "ignore").decode() or "user"
    return '%s <%s%d@%s>' % (enc_word(name), local, rnd.randrange(100),
                             rnd.choice(DOMAINS))


def text(rnd, nbytes, needle):
    out, n = [], 0
    while n < nbytes:
        line = " ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(6, 14)))
        out.append(line)
        n += len(line) + 2
    if needle:
        out.insert(len(out) // 2, "the code word is %s today" % NEEDLE_WORD)
    return "\r\n".join(out) + "\r\n"


def size_for(rnd, profile):
    if profile == "small":
        return rnd.randrange(1024, 16384)
    r = rnd.random()
    if r < 0.70:
        return rnd.randrange(1024, 8192)
    if r < 0.90:
        return rnd.randrange(8192, 65536)
    if r < 0.98:
        return rnd.randrange(65536, 1 << 20)
    return rnd.randrange(1 << 20, 10 << 20)


def headers(rnd, i, subject):
    t = 1700000000 + i * 97
    lt = __import__("time").gmtime(t)
    date = "%s, %d %s %d %02d:%02d:%02d +0000" % (
        DAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year,
        lt.tm_hour, lt.tm_min, lt.tm_sec)
    h = ["Return-Path: <bounce%d@example.org>" % i,
         "Received: from mx.example.org (mx.example.org [192.0.2.%d])\r\n"
         "\tby mail.example.com with ESMTPS id %08x; %s" % (i % 250, i, date),
         "From: " + addr(rnd), "To: " + addr(rnd)]
    if rnd.random() < 0.3:
        h.append("Cc: %s, %s" % (addr(rnd), addr(rnd)))
    h += ["Subject: " + enc_word(subject), "Date: " + date,
          "Message-ID: <%d.%08x@example.org>" % (i, rnd.getrandbits(32))]
    if rnd.random() < 0.4:
        h.append("In-Reply-To: <%d.0@example.org>" % max(1, i - 3))
    if rnd.random() < 0.2:
        h += ["List-Id: Developers <dev.lists.example.org>",
              "Precedence: list"]
    h.append("MIME-Version: 1.0")
    return h


def message(i, profile, seed):
    rnd = random.Random((seed << 32) ^ i)
    subj = rnd.choice(SUBJECTS)
    if "%d" in subj:
        subj = subj % i
    size = size_for(rnd, profile)
    needle = i % 100 == 7
    h = headers(rnd, i, subj)
    kind = rnd.random()
    if size <= 16384 and kind < 0.5:
        if rnd.random() < 0.2:
            body = text(rnd, size, needle).encode("latin-1", "replace")
            h.append("Content-Type: text/plain; charset=ISO-8859-1")
            h.append("Content-Transfer-Encoding: 8bit")
            return ("\r\n".join(h) + "\r\n\r\n").encode() + body
        h.append("Content-Type: text/plain; charset=UTF-8")
        return ("\r\n".join(h) + "\r\n\r\n" + text(rnd, size, needle)).encode()
    b = "----=_Part_%d_%d" % (i, rnd.getrandbits(24))
    txt = text(rnd, min(size, 4000), needle)
    html = "<html><body><p>" + txt.replace("\r\n", "</p>\r\n<p>") + "</p></body></html>\r\n"
    parts = ["Content-Type: text/plain; charset=UTF-8\r\n\r\n" + txt,
             "Content-Type: text/html; charset=UTF-8\r\n\r\n" + html]
    alt_b = b + "_alt"
    alt = ("Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n" % alt_b +
           "".join("--%s\r\n%s" % (alt_b, p) for p in parts) + "--%s--\r\n" % alt_b)
    rest = size - len(alt)
    if rest < 2048:
        h.append("Content-Type: multipart/alternative; boundary=\"%s\"" % alt_b)
        return ("\r\n".join(h) + "\r\n\r\n" +
                "".join("--%s\r\n%s" % (alt_b, p) for p in parts) +
                "--%s--\r\n" % alt_b).encode()
    raw = rnd.getrandbits(8 * (rest * 3 // 4)).to_bytes(rest * 3 // 4, "little")
    att = base64.encodebytes(raw).decode().replace("\n", "\r\n")
    fname = rnd.choice(("report.pdf", "photo.jpg", "data.xlsx", "r\u00e9sum\u00e9.docx"))
    attp = ("Content-Type: application/octet-stream; name=\"%s\"\r\n"
            "Content-Disposition: attachment; filename*=UTF-8''%s\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s" % (
                enc_word(fname), "".join(c if c.isascii() else "%%%02X" % c.encode()[0] for c in fname), att))
    h.append("Content-Type: multipart/mixed; boundary=\"%s\"" % b)
    body = "This is a multi-part message in MIME format.\r\n" + \
        "--%s\r\n%s--%s\r\n%s--%s--\r\n" % (b, alt, b, attp, b)
    return ("\r\n".join(h) + "\r\n\r\n" + body).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--profile", choices=("small", "realistic"), default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for i in range(1, a.count + 1):
        p = os.path.join(a.out, "%06d.eml" % i)
        if os.path.exists(p):
            continue
        with open(p + ".tmp", "wb") as f:
            f.write(message(i, a.profile, a.seed))
        os.rename(p + ".tmp", p)


if __name__ == "__main__":
    main()
