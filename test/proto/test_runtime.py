"""The server runtime: master and service processes, supervision, signals,
connection limits and timeouts, back-pressure on a client that reads
nothing.  msgstored only (these are not IMAP behaviours, so there is no
Dovecot twin).  Each test class runs its own private server (msproto
.Server) because the tests kill and signal its processes; everything a
test starts it stops, by pid.  Linux: process trees are read from /proc.
"""
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import unittest

import msproto

WAIT = 10.0


def children(pid):
    """Pids whose parent is pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold blanks: fields start after ')'
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(d))
    return out


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_for(pred, timeout=WAIT, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def greeting(port, tls=False, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout)
    if tls:
        s = msproto.tls_context().wrap_socket(s, server_hostname=None)
    s.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def read_until_closed(s, timeout):
    """Everything until EOF; None when it did not close in time."""
    s.settimeout(0.2)
    end = time.time() + timeout
    data = b""
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
    return None


def start(extra=()):
    if msproto.target_name() != "msgstored":
        raise unittest.SkipTest("runtime tests are for msgstored")
    srv = msproto.Server(extra_set=list(extra))
    try:
        srv.start()
    except Exception:
        srv.cleanup()
        raise
    return srv


def service_pid(srv, service="imap"):
    """The pid of the process serving `service` (one per service)."""
    def serving():
        out = []
        for k in children(srv.proc.pid):
            try:
                with open("/proc/%d/cmdline" % k, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if b"--service" in argv and \
                    argv[argv.index(b"--service") + 1] == service.encode():
                out.append(k)
        return out
    kids = wait_for(serving)
    if not kids or len(kids) != 1:
        raise AssertionError("expected one %s service process, have %r"
                             % (service, kids))
    return kids[0]


class Supervision(unittest.TestCase):
    """One server for the class; the tests run in name order."""

    @classmethod
    def setUpClass(cls):
        cls.srv = start(["server.restart_delay=1s", "server.threads=2"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def log_has(self, pattern, timeout=WAIT):
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.srv.log_tail(400)),
                        timeout)

    def test_a_greetings(self):
        g = greeting(self.srv.port)
        self.assertTrue(g.startswith(b"* OK"), g)
        g = greeting(self.srv.tls_port, tls=True)
        self.assertTrue(g.startswith(b"* OK"), g)
        # the listening lines name the ports the test connected to
        lines = "\n".join(self.srv.stdout_lines)
        self.assertIn("imap listening on 127.0.0.1:%d" % self.srv.port,
                      lines)
        self.assertIn("imaps listening on 127.0.0.1:%d"
                      % self.srv.tls_port, lines)

    def test_b_pipelined_commands_answered_in_order(self):
        c = msproto.Raw(srv=self.srv)
        n = 300
        c.send(b"".join(b"p%d NOOP\r\n" % i for i in range(n)))
        seen = []
        while len(seen) < n:
            item = c.read_item()
            if item.startswith(b"p"):
                seen.append(int(item.split()[0][1:]))
                self.assertTrue(item.split()[1] == b"OK", item)
        self.assertEqual(seen, list(range(n)))
        c.close()

    def test_c_sigkill_of_service_restarts_it(self):
        old = service_pid(self.srv)
        # a connection the service held goes away with it
        c = socket.create_connection(("127.0.0.1", self.srv.port), 5)
        c.settimeout(5)
        self.assertTrue(c.recv(4096).startswith(b"* OK"))
        os.kill(old, signal.SIGKILL)
        self.assertIsNotNone(read_until_closed(c, 5))
        c.close()
        new = wait_for(lambda: [p for p in [service_pid(self.srv)]
                                if p != old])
        self.assertTrue(new, "no new service process")
        self.assertTrue(self.log_has(
            r"imap service \(pid %d\) ended with status 137" % old))
        self.assertTrue(greeting(self.srv.port).startswith(b"* OK"))
        self.assertTrue(greeting(self.srv.tls_port,
                                 tls=True).startswith(b"* OK"))
        self.assertTrue(self.srv.alive())

    def test_d_sighup_keeps_serving(self):
        pid = service_pid(self.srv)
        before = msproto.Raw(srv=self.srv)
        os.kill(self.srv.proc.pid, signal.SIGHUP)
        self.assertTrue(self.log_has(
            r"service imap: configuration reloaded"))
        # the old connection goes on, new ones are served
        self.assertTrue(before.cmd("NOOP").ok)
        before.close()
        self.assertTrue(greeting(self.srv.port).startswith(b"* OK"))
        self.assertTrue(greeting(self.srv.tls_port,
                                 tls=True).startswith(b"* OK"))
        self.assertEqual(service_pid(self.srv), pid)

    def test_e_sighup_with_a_bad_file_keeps_the_old(self):
        with open(self.srv.conf) as f:
            good = f.read()
        try:
            with open(self.srv.conf, "a") as f:
                f.write("no.such.key = 1\n")
            os.kill(self.srv.proc.pid, signal.SIGHUP)
            self.assertTrue(self.log_has(
                r"reload: .*no\.such\.key.*keeping the running "
                r"configuration"))
            self.assertTrue(greeting(self.srv.port).startswith(b"* OK"))
            self.assertTrue(self.srv.alive())
        finally:
            with open(self.srv.conf, "w") as f:
                f.write(good)

    def test_f_reader_that_reads_nothing_costs_bounded_memory(self):
        pid = service_pid(self.srv)
        base = rss_kib(pid)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", self.srv.port))
        s.setblocking(False)
        # each CAPABILITY answer is ten times its command: a server that
        # kept reading would queue ~100 MB of answers for this client
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
        self.assertIsNotNone(stuck_since,
                             "the server read %d bytes without the "
                             "client reading any answer" % sent)
        grown = rss_kib(pid) - base
        self.assertLess(grown, 24 * 1024,
                        "service grew %d KiB for one stuck client" % grown)
        # the stuck client does not hold up anyone else
        t0 = time.time()
        self.assertTrue(greeting(self.srv.port).startswith(b"* OK"))
        self.assertLess(time.time() - t0, 2.0)
        s.close()
        # and when it goes, the service is fine
        c = msproto.Raw(srv=self.srv)
        self.assertTrue(c.cmd("NOOP").ok)
        c.close()

    def test_g_byte_a_second_clients_do_not_slow_others(self):
        """Fifty clients dribble a command a byte at a time (slowloris);
        a normal client's commands are answered as fast as ever, and the
        service's memory stays put."""
        pid = service_pid(self.srv)
        base = rss_kib(pid)
        slow = []
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", self.srv.port), 5)
            s.recv(4096)                    # the greeting
            slow.append(s)
        line = b"a1 CAPABILITY\r\n"
        c = msproto.Raw(srv=self.srv)
        worst = 0.0
        for i in range(len(line)):
            for s in slow:
                s.send(line[i:i + 1])
            t0 = time.time()
            self.assertTrue(c.cmd("NOOP").ok)
            worst = max(worst, time.time() - t0)
            time.sleep(0.1)
        self.assertLess(worst, 0.5, "a NOOP took %.2f s" % worst)
        for s in slow:                      # each got its answer
            s.settimeout(5)
            data = b""
            while b"a1 OK" not in data:
                chunk = s.recv(4096)
                self.assertTrue(chunk, "slow client cut off")
                data += chunk
            s.close()
        c.close()
        grown = rss_kib(pid) - base
        sys.stderr.write("[50 byte-at-a-time clients: service grew %d KiB, "
                         "worst NOOP %.1f ms] " % (grown, worst * 1000))
        self.assertLess(grown, 8 * 1024)

    def test_z_sigterm_stops_every_process(self):
        master = self.srv.proc.pid
        kids = children(master)
        self.assertTrue(kids)
        c = socket.create_connection(("127.0.0.1", self.srv.port), 5)
        c.settimeout(5)
        c.recv(4096)
        t0 = time.time()
        os.kill(master, signal.SIGTERM)
        rc = self.srv.proc.wait(timeout=8)
        self.assertEqual(rc, 0)
        self.assertLess(time.time() - t0, 6.0)
        for k in kids:
            self.assertFalse(alive(k), "service %d left running" % k)
        # the open connection was closed (after a BYE from IMAP)
        data = read_until_closed(c, 3)
        self.assertIsNotNone(data)
        c.close()
        self.assertTrue(self.log_has(r"msg=stopped|msg=\"stopped\""))


