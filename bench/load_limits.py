#!/usr/bin/env python3
"""load_limits.py -- msgstored at its load limits, memory reported.

`make load-limits` runs this.  One private msgstored (test/proto/msproto.py,
loopback ports) is driven through three situations at once, and the
memory of its process tree (RSS and PSS from /proc) is reported after
each step:

  1. --conns (default 10,000) logged-in IMAP connections in IDLE
     (bench/bench_imap's idle mode);
  2. with those held, a client that sends ~8 MB of commands and reads
     none of the answers: the service must stop reading it (bounded
     buffers), and a new client must still be served at once;
  3. with both held, --slow (default 50) clients sending a command one
     byte per second: a normal client's NOOPs must stay fast and the
     service's memory flat.

Every check prints one line; the last line is "load-limits: N passed,
M failed" and the exit status is non-zero on a failure.  Every process
it starts is stopped by pid.  Python 3 standard library; Linux (/proc).

    bench/load_limits.py --bin build/bin --bench-bin build/bench
                         [--conns 10000] [--slow 50] [--seconds 15]
"""
import argparse
import os
import resource
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "test", "proto"))
sys.dont_write_bytecode = True
import msproto  # noqa: E402
from run import memory_kib  # noqa: E402  (bench/run.py)


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print("load-limits: %s: %s" % ("ok" if ok else "FAIL", what),
              flush=True)


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def noop_latency(srv):
    """Seconds for a new client to get its greeting and a NOOP answer."""
    t0 = time.time()
    c = msproto.Raw(srv=srv)
    ok = c.cmd("NOOP").ok
    c.close()
    return time.time() - t0 if ok else 99.0


def hold_idle(bench_bin, srv, user, conns):
    """bench_imap holding conns IDLE sessions (returns the process)."""
    p = subprocess.Popen([os.path.join(bench_bin, "bench_imap"),
                          "%s:%d" % (srv.host, srv.port), user.name,
                          user.password, "idle", "INBOX", str(conns)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode().strip()
    if line != "ready":
        p.kill()
        p.wait()
        raise RuntimeError("idle %d: %s" % (conns, line))
    return p


def stuck_reader(srv):
    """A client that writes commands and never reads: bytes it got in
    before the server stopped reading it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((srv.host, srv.port))
    s.setblocking(False)
    cmd = b"".join(b"c%d CAPABILITY\r\n" % i for i in range(1000))
    sent, stuck_since = 0, None
    end = time.time() + 20
    while time.time() < end and sent < 8 << 20:
        try:
            sent += s.send(cmd)
            stuck_since = None
        except BlockingIOError:
            if stuck_since is None:
                stuck_since = time.time()
            elif time.time() - stuck_since > 1.5:
                break
            time.sleep(0.01)
    return s, sent, stuck_since is not None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(TOP, "build", "bin"))
    ap.add_argument("--bench-bin", default=os.path.join(TOP, "build",
                                                        "bench"))
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--slow", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=15,
                    help="how long the byte-a-second clients dribble")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    check = Checks()
    srv = msproto.Server(
        binary=os.path.join(os.path.abspath(a.bin), "msgstored"),
        cli=os.path.join(os.path.abspath(a.bin), "msgstore"),
        extra_set=["server.max_connections=30000", "server.max_unauth=30000",
                   "server.max_unauth_per_ip=30000", "log.level=warn"])
    idle = None
    keep = []
    try:
        srv.start()
        # a cheap password hash for this user only: 10,000 logins
        srv.run_cli(["--set", "auth.pbkdf2_iterations=1000", "account",
                     "create", "limits@localhost", "--password-stdin"],
                    stdin=b"limits-pw-1\n")
        user = msproto.User("limits@localhost", "limits-pw-1")
        srv.deliver(user, msproto.message())
        base = memory_kib(srv.proc.pid)
        print("load-limits: msgstored at rest: RSS %s, PSS %s"
              % (mib(base[0]), mib(base[1])), flush=True)

        # 1. many idle sessions
        t0 = time.time()
        try:
            idle = hold_idle(os.path.abspath(a.bench_bin), srv, user,
                             a.conns)
            opened = True
        except RuntimeError as e:
            print("load-limits: %s" % e, flush=True)
            opened = False
        check(opened, "%d IDLE connections held (opened in %.0f s)"
              % (a.conns, time.time() - t0))
        m1 = memory_kib(srv.proc.pid)
        per = (m1[0] - base[0]) / max(a.conns, 1)
        print("load-limits: with %d IDLE: RSS %s (%.1f KiB each), PSS %s"
              % (a.conns, mib(m1[0]), per, mib(m1[1])), flush=True)
        check(per < 64, "RSS per IDLE connection %.1f KiB < 64 KiB" % per)
        lat = noop_latency(srv)
        check(lat < 2.0, "a new client is served in %.3f s" % lat)

        # 2. a client that reads nothing
        s, sent, stopped = stuck_reader(srv)
        keep.append(s)
        m2 = memory_kib(srv.proc.pid)
        check(stopped, "the server stopped reading the stuck client after "
              "%d KiB" % (sent // 1024))
        check(m2[0] - m1[0] < 32 * 1024, "the stuck client costs %s"
              % mib(m2[0] - m1[0]))
        lat = noop_latency(srv)
        check(lat < 2.0, "with it, a new client is served in %.3f s" % lat)

        # 3. clients sending a byte a second
        slow = []
        for _ in range(a.slow):
            c = socket.create_connection((srv.host, srv.port), 10)
            c.recv(4096)
            slow.append(c)
        keep += slow
        line = b"a1 CAPABILITY\r\n"
        worst = 0.0
        t_end = time.time() + a.seconds
        i = 0
        while time.time() < t_end:
            for c in slow:
                c.send(line[i % len(line):i % len(line) + 1])
            i += 1
            worst = max(worst, noop_latency(srv))
            time.sleep(max(0.0, 1.0 - worst))
        m3 = memory_kib(srv.proc.pid)
        check(worst < 1.0, "with %d byte-a-second clients, the worst "
              "new-client NOOP took %.3f s" % (a.slow, worst))
        check(m3[0] - m2[0] < 16 * 1024, "they cost %s"
              % mib(m3[0] - m2[0]))
        print("load-limits: at the end: RSS %s, PSS %s"
              % (mib(m3[0]), mib(m3[1])), flush=True)
        check(srv.alive(), "msgstored is alive")
    finally:
        for s in keep:
            s.close()
        if idle is not None:
            try:
                idle.stdin.write(b"\n")
                idle.stdin.close()
                idle.wait(timeout=120)
            except (OSError, subprocess.TimeoutExpired):
                idle.kill()
                idle.wait()
        srv.cleanup()
    print("load-limits: %d passed, %d failed" % (check.passed, check.failed))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
