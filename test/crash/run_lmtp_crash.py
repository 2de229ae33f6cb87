#!/usr/bin/env python3
"""run_lmtp_crash.py -- delivery under SIGKILL (`make check-crash`).

Starts a private msgstored (test/proto/msproto.py) with an LMTP listener
and a few accounts, runs several LMTP clients that keep delivering
messages (one to three recipients each), `msgstore deliver` processes
that deliver one message each, and IMAP clients that read and flag mail
at the same time; for --seconds it SIGKILLs, at random moments, the
LMTP service, the IMAP service (the master restarts both) and some of
the deliver processes.  Every message carries a marker from which its
exact bytes can be rebuilt.

Then, with the server restarted cleanly:
  - `msgstore check` passes;
  - every (marker, recipient) that got a 250 after DATA (or a deliver
    process that exited 0) is in that recipient's INBOX exactly once;
  - UIDs in every INBOX are strictly increasing;
  - no marker is in any mailbox twice, and every stored message is whole
    (its bytes are exactly the message sent, after the delivery header).
A message whose reply was lost to a kill may be there or not: what the
MTA did not get a 250 for, it sends again.

Prints one line per check and "crash-lmtp: N passed, M failed"; exit
status non-zero on any failure.  Every process started is stopped by pid.
"""
import argparse
import hashlib
import imaplib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "proto"))
sys.dont_write_bytecode = True
import msproto  # noqa: E402

NUSERS = 6