class Limits(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = start(["server.max_unauth_per_ip=3",
                         "server.unauth_timeout=2s"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_unauth_per_ip_and_timeout(self):
        held = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.srv.port), 5)
            s.settimeout(5)
            self.assertTrue(s.recv(4096).startswith(b"* OK"))
            held.append(s)
        # the fourth from the same address is closed at once
        s = socket.create_connection(("127.0.0.1", self.srv.port), 5)
        data = read_until_closed(s, 3)
        s.close()
        self.assertEqual(data, b"", "fourth connection got %r" % data)
        self.assertRegex(self.srv.log_tail(100),
                         r"max_unauth_per_ip reached")
        # the three time out without logging in
        t0 = time.time()
        for s in held:
            self.assertIsNotNone(read_until_closed(s, 6),
                                 "not closed after unauth_timeout")
            s.close()
        self.assertLess(time.time() - t0, 6)
        # and their places are free again
        self.assertTrue(greeting(self.srv.port).startswith(b"* OK"))


class Layers(unittest.TestCase):
    """A message file sent by sendfile (plain), through TLS, through
    COMPRESS, and through COMPRESS over TLS: the same bytes each way."""

    @classmethod
    def setUpClass(cls):
        cls.srv = start()
        cls.user = cls.srv.new_user("layers")
        body = b"".join(b"line %07d of a big message, some text to "
                        b"compress and some not: %08x\r\n"
                        % (i, (i * 2654435761) & 0xffffffff)
                        for i in range(40000))
        cls.msg = (b"From: a@example.org\r\nTo: b@example.org\r\n"
                   b"Subject: big\r\n\r\n" + body)
        cls.srv.deliver(cls.user, cls.msg)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def fetch(self, c, compress=False):
        self.assertTrue(c.login(self.user).ok)
        if compress:
            r = c.compress()
            self.assertTrue(r.ok, r)
        self.assertTrue(c.cmd("SELECT INBOX").ok)
        r = c.cmd("FETCH 1 BODY.PEEK[]", timeout=30)
        self.assertTrue(r.ok, r)
        item = r.untagged[0]
        m = re.search(rb"\{(\d+)\}\r\n", item)
        self.assertTrue(m, item[:200])
        data = item[m.end():m.end() + int(m.group(1))]
        # delivery put Return-Path and Delivered-To in front
        self.assertEqual(len(data), int(m.group(1)))
        self.assertTrue(data.startswith(b"Return-Path: "), data[:100])
        self.assertEqual(data[-len(self.msg):], self.msg)
        # the session goes on afterwards
        self.assertTrue(c.cmd("NOOP").ok)
        c.logout()

    def test_plain(self):
        self.fetch(msproto.Raw(srv=self.srv))

    def test_tls(self):
        self.fetch(msproto.Raw(srv=self.srv, tls=True))

    def test_starttls(self):
        c = msproto.Raw(srv=self.srv)
        self.assertTrue(c.starttls().ok)
        self.fetch(c)

    def test_compress(self):
        self.fetch(msproto.Raw(srv=self.srv), compress=True)

    def test_compress_over_tls(self):
        self.fetch(msproto.Raw(srv=self.srv, tls=True), compress=True)


class Orphans(unittest.TestCase):

    def test_killed_master_leaves_no_service(self):
        srv = start()
        kid = None
        try:
            kid = service_pid(srv)
            os.kill(srv.proc.pid, signal.SIGKILL)
            srv.proc.wait(timeout=5)
            self.assertTrue(wait_for(lambda: not alive(kid), 6),
                            "service %d outlived its master" % kid)
        finally:
            srv.cleanup()
            # an orphan this test made is stopped here, by pid
            if kid is not None and alive(kid):
                os.kill(kid, signal.SIGKILL)


class FirstAccount(unittest.TestCase):

    def test_created_once_and_usable(self):
        srv = start(["server.first_account=admin"])
        try:
            out = "\n".join(srv.stdout_lines)
            m = re.search(r"msgstored: created account (admin@localhost) "
                          r"with password (\S+) \(MANAGE\)", out)
            self.assertTrue(m, out)
            user = msproto.User(m.group(1), m.group(2))
            # the password is shown, never logged
            self.assertNotIn(user.password, srv.log_tail(400))
            c = msproto.Raw(srv=srv)
            self.assertTrue(c.login(user).ok)
            c.close()
            srv.stop()
            srv.stdout_lines = []
            srv._ports = {}
            srv.start()
            self.assertNotIn("created account",
                             "\n".join(srv.stdout_lines))
        finally:
            srv.cleanup()


def peer_cert(port):
    """The DER certificate the imaps listener presents."""
    s = socket.create_connection(("127.0.0.1", port), 5.0)
    s = msproto.tls_context().wrap_socket(s, server_hostname=None)
    der = s.getpeercert(binary_form=True)
    s.close()
    return der


def proc_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return -1


class CertReload(unittest.TestCase):
    """tls.cert / tls.key are read again on SIGHUP: new connections get
    the new certificate, without a restart."""

    def test_sighup_reloads_the_certificate(self):
        d = tempfile.mkdtemp(prefix="msproto-cert-")
        try:
            a = os.path.join(d, "a")
            b = os.path.join(d, "b")
            os.mkdir(a)
            os.mkdir(b)
            cert_a, key_a = msproto.make_cert(a)
            cert_b, key_b = msproto.make_cert(b)
            live_c = os.path.join(d, "cert.pem")
            live_k = os.path.join(d, "key.pem")
            shutil.copy(cert_a, live_c)
            shutil.copy(key_a, live_k)
            srv = start(["tls.cert=" + live_c, "tls.key=" + live_k])
            try:
                kid = service_pid(srv)
                first = peer_cert(srv.tls_port)
                shutil.copy(cert_b, live_c)
                shutil.copy(key_b, live_k)
                os.kill(srv.proc.pid, signal.SIGHUP)
                self.assertTrue(wait_for(
                    lambda: peer_cert(srv.tls_port) != first),
                    "certificate not reloaded on SIGHUP")
                self.assertEqual(service_pid(srv), kid)
            finally:
                srv.cleanup()
        finally:
            shutil.rmtree(d, ignore_errors=True)


class DropPrivileges(unittest.TestCase):
    """Started as root with server.user, msgstored binds, then runs as
    that user: the master and the services, which still serve."""

    def test_services_run_as_server_user(self):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root")
        import pwd
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            raise unittest.SkipTest("no user nobody")
        srv = msproto.Server(extra_set=["server.user=nobody"])
        try:
            # the store must belong to the user the server becomes
            for root, dirs, files in os.walk(srv.dir):
                for x in dirs + files:
                    os.chown(os.path.join(root, x), nobody.pw_uid,
                             nobody.pw_gid)
            os.chown(srv.dir, nobody.pw_uid, nobody.pw_gid)
            user = srv.add_user("drop1@localhost", "drop-pw-1")
            for root, dirs, files in os.walk(srv.root):
                for x in dirs + files:
                    os.chown(os.path.join(root, x), nobody.pw_uid,
                             nobody.pw_gid)
            srv.start()
            kid = service_pid(srv)
            self.assertEqual(proc_uid(srv.proc.pid), nobody.pw_uid)
            self.assertEqual(proc_uid(kid), nobody.pw_uid)
            c = msproto.Raw(srv=srv)
            self.assertTrue(c.login(user).ok)
            self.assertTrue(c.cmd("SELECT INBOX").ok)
            c.close()
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
