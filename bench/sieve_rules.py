#!/usr/bin/env python3
"""sieve_rules.py -- the 50-rule Sieve script of bench/run.py's `sieve`
workload, written the way a web form (Roundcube's managesieve plugin and
the like) writes one: a require line, then one "# rule:[name]" comment and
one if-block per rule, tests header :contains, address :domain / :is /
:localpart, size, exists, anyof and allof; actions fileinto :create into
ten folders, addflag, and stop in some rules.

Deterministic (no randomness): the same text every time.  Against the
LMTP workloads' message (bench/run.py lmtp32k.eml: From
alice49@example.org, To bob76@mail.example.net, Subject "Réunion du
comité" in RFC 2047, ~32 KB, no list headers) every rule but one fails,
so for most recipients all 50 rules are evaluated and the message ends in
INBOX by the implicit keep.  The one that can match (MATCH_RULE, near the
end) tests a header of that message (From's domain example.org) and the
envelope recipient's local part ending in "0": for the 100 users
sv1..sv100 that is one in ten (sv10, sv20, ..., sv100), whose messages go
to MATCH_FOLDER and stop there.

    python3 bench/sieve_rules.py          # print the script
"""

FOLDERS = ["Lists", "Newsletters", "Work", "Family", "Receipts", "Social",
           "Travel", "Bank", "Projects", "Archive"]
MATCH_FOLDER = "Projects"
MATCH_RULE = 45           # 0-based position of the rule that can match
NRULES = 50

# words, domains and addresses none of which the benchmark message has
WORDS = ["invoice", "receipt", "order confirmation", "shipping", "webinar",
         "sale", "discount", "flight", "booking", "hotel", "statement",
         "payment due", "password reset", "newsletter", "unsubscribe",
         "weekly digest", "security alert", "pull request", "build failed",
         "birthday", "dinner", "vacation photos", "renewal", "tax"]
DOMAINS = ["shop.example", "bank.example", "airline.example",
           "social.example", "forge.example", "school.example",
           "insurance.example", "news.example", "club.example",
           "travel.example", "lists.example", "cloud.example"]
LISTS = ["announce.lists.example", "dev.forge.example",
         "users.project.example", "chess.club.example",
         "parents.school.example", "jobs.lists.example"]
PEOPLE = ["mom@family.example", "dad@family.example",
          "boss@corp.example", "hr@corp.example", "coach@club.example",
          "landlord@homes.example"]
LOCALPARTS = ["sales", "billing", "noreply", "support", "info", "team"]


def _rule(i):
    """(name, test, actions) of rule i (0-based)."""
    f = FOLDERS[i % len(FOLDERS)]
    w = WORDS[i % len(WORDS)]
    d = DOMAINS[i % len(DOMAINS)]
    fi = 'fileinto :create "%s";' % f
    k = i % 8
    if k == 0:
        return ("Subject %s" % w, 'header :contains "subject" "%s"' % w,
                [fi])
    if k == 1:
        return ("From %s" % d, 'address :domain :is "from" "%s"' % d,
                [fi, "stop;"])
    if k == 2:
        lst = LISTS[i % len(LISTS)]
        return ("List %s" % lst,
                'anyof (header :contains "list-id" "%s", '
                'header :contains "x-mailing-list" "%s", '
                'address :domain :is "sender" "%s")' % (lst, lst, d),
                [fi, "stop;"])
    if k == 3:
        p = PEOPLE[i % len(PEOPLE)]
        return ("Flag %s about %s" % (p, w),
                'allof (address :is "from" "%s", '
                'header :contains "subject" "%s")' % (p, w),
                ['addflag "\\\\Flagged";', fi])
    if k == 4:
        mb = 5 + i
        return ("Big mail over %d MB" % mb, "size :over %dM" % mb,
                ['fileinto :create "Archive";'])
    if k == 5:
        lp = LOCALPARTS[i % len(LOCALPARTS)]
        return ("To %s@" % lp,
                'address :localpart :is ["to", "cc"] "%s"' % lp, [fi])
    if k == 6:
        hdr, val = [("x-priority", "1"), ("importance", "high"),
                    ("x-spam-flag", "YES")][i % 3]
        acts = ['addflag "\\\\Flagged";'] if hdr != "x-spam-flag" else \
            ['fileinto :create "Archive";', "stop;"]
        return ("%s %s" % (hdr, val),
                'allof (exists "%s", header :is "%s" "%s")' % (hdr, hdr,
                                                                val), acts)
    ws = [WORDS[(i + j) % len(WORDS)] for j in (3, 7, 11)]
    return ("Subject any of %s" % ", ".join(ws),
            'header :contains "subject" [%s]' % ", ".join(
                '"%s"' % x for x in ws), [fi])


def script(nrules=NRULES):
    """The script's text (str, CRLF line ends as ManageSieve clients send
    them)."""
    out = ['require ["fileinto", "imap4flags", "mailbox", "envelope"];']
    for i in range(nrules):
        if i == MATCH_RULE:
            name = "Team mail from example.org"
            test = ('allof (address :domain :is "from" "example.org", '
                    'envelope :localpart :matches "to" "*0")')
            acts = ['fileinto :create "%s";' % MATCH_FOLDER, "stop;"]
        else:
            name, test, acts = _rule(i)
        out.append("# rule:[%s]" % name)
        out.append("if %s" % test)
        out.append("{")
        out += ["\t" + a for a in acts]
        out.append("}")
    return "\r\n".join(out) + "\r\n"


def matches(localpart):
    """True when the script files a message to this recipient (local
    part) into MATCH_FOLDER."""
    return localpart.endswith("0")


if __name__ == "__main__":
    import sys
    sys.stdout.write(script().replace("\r\n", "\n"))
