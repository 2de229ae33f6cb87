"""test_fetchmail.py -- fetchmail retrieves a mailbox over POP3 (with STLS
and without) and POP3S (issue 6), and the bytes it hands to its MDA equal
what the server holds, which ends with exactly what was delivered.

Skipped, with the reason, when fetchmail is not installed (Debian:
apt-get install fetchmail) or the server has no POP3 listener.  Every
test uses a fresh account, a temporary HOME and .fetchmailrc (mode 0600,
as fetchmail demands), and an MDA that writes each message to its own
file; `invisible` and `no stripcr` keep fetchmail from adding a Received
header or touching line ends, so the comparison is byte for byte.
Python 3 standard library only.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "proto"))
import msproto  # noqa: E402
from test_clients import ClientCase, msg_plain, msg_multipart, \
    msg_nonascii, msg_big  # noqa: E402

MDA = """\
import os, sys
d = sys.argv[1]
n = len(os.listdir(d))
with open(os.path.join(d, "%06d.eml" % n), "wb") as f:
    f.write(sys.stdin.buffer.read())
"""


class TestFetchmail(ClientCase):
    client = "fetchmail"

    def setUp(self):
        super().setUp()
        if self.srv.port_of("pop3") is None:
            self.skipTest("this server has no pop3 listener")
        self.out = os.path.join(self.tmp, "out")
        os.mkdir(self.out)
        self.mda = os.path.join(self.tmp, "mda.py")
        with open(self.mda, "w") as f:
            f.write(MDA)

    def write_rc(self, mode, keep):
        port = self.srv.port_of("pop3s" if mode == "pop3s" else "pop3")
        tls = {"pop3s": "ssl no sslcertck",
               "stls": "sslproto tls1.2+ no sslcertck",
               "plain": "sslproto ''"}[mode]
        rc = os.path.join(self.home, ".fetchmailrc")
        with open(rc, "w") as f:
            f.write('set no bouncemail\n'
                    'set invisible\n'
                    'set no syslog\n'
                    'poll 127.0.0.1 port %d protocol POP3 uidl '
                    'auth password no dns\n'
                    '  user "%s" there with password "%s" is "%s" here\n'
                    '  %s %s no stripcr no rewrite fetchall\n'
                    '  mda "%s %s %s"\n'
                    % (port, self.user.name, self.user.password,
                       os.environ.get("USER", "root"),
                       "keep" if keep else "no keep", tls,
                       sys.executable, self.mda, self.out))
        os.chmod(rc, 0o600)
        return rc

    def fetchmail(self, mode, keep):
        rc = self.write_rc(mode, keep)
        r = self.run_client(["fetchmail", "-f", rc, "-v", "--nodetach",
                             "--pidfile", os.path.join(self.tmp, "pid")],
                            check=False)
        # 0: mail retrieved; 1: no mail
        self.assertIn(r.returncode, (0, 1), "fetchmail exit %d:\n%s\n%s"
                      % (r.returncode, r.stdout.decode("utf-8", "replace"),
                         r.stderr.decode("utf-8", "replace")))
        return r

    def fetched(self):
        out = []
        for name in sorted(os.listdir(self.out)):
            with open(os.path.join(self.out, name), "rb") as f:
                out.append(f.read())
        return out

    def server_bodies(self):
        c = msproto.imap_plain(self.srv)
        c.login(self.user.name, self.user.password)
        c.select("INBOX", readonly=True)
        typ, data = c.uid("SEARCH", None, "ALL")
        uids = data[0].split()
        bodies = []
        for u in uids:
            typ, d = c.uid("FETCH", u, "(BODY.PEEK[])")
            bodies.append(d[0][1])
        c.logout()
        return bodies

    def round_trip(self, mode):
        msgs = [msg_plain("fm"), msg_multipart("fm"), msg_nonascii("fm"),
                msg_big("fm", 512 * 1024), msg_plain("fm", "dots")]
        self.deliver_all(msgs)
        held = self.server_bodies()
        self.assertEqual(len(held), len(msgs))
        for (mid, data), body in zip(msgs, held):
            self.assertTrue(body.endswith(data), mid)
        # keep: everything is fetched and stays on the server
        self.fetchmail(mode, keep=True)
        got = self.fetched()
        self.assertEqual(len(got), len(msgs))
        for g, body in zip(got, held):
            self.assertEqual(g, body)
        self.assertEqual(len(self.server_bodies()), len(msgs))
        # no keep: fetched again (fetchall) and then deleted at QUIT
        self.fetchmail(mode, keep=False)
        got = self.fetched()[len(msgs):]
        self.assertEqual(got, held)
        self.assertEqual(self.server_bodies(), [])
        # nothing left: exit 1, nothing written
        r = self.fetchmail(mode, keep=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(self.fetched()), 2 * len(msgs))
        self.assert_transport({"stls": "starttls"}.get(mode, mode))

    def test_pop3_stls(self):
        self.round_trip("stls")

    def test_pop3_plain(self):
        self.round_trip("plain")

    def test_pop3s(self):
        if self.srv.port_of("pop3s") is None:
            self.skipTest("this server has no pop3s listener")
        self.round_trip("pop3s")


if __name__ == "__main__":
    unittest.main()
