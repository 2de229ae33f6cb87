#!/usr/bin/env python3
"""run.py -- protocol benchmarks, msgstored and Dovecot side by side.

`make bench` runs this.  It starts a private msgstored and a private
Dovecot from Debian's packages (test/proto/msproto.py: loopback ports,
their own configuration, Dovecot with mail_fsync = always), gives both the
same user and the same generated mail (bench/gen_mail.py), then runs each
workload against the two servers in alternation, --runs times, and prints
one table: workload, msgstored median, Dovecot median, ratio (how many
times faster msgstored is; for memory, how many times smaller).

The load generators are bench/bench_imap, bench/bench_lmtp and
bench/bench_pop3 (C); they check every response and a run with an error
aborts the benchmark.  Mail is generated once into --data (kept between
runs) and loaded into each server fresh: msgstored through the store's
durable append path (bench_fill), Dovecot as Maildir files it indexes on
the first, untimed, SELECT (or POP3 session).  Timed runs are warm.

Delivery (lmtp1, lmtp8): one ~32 KB message (--data/lmtp32k.eml) is
delivered --lmtp-msgs times over 1 or 8 LMTP connections, round robin to
100 users, after an untimed warm-up that gives every user one message.

    bench/run.py --bin build/bin --bench-bin build/bench [--runs 5]
                 [--quick] [--only select20k,envelope,lmtp8,pop3retr,...]

Mixed IMAP load (mixed): --mixed-clients sessions (20; --quick 8), each
on an account of its own (mx1..mxN@localhost) whose INBOX holds 2,000
messages of the "small" set, pick operations at random (bench_imap
`mixed`: SELECT, FETCH FLAGS ENVELOPE, FETCH BODY.PEEK[], STORE, APPEND,
STORE \Deleted + EXPUNGE, IDLE + DONE, NOOP) for --mixed-seconds (20;
--quick 8), the same seed for both servers; operations per second.

Delivery as the store grows (growth): accounts g1..gN@localhost are made
in steps (1,000, 10,000, 100,000; --quick stops at 10,000); msgstored's
with bench_fill `accounts` (the C API, 8 threads, cheap password hashes
for these users only), Dovecot's as one passwd-file write.  Each new
account gets one small message (untimed), then --lmtp-msgs 32 KB messages
go over 8 connections to recipients drawn at random (fixed seed) from all
N accounts; then the same load to recipients drawn from the first 1,000
accounts only (one untimed run first): the store grows, the working set
does not.  Each server is grown and measured back to back (not in
alternation): at 100,000 accounts both stores' small files no longer
fit the page cache together, and alternation would measure one warm and
the other cold.

Delivery through a 50-rule Sieve script (sieve): the script of
bench/sieve_rules.py (what a web form writes: header/address/size tests,
anyof/allof, fileinto :create into ten folders, addflag, stop; for the
LMTP message every rule fails but one, which files one recipient in ten
into a folder) is the active script of 100 users sv1..sv100@localhost on
both servers (`msgstore sieve put/activate`; Pigeonhole's ~/sieve and
~/.dovecot.sieve).  Each run delivers --lmtp-msgs messages over 8
connections to lm1..lm100 (no script) and to sv1..sv100 (the script),
in alternating order; the rows are the rate with the script, per
server the rate with / without, and the server's CPU per message with /
without (its process tree's, from /proc: steadier than the rates on a
busy machine).  Afterwards IMAP checks on both servers that the
matching users' messages are in the folder and the others' in INBOX.
Only when both servers run Sieve (Dovecot needs dovecot-sieve).

Workloads: select20k select100k envelope bodies search idle idle10k
lmtp1 lmtp8 sieve pop3retr pop3pipe mixed growth.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "test", "proto"))
import msproto  # noqa: E402
sys.path.insert(0, HERE)
import sieve_rules  # noqa: E402

SEARCH_WORD = "zanzibarquux"    # bench/gen_mail.py NEEDLE_WORD


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def gen(data, name, count, profile):
    d = os.path.join(data, name)
    if not os.path.exists(os.path.join(d, "%06d.eml" % count)):
        log("generating %d %s messages into %s" % (count, profile, d))
        subprocess.run([sys.executable, os.path.join(HERE, "gen_mail.py"),
                        "--count", str(count), "--profile", profile,
                        "--out", d], check=True)
    return d


def fill_msgstored(srv, bench_bin, user, mbox, d, count):
    t = time.time()
    subprocess.run([os.path.join(bench_bin, "bench_fill"), "-c", srv.conf,
                    user.name, mbox, d, "1", str(count)], check=True)
    log("msgstored: %d messages into %s in %.1f s" % (count, mbox,
                                                       time.time() - t))


def fill_dovecot(dc, user, mbox, d, count):
    """Maildir files with the same internal dates and \\Seen flags."""
    home = os.path.join(dc.dir, "mail", user.name, "Maildir")
    box = home if mbox == "INBOX" else os.path.join(home, mbox)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(box, sub), exist_ok=True)
    for n in range(1, count + 1):
        src = os.path.join(d, "%06d.eml" % n)
        size = os.path.getsize(src)
        flags = "S" if n % 3 == 0 else ""
        dst = os.path.join(box, "cur", "%d.M%dP1.bench,S=%d:2,%s" % (
            1700000000 + 97 * n, n, size, flags))
        shutil.copyfile(src, dst)
        t = 1700000000 + 97 * n
        os.utime(dst, (t, t))
    if os.geteuid() == 0:
        for root, dirs, files in os.walk(os.path.join(dc.dir, "mail")):
            for x in dirs + files:
                os.chown(os.path.join(root, x), dc.uid, dc.gid)
            os.chown(root, dc.uid, dc.gid)
    log("dovecot: %d messages into %s" % (count, mbox))


def run_client(bench_bin, srv, user, args, runs):
    cmd = [os.path.join(bench_bin, "bench_imap"),
           "%s:%d" % (srv.host, srv.port), user.name, user.password] + \
        args + ["--repeat", str(runs)]
    r = subprocess.run(cmd, capture_output=True, timeout=3600)
    out = r.stdout.decode()
    if r.returncode != 0:
        raise SystemExit("bench: %s failed on %s:\n%s%s" % (
            " ".join(args), srv.name, out, r.stderr.decode()))
    return [float(x[3:]) for x in out.split() if x.startswith("ms=")]


LMTP_USERS = 100
MIXED_FMT, MIXED_PW = "mx%d@localhost", "mx-pw-%d"
MIXED_MSGS = 2000
GROWTH_FMT, GROWTH_PW = "g%d@localhost", "g-pw-%d"
GROWTH_HOT = 1000       # the fixed recipients of the growth workload
GROWTH_THREADS = 8
LMTP_FMT = "lm%d@localhost"
SIEVE_FMT, SIEVE_PW = "sv%d@localhost", "sv-pw-%d"
POP3_MSGS = 10000


def sample_message(data, leaf, profile, lo, hi, multipart):
    """The first message of bench/gen_mail.py's profile between lo and hi
    bytes (multipart/mixed or not multipart at all), its Return-Path
    removed as an MTA strips it before LMTP; written once into data."""
    path = os.path.join(data, leaf)
    if not os.path.exists(path):
        sys.path.insert(0, HERE)
        import gen_mail
        i = 1
        while True:
            m = gen_mail.message(i, profile, 1)
            if lo <= len(m) <= hi and \
                    (b"multipart/mixed" in m if multipart
                     else b"multipart" not in m):
                break
            i += 1
        if m.startswith(b"Return-Path:"):
            m = m.split(b"\r\n", 1)[1]
        os.makedirs(data, exist_ok=True)
        with open(path + ".tmp", "wb") as f:
            f.write(m)
        os.rename(path + ".tmp", path)
    return path


def lmtp_message(data):
    """The ~32 KB multipart message of the LMTP workloads."""
    return sample_message(data, "lmtp32k.eml", "realistic", 31000, 33000,
                          True)


def small_message(data):
    """A small (1-2 KB) plain message: what each new account of the
    growth workload gets first, untimed."""
    return sample_message(data, "lmtp1k.eml", "small", 1000, 2000, False)


def run_lmtp(bench_bin, srv, conns, count, msgfile, nusers=LMTP_USERS,
             fmt=LMTP_FMT, extra=()):
    """One bench_lmtp run: (ms, msgs, bytes)."""
    cmd = [os.path.join(bench_bin, "bench_lmtp"),
           "%s:%d" % (srv.host, srv.port_of("lmtp")), str(conns),
           str(count), str(nusers), fmt, msgfile] + list(extra)
    r = subprocess.run(cmd, capture_output=True, timeout=3600)
    out = r.stdout.decode()
    if r.returncode != 0:
        raise SystemExit("bench: lmtp %d conns failed on %s:\n%s%s\n%s" % (
            conns, srv.name, out, r.stderr.decode(), srv.log_tail(20)))
    kv = dict(x.split("=", 1) for x in out.split() if "=" in x)
    return float(kv["ms"]), int(kv["msgs"]), int(kv["bytes"])


def run_pop3(bench_bin, srv, user, count, window):
    """One bench_pop3 session: ms of STAT + RETR 1..count."""
    cmd = [os.path.join(bench_bin, "bench_pop3"),
           "%s:%d" % (srv.host, srv.port_of("pop3")), user.name,
           user.password, str(count), "--window", str(window)]
    r = subprocess.run(cmd, capture_output=True, timeout=3600)
    out = r.stdout.decode()
    if r.returncode != 0:
        raise SystemExit("bench: pop3 RETR failed on %s:\n%s%s\n%s" % (
            srv.name, out, r.stderr.decode(), srv.log_tail(20)))
    return [float(x[3:]) for x in out.split() if x.startswith("ms=")]


def add_users(s, pairs):
    """Accounts on one server: Dovecot's in one passwd write."""
    if hasattr(s, "add_users"):
        return s.add_users(pairs)
    return [s.add_user(n, p) for n, p in pairs]


