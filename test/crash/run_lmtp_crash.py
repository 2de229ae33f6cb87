#!/usr/bin/env python3
"""run_lmtp_crash.py -- LMTP delivery under SIGKILL (`make check-crash`).

Starts a private msgstored (test/proto/msproto.py) with an LMTP listener
and a few accounts, runs several LMTP clients that keep delivering
messages (one to three recipients each), and SIGKILLs the LMTP service
process at random moments for --seconds; the master restarts it.  Every
message carries a marker from which its exact bytes can be rebuilt.

Then, with the server restarted cleanly:
  - `msgstore check` passes;
  - every (marker, recipient) that got a 250 after DATA is in that
    recipient's INBOX exactly once;
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


def lmtp_pid(master):
    for k in subprocess.run(["pgrep", "-P", str(master)],
                            capture_output=True, text=True).stdout.split():
        try:
            with open("/proc/%s/cmdline" % k, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"--service" in argv and \
                argv[argv.index(b"--service") + 1] == b"lmtp":
            return int(k)
    return None


def stored(srv, user):
    """{marker: [message bytes, ...]} of user's INBOX."""
    c = imaplib.IMAP4(srv.host, srv.port, timeout=60)
    out = {}
    try:
        c.login(user.name, user.password)
        typ, d = c.select("INBOX", readonly=True)
        if int(d[0]) == 0:
            return out
        typ, d = c.fetch("1:*", "(BODY.PEEK[])")
        for x in d:
            if not isinstance(x, tuple):
                continue
            m = x[1]
            i = m.find(b"X-Marker: ")
            key = m[i + 10:m.find(b"\r\n", i)].decode() if i >= 0 else "?"
            out.setdefault(key, []).append(m)
    finally:
        c.logout()
    return out


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
        for c in clients:
            c.start()
        end = time.time() + args.seconds
        while time.time() < end:
            time.sleep(rng.uniform(0.2, 1.2))
            pid = lmtp_pid(srv.proc.pid)
            if pid:
                os.kill(pid, signal.SIGKILL)
                kills += 1
        stop.set()
        for c in clients:
            c.join(60)
        # let the restarted service settle, then stop cleanly
        time.sleep(1)
        srv.stop()
        r = srv.run_cli(["check"], check=False)
        check(r.returncode == 0, "msgstore check after %d kills" % kills,
              r.stdout.decode(errors="replace")[-2000:])
        srv.start()
        acked = [a for c in clients for a in c.acked]
        sent = sum(c.sent for c in clients)
        print("crash-lmtp: seed %d, %d messages sent, %d deliveries "
              "acknowledged, %d kills" % (seed, sent, len(acked), kills))
        check(kills >= 3 and len(acked) >= 20, "enough load and kills",
              "(%d kills, %d acks)" % (kills, len(acked)))
        have = {u.name: stored(srv, u) for u in users}
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