def body_of(marker):
    """The message for a marker: deterministic, 200 B .. 200 KB."""
    h = hashlib.sha256(marker.encode()).digest()
    size = 200 + int.from_bytes(h[:4], "big") % 200000
    line = (hashlib.sha256(h).hexdigest() * 2)[:76].encode() + b"\r\n"
    body = (line * (size // len(line) + 1))[:size]
    body = body[:body.rfind(b"\r\n") + 2] if b"\r\n" in body else b"x\r\n"
    return (b"From: crash@example.org\r\nSubject: crash test\r\n"
            b"X-Marker: " + marker.encode() + b"\r\n\r\n" + body)


class Client(threading.Thread):
    def __init__(self, n, port, users, stop, seed):
        super().__init__(daemon=True)
        self.n, self.port, self.users, self.stop = n, port, users, stop
        self.rng = random.Random(seed)
        self.acked = []           # (marker, user name)
        self.sent = 0

    def reply(self, f):
        while True:
            ln = f.readline()
            if not ln:
                raise EOFError
            if ln[3:4] != b"-":
                return int(ln[:3])

    def one(self, seq):
        marker = "c%d-%d" % (self.n, seq)
        rcpts = self.rng.sample(self.users, self.rng.randint(1, 3))
        s = socket.create_connection(("127.0.0.1", self.port), 10)
        s.settimeout(20)
        f = s.makefile("rwb")
        try:
            self.reply(f)
            f.write(b"LHLO crash\r\nMAIL FROM:<c@example.org>\r\n")
            for u in rcpts:
                f.write(b"RCPT TO:<%s>\r\n" % u.name.encode())
            f.write(b"DATA\r\n")
            f.flush()
            codes = [self.reply(f) for _ in range(3 + len(rcpts))]
            if codes[-1] != 354:
                return
            ok = [u for u, c in zip(rcpts, codes[2:-1]) if c == 250]
            f.write(body_of(marker) + b".\r\n")
            f.flush()
            self.sent += 1
            for u in ok:
                if self.reply(f) == 250:
                    self.acked.append((marker, u.name))
        except (OSError, EOFError, ValueError):
            pass
        finally:
            s.close()

    def run(self):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            self.one(seq)


class Deliverer(threading.Thread):
    """`msgstore deliver` one message at a time; some are SIGKILLed."""

    def __init__(self, n, srv, users, stop, seed):
        super().__init__(daemon=True)
        self.n, self.srv, self.users, self.stop = n, srv, users, stop
        self.rng = random.Random(seed)
        self.acked = []
        self.killed = 0
        self.proc = None

    def run(self):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            marker = "d%d-%d" % (self.n, seq)
            u = self.rng.choice(self.users)
            self.proc = subprocess.Popen(
                [self.srv.cli, "-c", self.srv.conf, "deliver", u.name],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            kill = self.rng.random() < 0.3
            try:
                self.proc.stdin.write(body_of(marker))
                self.proc.stdin.close()
            except OSError:
                pass
            if kill:
                # at some point of its delivery (or before it started)
                time.sleep(self.rng.uniform(0, 0.015))
                self.proc.kill()
                self.killed += 1
            if self.proc.wait(60) == 0 and not kill:
                self.acked.append((marker, u.name))

    def halt(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Reader(threading.Thread):
    """An IMAP client reading and flagging mail while deliveries go on;
    a killed IMAP service costs it a reconnect."""

    def __init__(self, srv, users, stop, seed):
        super().__init__(daemon=True)
        self.srv, self.users, self.stop = srv, users, stop
        self.rng = random.Random(seed)
        self.ops = 0
        self.broken = []           # whole-message check failures

    def session(self):
        u = self.rng.choice(self.users)
        c = imaplib.IMAP4(self.srv.host, self.srv.port_of("imap"),
                          timeout=20)
        try:
            c.login(u.name, u.password)
            typ, d = c.select("INBOX")
            n = int(d[0])
            for _ in range(20):
                if self.stop.is_set() or n == 0:
                    break
                k = self.rng.randint(1, n)
                typ, d = c.fetch(str(k), "(BODY.PEEK[])")
                m = d[0][1] if d and isinstance(d[0], tuple) else b""
                i = m.find(b"X-Marker: ")
                if i >= 0:
                    mk = m[i + 10:m.find(b"\r\n", i)].decode()
                    if not m.endswith(body_of(mk)):
                        self.broken.append(mk)
                c.store(str(k), "+FLAGS", "(\\Seen)")
                self.ops += 2
        finally:
            try:
                c.logout()
            except (OSError, imaplib.IMAP4.error):
                pass

    def run(self):
        while not self.stop.is_set():
            try:
                self.session()
            except (OSError, EOFError, imaplib.IMAP4.error):
                time.sleep(0.05)


def service_pid(master, service):
    for k in subprocess.run(["pgrep", "-P", str(master)],
                            capture_output=True, text=True).stdout.split():
        try:
            with open("/proc/%s/cmdline" % k, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"--service" in argv and \
                argv[argv.index(b"--service") + 1] == service.encode():
            return int(k)
    return None


def stored(srv, user):
    """{marker: [message bytes, ...]} of user's INBOX, and whether the
    UIDs are strictly increasing."""
    c = imaplib.IMAP4(srv.host, srv.port, timeout=60)
    out = {}
    uids = []
    try:
        c.login(user.name, user.password)
        typ, d = c.select("INBOX", readonly=True)
        if int(d[0]) == 0:
            return out, True
        typ, d = c.fetch("1:*", "(UID BODY.PEEK[])")
        for x in d:
            if not isinstance(x, tuple):
                continue
            uids.append(int(x[0].split(b"UID ")[1].split()[0]))
            m = x[1]
            i = m.find(b"X-Marker: ")
            key = m[i + 10:m.find(b"\r\n", i)].decode() if i >= 0 else "?"
            out.setdefault(key, []).append(m)
    finally:
        c.logout()
    return out, all(a < b for a, b in zip(uids, uids[1:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--msgstored", default="build/bin/msgstored")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    passed = failed = 0

    def check(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("crash-lmtp: ok: %s" % what)
        else:
            failed += 1
            print("crash-lmtp: FAIL: %s %s" % (what, detail))

    srv = msproto.Server(binary=os.path.abspath(args.msgstored))
    kills = 0
    try:
        srv.start()
        users = [srv.add_user("crash%d@localhost" % i, "pw-crash-%d" % i)
                 for i in range(NUSERS)]
        port = srv.port_of("lmtp")
        stop = threading.Event()
        clients = [Client(i, port, users, stop, rng.random())
                   for i in range(args.clients)]
        deliverers = [Deliverer(i, srv, users, stop, rng.random())
                      for i in range(2)]
        readers = [Reader(srv, users, stop, rng.random()) for _ in range(2)]
        for t in clients + deliverers + readers:
            t.start()
        end = time.time() + args.seconds
        ikills = 0
        while time.time() < end:
            time.sleep(rng.uniform(0.2, 1.2))
            which = "imap" if rng.random() < 0.3 else "lmtp"
            pid = service_pid(srv.proc.pid, which)
            if pid:
                os.kill(pid, signal.SIGKILL)
                if which == "imap":
                    ikills += 1
                else:
                    kills += 1
        stop.set()
        for t in clients + deliverers + readers:
            t.join(60)
        for t in deliverers:
            t.halt()
        # let the restarted service settle, then stop cleanly
        time.sleep(1)
        srv.stop()
        r = srv.run_cli(["check"], check=False)
        check(r.returncode == 0, "msgstore check after %d LMTP, %d IMAP "
              "and %d deliver kills" % (kills, ikills,
                                        sum(t.killed for t in deliverers)),
              r.stdout.decode(errors="replace")[-2000:])
        srv.start()
        acked = [a for c in clients + deliverers for a in c.acked]
        sent = sum(c.sent for c in clients)
        print("crash-lmtp: seed %d, %d LMTP messages sent, %d deliveries "
              "acknowledged, %d IMAP operations" % (
                  seed, sent, len(acked), sum(t.ops for t in readers)))
        check(kills >= 3 and len(acked) >= 20, "enough load and kills",
              "(%d kills, %d acks)" % (kills, len(acked)))
        bad_reads = [m for t in readers for m in t.broken]
        check(not bad_reads, "IMAP read only whole messages meanwhile",
              repr(bad_reads[:5]))
        got = {u.name: stored(srv, u) for u in users}
        have = {u: v[0] for u, v in got.items()}
        check(all(v[1] for v in got.values()),
              "UIDs strictly increase in every mailbox")
        missing = [(m, u) for m, u in acked if m not in have[u]]
        check(not missing, "every acknowledged delivery is stored",
              repr(missing[:5]))
        twice = [(u, m) for u in have for m, v in have[u].items()
                 if len(v) != 1]
        check(not twice, "no message is stored twice", repr(twice[:5]))
        broken = []
        for u in have:
            for m, v in have[u].items():
                for b in v:
                    if m == "?" or not b.endswith(body_of(m)) or \
                            not b.startswith(b"Return-Path: "):
                        broken.append((u, m, len(b)))
        check(not broken, "every stored message is whole", repr(broken[:5]))
    finally:
        srv.cleanup()
    print("crash-lmtp: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