def proc_tree(pid):
    """pid and all its descendants."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def cpu_seconds(pid):
    """User + system CPU seconds of the server's process tree so far:
    each live process's own and its reaped children's (a service
    process that has exited is counted by the parent that reaped it)."""
    total = 0
    for p in proc_tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                v = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in v[11:15])
        except (OSError, IndexError, ValueError):
            pass
    return total / float(os.sysconf("SC_CLK_TCK"))


def memory_kib(pid):
    """Sum of RSS and of PSS over the server's process tree, in KiB."""
    rss = pss = 0
    for p in proc_tree(pid):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def idle_memory(bench_bin, srv, user, conns):
    """KiB of RSS and PSS per logged-in IDLE connection."""
    before = memory_kib(srv.proc.pid)
    cmd = [os.path.join(bench_bin, "bench_imap"),
           "%s:%d" % (srv.host, srv.port), user.name, user.password,
           "idle", "INBOX", str(conns)]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode().strip()
    if line != "ready":
        p.kill()
        raise SystemExit("bench: idle %d on %s: %s %s" % (
            conns, srv.name, line, p.stdout.read().decode()))
    time.sleep(2)
    during = memory_kib(srv.proc.pid)
    p.stdin.write(b"\n")
    p.stdin.close()
    p.wait(timeout=120)
    return ((during[0] - before[0]) / conns, (during[1] - before[1]) / conns)


def dovecot_for_load(dc):
    """The test harness's Dovecot allows 1,000 connections per user and
    IP; the IDLE workloads open more, each an imap process of its own."""
    with open(dc.conf) as f:
        conf = f.read()
    conf = conf.replace("mail_max_userip_connections = 1000",
                        "mail_max_userip_connections = 30000")
    conf += ("default_process_limit = 12000\n"
             "default_client_limit = 30000\n"
             "service imap {\n  process_limit = 12000\n}\n")
    with open(dc.conf, "w") as f:
        f.write(conf)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(TOP, "build", "bin"))
    ap.add_argument("--bench-bin", default=os.path.join(TOP, "build", "bench"))
    ap.add_argument("--data", default=os.path.join(TOP, "build", "benchdata"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true",
                    help="smaller mailboxes, fewer connections and messages")
    ap.add_argument("--lmtp-msgs", type=int, default=0,
                    help="messages per LMTP run (2,000; --quick 500)")
    ap.add_argument("--only", default="")
    ap.add_argument("--mixed-clients", type=int, default=0,
                    help="mixed: concurrent sessions (20; --quick 8)")
    ap.add_argument("--mixed-seconds", type=int, default=0,
                    help="mixed: seconds per run (20; --quick 8)")
    ap.add_argument("--seed", type=int, default=7,
                    help="mixed, growth: the random sequences' seed")
    ap.add_argument("--growth-sizes", default="",
                    help="growth: account counts (1000,10000,100000; "
                    "--quick 1000,10000)")
    a = ap.parse_args()
    a.bin, a.bench_bin = os.path.abspath(a.bin), os.path.abspath(a.bench_bin)
    # 10,000 client sockets here; the server raises its own limit
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (200000, max(hard, 200000)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    big = 20000 if a.quick else 100000
    lmtp_msgs = a.lmtp_msgs or (500 if a.quick else 2000)
    only = set(x for x in a.only.split(",") if x)
    want = lambda w: not only or w in only  # noqa: E731
    # the mailboxes of bench@localhost each IMAP workload reads
    imap_boxes = {"select20k": "INBOX", "envelope": "INBOX",
                  "idle": "INBOX", "idle10k": "INBOX", "select100k": "Big",
                  "search": "Ten", "bodies": "Real"}
    need = set(b for w, b in imap_boxes.items() if want(w))
    pop3 = [w for w in ("pop3retr", "pop3pipe") if want(w)]
    lmtp = [w for w in ("lmtp1", "lmtp8") if want(w)]
    sieve = want("sieve")
    mixed_n = (a.mixed_clients or (8 if a.quick else 20)) \
        if want("mixed") else 0
    sizes = {}
    if need & {"INBOX", "Big", "Ten"} or pop3 or mixed_n:
        sizes["small"] = gen(a.data, "small",
                             big if "Big" in need else
                             max(20000 if "INBOX" in need else 0,
                                 POP3_MSGS if pop3 else 0, MIXED_MSGS),
                             "small")
    if "Real" in need:
        sizes["real"] = gen(a.data, "real", 1000, "realistic")
    msgfile = lmtp_message(a.data) if lmtp or sieve or want("growth") \
        else None

    mss = msproto.Server(binary=os.path.join(a.bin, "msgstored"),
                         cli=os.path.join(a.bin, "msgstore"),
                         extra_set=["server.max_connections=30000",
                                    "server.max_unauth=30000",
                                    "server.max_unauth_per_ip=30000",
                                    "log.level=warn"])
    dc = msproto.Dovecot()
    dovecot_for_load(dc)
    servers = (mss, dc)
    rows = []
    try:
        users, popu = {}, {}
        for s in servers:
            pairs = [("bench@localhost", "bench-pw-1")]
            if pop3:
                pairs.append(("pop@localhost", "pop-pw-1"))
            if lmtp or sieve:
                pairs += [(LMTP_FMT % (i + 1), "lm-pw-%d" % (i + 1))
                          for i in range(LMTP_USERS)]
            if sieve:
                pairs += [(SIEVE_FMT % (i + 1), SIEVE_PW % (i + 1))
                          for i in range(LMTP_USERS)]
            pairs += [(MIXED_FMT % (i + 1), MIXED_PW % (i + 1))
                      for i in range(mixed_n)]
            t = time.time()
            made = add_users(s, pairs)
            log("%s: %d accounts in %.1f s" % (s.name, len(made),
                                                time.time() - t))
            users[s.name] = made[0]
            if pop3:
                popu[s.name] = made[1]
        boxes = [x for x in (("INBOX", "small", 20000), ("Big", "small", big),
                             ("Ten", "small", 10000), ("Real", "real", 1000))
                 if x[0] in need]
        for mbox, kind, count in boxes:
            fill_msgstored(mss, a.bench_bin, users[mss.name], mbox,
                           sizes[kind], count)
            fill_dovecot(dc, users[dc.name], mbox, sizes[kind], count)
        if pop3:
            fill_msgstored(mss, a.bench_bin, popu[mss.name], "INBOX",
                           sizes["small"], POP3_MSGS)
            fill_dovecot(dc, popu[dc.name], "INBOX", sizes["small"],
                         POP3_MSGS)
        for i in range(mixed_n):
            mu = {s.name: msproto.User(MIXED_FMT % (i + 1),
                                       MIXED_PW % (i + 1)) for s in servers}
            fill_msgstored(mss, a.bench_bin, mu[mss.name], "INBOX",
                           sizes["small"], MIXED_MSGS)
            fill_dovecot(dc, mu[dc.name], "INBOX", sizes["small"],
                         MIXED_MSGS)
        for s in servers:
            s.start()
        for s in servers:   # warm-up: Dovecot indexes its Maildirs here
            for mbox, kind, count in boxes:
                run_client(a.bench_bin, s, users[s.name],
                           ["select_flags", mbox, str(count)], 1)
        work = [
            ("select20k", "SELECT + UID FETCH 1:* (FLAGS), 20,000 msgs, ms",
             ["select_flags", "INBOX", "20000"]),
            ("select100k", "SELECT + UID FETCH 1:* (FLAGS), {:,} msgs, ms".format(big),
             ["select_flags", "Big", str(big)]),
            ("envelope", "FETCH 1:* (ENVELOPE), 20,000 msgs, ms",
             ["envelope", "INBOX", "20000"]),
            ("bodies", "FETCH 1:1000 BODY.PEEK[] (1 KB-10 MB mix), ms",
             ["bodies", "Real", "1000"]),
            ("search", "SEARCH TEXT (one word, 1 % hits), 10,000 msgs, ms",
             ["search", "Ten", SEARCH_WORD, str(10000 // 100)]),
        ]
        for key, label, args in work:
            if not want(key):
                continue
            res = {s.name: [] for s in servers}
            for _ in range(a.runs):
                for s in servers:
                    res[s.name] += run_client(a.bench_bin, s, users[s.name],
                                              args, 1)
            m, d = (statistics.median(res[mss.name]),
                    statistics.median(res[dc.name]))
            rows.append((label, "%.1f" % m, "%.1f" % d, "%.2fx" % (d / m)))
            log("%s: msgstored %s, dovecot %s" % (key, res[mss.name],
                                                   res[dc.name]))
        rows += bench_lmtp(a, servers, lmtp, lmtp_msgs, msgfile)
        if sieve:
            rows += bench_sieve(a, servers, lmtp_msgs, msgfile)
        rows += bench_pop3(a, servers, pop3, popu)
        rows += bench_mixed(a, servers, mixed_n)
        if want("growth"):
            rows += bench_growth(a, servers, msgfile)
        if want("idle"):
            n = 500 if a.quick else 2000
            mem = {s.name: idle_memory(a.bench_bin, s, users[s.name], n)
                   for s in servers}
            for i, what in ((0, "RSS"), (1, "PSS")):
                m, d = mem[mss.name][i], mem[dc.name][i]
                rows.append(("%s KiB per IDLE connection (%d conns)" % (
                    what, n), "%.1f" % m, "%.1f" % d,
                    "%.1fx" % (d / m) if m > 0 else "-"))
        if want("idle10k") and not a.quick:
            t = time.time()
            try:
                idle_memory(a.bench_bin, mss, users[mss.name], 10000)
                held = "held, %.0f s to open" % (time.time() - t)
            except SystemExit as e:
                log(str(e))
                held = "not held: open-file limit %d (%s)" % (
                    resource.getrlimit(resource.RLIMIT_NOFILE)[1],
                    str(e).strip().splitlines()[-1][:60])
            rows.append(("10,000 concurrent IDLE connections", held, "-",
                         "-"))
    finally:
        for s in servers:
            s.cleanup()
    print("| workload | msgstored | Dovecot | ratio |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print("| %s | %s | %s | %s |" % r)


def bench_lmtp(a, servers, which, count, msgfile):
    """LMTP delivery rows: messages/s and MB/s, medians of --runs."""
    rows = []
    if not which:
        return rows
    for s in servers:
        if s.port_of("lmtp") is None:
            log("%s serves no LMTP: delivery not measured" % s.name)
            return rows
    for s in servers:   # untimed: a message for each user (Maildirs made)
        run_lmtp(a.bench_bin, s, 8, LMTP_USERS, msgfile)
    size = os.path.getsize(msgfile)
    mss, dc = servers
    for key in which:
        conns = 1 if key == "lmtp1" else 8
        res = {s.name: [] for s in servers}
        for _ in range(a.runs):
            for s in servers:
                ms, n, nbytes = run_lmtp(a.bench_bin, s, conns, count,
                                         msgfile)
                res[s.name].append(n / (ms / 1000.0))
        log("%s (%d msgs/run): msgs/s msgstored %s, dovecot %s" % (
            key, count, ["%.0f" % x for x in res[mss.name]],
            ["%.0f" % x for x in res[dc.name]]))
        m, d = (statistics.median(res[mss.name]),
                statistics.median(res[dc.name]))
        what = "LMTP delivery, %d connection%s, %d users, %.0f KB msgs" % (
            conns, "" if conns == 1 else "s", LMTP_USERS, size / 1000.0)
        rows.append((what + ", msgs/s", "%.0f" % m, "%.0f" % d,
                     "%.2fx" % (m / d)))
        rows.append((what + ", MB/s", "%.1f" % (m * size / 1e6),
                     "%.1f" % (d * size / 1e6), "%.2fx" % (m / d)))
    return rows


def per_user(count, k, nusers=LMTP_USERS):
    """Messages of one bench_lmtp run (round robin) that user k gets."""
    return count // nusers + (1 if k - 1 < count % nusers else 0)


def sieve_counts(srv, k):
    """(INBOX, MATCH_FOLDER) message counts of sv<k> over IMAP; the
    folder's is None when it does not exist."""
    im = msproto.imap_plain(srv)
    try:
        typ, d = im.login(SIEVE_FMT % k, SIEVE_PW % k)
        out = []
        for box in ("INBOX", sieve_rules.MATCH_FOLDER):
            typ, d = im.status('"%s"' % box, "(MESSAGES)")
            out.append(int(d[0].split(b"MESSAGES ")[1].rstrip(b")"))
                       if typ == "OK" else None)
        return tuple(out)
    finally:
        im.logout()


def sieve_log_errors(srv):
    """Lines of the server's log where Sieve reports a problem: any
    "sieve: " line of msgstored's (logging at warn here), Dovecot's
    "sieve: " lines of level Warning, Error or Fatal, or saying failed."""
    bad = []
    for line in srv.log_tail(1000000).splitlines():
        if "sieve: " not in line:
            continue
        low = line.lower()
        if srv.name == "msgstored" or any(
                w in low for w in ("error", "warning", "fatal", "fail")):
            bad.append(line)
    return bad


def bench_sieve(a, servers, count, msgfile):
    """LMTP delivery, 8 connections, to users whose active script is
    the 50-rule one and to users with none: rows of the rate with the
    script and of with / without per server, medians of --runs."""
    for s in servers:
        if s.port_of("lmtp") is None:
            log("%s serves no LMTP: sieve not measured" % s.name)
            return []
        if not s.has_sieve():
            log("%s cannot run Sieve (Dovecot: install dovecot-sieve): "
                "sieve not measured" % s.name)
            return []
    text = sieve_rules.script()
    for s in servers:
        t = time.time()
        for k in range(1, LMTP_USERS + 1):
            s.sieve_install(msproto.User(SIEVE_FMT % k, SIEVE_PW % k), text,
                            "rules")
        log("sieve: %s: the %d-rule script (%d bytes) active for %d users "
            "in %.1f s" % (s.name, sieve_rules.NRULES, len(text),
                           LMTP_USERS, time.time() - t))
    # untimed: a message for each user of both sets (Maildirs made, each
    # server's compiled form of the script made and cached)
    for s in servers:
        run_lmtp(a.bench_bin, s, 8, LMTP_USERS, msgfile)
        run_lmtp(a.bench_bin, s, 8, LMTP_USERS, msgfile, fmt=SIEVE_FMT)
    spot = [k for k in (10, 11, 57, 100) if k <= LMTP_USERS]
    before = {s.name: {k: sieve_counts(s, k) for k in spot}
              for s in servers}
    mss, dc = servers
    res = {(s.name, f): [] for s in servers for f in ("without", "with")}
    cpu = {(s.name, f): [] for s in servers for f in ("without", "with")}
    for run in range(a.runs):
        order = ("without", "with") if run % 2 == 0 else ("with", "without")
        for s in servers:
            for f in order:
                c0 = cpu_seconds(s.proc.pid)
                ms, n, _ = run_lmtp(a.bench_bin, s, 8, count, msgfile,
                                    fmt=SIEVE_FMT if f == "with"
                                    else LMTP_FMT)
                # the server's CPU per message: less noisy than the rate
                # on a shared machine (the client's CPU not counted)
                cpu[(s.name, f)].append((cpu_seconds(s.proc.pid) - c0) *
                                        1000.0 / n)
                res[(s.name, f)].append(n / (ms / 1000.0))
    # every delivery had its 250 (bench_lmtp checks each reply); now the
    # mail must be where the script put it, on both servers
    for s in servers:
        for k in spot:
            inbox0, box0 = before[s.name][k]
            inbox1, box1 = sieve_counts(s, k)
            got = a.runs * per_user(count, k)
            if sieve_rules.matches("sv%d" % k):
                ok = box0 is not None and box1 == box0 + got and \
                    inbox1 == inbox0
            else:
                ok = box1 is None and inbox1 == inbox0 + got
            log("sieve: %s: sv%d INBOX %s -> %s, %s %s -> %s (%d "
                "delivered)%s" % (s.name, k, inbox0, inbox1,
                                   sieve_rules.MATCH_FOLDER, box0, box1,
                                   got, "" if ok else ": WRONG"))
            if not ok:
                raise SystemExit("bench: sieve: %s filed sv%d's mail "
                                 "wrongly\n%s" % (s.name, k,
                                                   s.log_tail(20)))
        bad = sieve_log_errors(s)
        if bad:
            raise SystemExit("bench: sieve: %s logged Sieve errors:\n%s" % (
                s.name, "\n".join(bad[:20])))
    for s in servers:
        log("sieve (%d msgs/run): %s msgs/s without %s, with %s; server "
            "CPU ms/msg without %s, with %s" % (
                count, s.name,
                ["%.0f" % x for x in res[(s.name, "without")]],
                ["%.0f" % x for x in res[(s.name, "with")]],
                ["%.3f" % x for x in cpu[(s.name, "without")]],
                ["%.3f" % x for x in cpu[(s.name, "with")]]))
    med = {k: statistics.median(v) for k, v in res.items()}
    mcpu = {k: statistics.median(v) for k, v in cpu.items()}
    m, d = med[(mss.name, "with")], med[(dc.name, "with")]
    log("sieve: medians msgs/s without / with: msgstored %.0f / %.0f, "
        "dovecot %.0f / %.0f" % (med[(mss.name, "without")], m,
                                 med[(dc.name, "without")], d))
    return [("LMTP delivery, 8 connections, %d-rule Sieve script, msgs/s"
             % sieve_rules.NRULES, "%.0f" % m, "%.0f" % d,
             "%.2fx" % (m / d)),
            ("cost of the %d-rule script (delivery rate with / without)"
             % sieve_rules.NRULES,
             "%.2f" % (m / med[(mss.name, "without")]),
             "%.2f" % (d / med[(dc.name, "without")]), "-"),
            ("server CPU per message, %d-rule script / none, ms"
             % sieve_rules.NRULES,
             "%.3f / %.3f" % (mcpu[(mss.name, "with")],
                              mcpu[(mss.name, "without")]),
             "%.3f / %.3f" % (mcpu[(dc.name, "with")],
                              mcpu[(dc.name, "without")]),
             "%.2fx" % (mcpu[(dc.name, "with")] / mcpu[(mss.name, "with")])
             if mcpu[(mss.name, "with")] > 0 else "-")]


def run_mixed(bench_bin, srv, clients, seconds, seed):
    """One bench_imap mixed run: (ops/s, ops, per-operation counts)."""
    cmd = [os.path.join(bench_bin, "bench_imap"),
           "%s:%d" % (srv.host, srv.port), MIXED_FMT, MIXED_PW, "mixed",
           "INBOX", str(clients), str(seconds), str(seed)]
    r = subprocess.run(cmd, capture_output=True, timeout=seconds + 600)
    out = r.stdout.decode()
    if r.returncode != 0:
        raise SystemExit("bench: mixed failed on %s (a run with errors is "
                         "not a result):\n%s%s\n%s" % (
                             srv.name, out, r.stderr.decode()[-3000:],
                             srv.log_tail(20)))
    kv = dict(x.split("=", 1) for x in out.split() if "=" in x)
    return int(kv["ops"]) / (float(kv["ms"]) / 1000.0), kv


def bench_mixed(a, servers, clients):
    """The mixed IMAP load: operations per second, medians of --runs."""
    if not clients:
        return []
    seconds = a.mixed_seconds or (8 if a.quick else 20)
    for s in servers:   # untimed: Dovecot indexes the Maildirs here
        for i in range(clients):
            run_client(a.bench_bin, s, msproto.User(MIXED_FMT % (i + 1),
                                                    MIXED_PW % (i + 1)),
                       ["select_flags", "INBOX", str(MIXED_MSGS)], 1)
    mss, dc = servers
    res = {s.name: [] for s in servers}
    for run in range(a.runs):
        for s in servers:
            rate, kv = run_mixed(a.bench_bin, s, clients, seconds,
                                 a.seed + run)
            res[s.name].append(rate)
            log("mixed run %d on %s: %.0f ops/s (%s)" % (
                run + 1, s.name, rate, " ".join(
                    "%s=%s" % (k, v) for k, v in sorted(kv.items())
                    if k not in ("ms", "ops", "errors"))))
    log("mixed (%d clients, %d s): ops/s msgstored %s, dovecot %s" % (
        clients, seconds, ["%.0f" % x for x in res[mss.name]],
        ["%.0f" % x for x in res[dc.name]]))
    m, d = (statistics.median(res[mss.name]),
            statistics.median(res[dc.name]))
    return [("IMAP mixed load, %d clients x 2,000 msgs, %d s, ops/s" % (
        clients, seconds), "%.0f" % m, "%.0f" % d, "%.2fx" % (m / d))]


def grow_msgstored(srv, bench_bin, first, last):
    """Accounts first..last through the C API (bench_fill accounts):
    cheap PBKDF2 for these users only; the store work is the real one."""
    r = subprocess.run([os.path.join(bench_bin, "bench_fill"), "-c",
                        srv.conf, "--set", "auth.pbkdf2_iterations=1000",
                        "accounts", GROWTH_FMT.replace("%d", "%lu"),
                        GROWTH_PW.replace("%d", "%lu"), str(first),
                        str(last), str(GROWTH_THREADS)],
                       capture_output=True, timeout=7200)
    if r.returncode != 0:
        raise SystemExit("bench: bench_fill accounts failed:\n%s%s" % (
            r.stdout.decode(), r.stderr.decode()))


def bench_growth(a, servers, msgfile):
    """LMTP delivery (8 connections, 32 KB) at each store size."""
    for s in servers:
        if s.port_of("lmtp") is None:
            log("%s serves no LMTP: growth not measured" % s.name)
            return []
    sizes = [int(x) for x in a.growth_sizes.split(",") if x] or \
        ([1000, 10000] if a.quick else [1000, 10000, 100000])
    count = a.lmtp_msgs or (500 if a.quick else 2000)
    small = small_message(a.data)
    size = os.path.getsize(msgfile)
    mss, dc = servers
    rows, have, curve = [], 0, []
    for n in sizes:
        made = {}
        res = {s.name: [] for s in servers}
        hres = {s.name: [] for s in servers}
        # each server is grown and then measured right away, not in
        # alternation with the other: at 100,000 accounts the two stores'
        # small files outgrow the page cache together, and whichever had
        # just been grown would be measured warm and the other cold
        for s in servers:
            t = time.time()
            if s is mss:
                grow_msgstored(s, a.bench_bin, have + 1, n)
            else:
                add_users(s, [(GROWTH_FMT % i, GROWTH_PW % i)
                              for i in range(have + 1, n + 1)])
            made[s.name] = time.time() - t
            t = time.time()
            # untimed: each new account gets one small message
            run_lmtp(a.bench_bin, s, 8, n - have, small, n - have,
                     GROWTH_FMT, ["--first", str(have + 1)])
            log("growth: %s: accounts %d..%d made in %.1f s (%.0f/s), "
                "first messages in %.1f s" % (
                    s.name, have + 1, n, made[s.name],
                    (n - have) / made[s.name], time.time() - t))
            for run in range(a.runs):
                ms, k, _ = run_lmtp(a.bench_bin, s, 8, count, msgfile, n,
                                    GROWTH_FMT,
                                    ["--random", str(a.seed * 1000003 +
                                                     n + run)])
                res[s.name].append(k / (ms / 1000.0))
            # the same load on a fixed set of GROWTH_HOT accounts (one
            # untimed run first): the store grows, the working set not
            hot = min(n, GROWTH_HOT)
            for run in range(a.runs + 1):
                ms, k, _ = run_lmtp(a.bench_bin, s, 8, count, msgfile, hot,
                                    GROWTH_FMT,
                                    ["--random", str(a.seed * 1000033 +
                                                     n + run)])
                if run > 0:
                    hres[s.name].append(k / (ms / 1000.0))
        log("growth at %d accounts (%d msgs/run): msgs/s msgstored %s, "
            "dovecot %s" % (n, count, ["%.0f" % x for x in res[mss.name]],
                            ["%.0f" % x for x in res[dc.name]]))
        m, d = (statistics.median(res[mss.name]),
                statistics.median(res[dc.name]))
        hm, hd = (statistics.median(hres[mss.name]),
                  statistics.median(hres[dc.name]))
        log("growth at %d accounts, recipients among %d: msgs/s msgstored "
            "%s, dovecot %s" % (n, min(n, GROWTH_HOT), ["%.0f" % x for x in
                                                      hres[mss.name]],
                                ["%.0f" % x for x in hres[dc.name]]))
        curve.append((n, m, d, hm, hd))
        rows.append(("LMTP delivery, 8 connections, %.0f KB msgs, random "
                     "recipients of {:,} accounts, msgs/s".format(n) %
                     (size / 1000.0), "%.0f" % m, "%.0f" % d,
                     "%.2fx" % (m / d)))
        rows.append(("LMTP delivery, 8 connections, random recipients "
                     "among {:,} of {:,} accounts, msgs/s".format(
                         min(n, GROWTH_HOT), n), "%.0f" % hm, "%.0f" % hd,
                     "%.2fx" % (hm / hd)))
        rows.append(("account creation, accounts %s..{:,}, s".format(n) %
                     "{:,}".format(have + 1),
                     "%.1f" % made[mss.name], "%.1f" % made[dc.name],
                     "-"))
        have = n
    if len(curve) > 1:      # flat means near 1.00
        (n0, m0, d0, hm0, hd0), (n1, m1, d1, hm1, hd1) = curve[0], curve[-1]
        rows.append(("delivery rate at {:,} / at {:,} accounts, random "
                     "recipients of all".format(n1, n0),
                     "%.2f" % (m1 / m0), "%.2f" % (d1 / d0), "-"))
        rows.append(("delivery rate at {:,} / at {:,} accounts, the same "
                     "{:,} recipients".format(n1, n0, GROWTH_HOT),
                     "%.2f" % (hm1 / hm0), "%.2f" % (hd1 / hd0), "-"))
    return rows


def bench_pop3(a, servers, which, popu):
    """POP3 rows: ms of STAT + RETR 1..10,000, medians of --runs."""
    rows = []
    if not which:
        return rows
    for s in servers:
        if s.port_of("pop3") is None:
            log("%s serves no POP3: RETR not measured" % s.name)
            return rows
    for s in servers:   # untimed: Dovecot indexes the Maildir here
        run_pop3(a.bench_bin, s, popu[s.name], POP3_MSGS, 1)
    mss, dc = servers
    for key in which:
        window = 1 if key == "pop3retr" else 16
        res = {s.name: [] for s in servers}
        for _ in range(a.runs):
            for s in servers:
                res[s.name] += run_pop3(a.bench_bin, s, popu[s.name],
                                        POP3_MSGS, window)
        log("%s: ms msgstored %s, dovecot %s" % (key, res[mss.name],
                                                 res[dc.name]))
        m, d = (statistics.median(res[mss.name]),
                statistics.median(res[dc.name]))
        rows.append(("POP3 STAT + RETR 1..{:,} (1-16 KiB), {}, ms".format(
            POP3_MSGS, "one at a time" if window == 1 else
            "%d pipelined" % window), "%.1f" % m, "%.1f" % d,
            "%.2fx" % (d / m)))
    return rows


if __name__ == "__main__":
    main()
