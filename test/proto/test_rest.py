"""test_rest.py -- the REST management API (docs/rest-api.md) on the live
msgstored's http and https listeners, with http.client:

- credentials: none (401 + WWW-Authenticate), wrong (401), a DISABLED
  manager (401), a MANAGE account (everything), a plain account (its own
  account, mailboxes, password and Sieve scripts only; 403 elsewhere,
  the same for accounts that do not exist);
- accounts: create (201 + Location; the new password works for IMAP at
  once), show (the same JSON as `msgstore account show --json`), list
  with paging, change quota/flags/services/full name, delete; errors
  409 / 422 / 415 / 400 with a JSON error body;
- the own-password change: policy, LOCKPWD, old password gone at once;
- mailboxes (a '/' in a name as %2F), Sieve scripts (an uploaded script
  files an LMTP delivery), forwarding, reconstruct and check;
- HTTP itself: keep-alive and pipelining, HEAD, 405 with Allow,
  Expect: 100-continue, garbage, a head over 16 KiB, a body over
  http.max_body, chunked bodies (501), all leaving the server alive;
- HTTPS, and curl when it is installed.

Dovecot has no such API: every test is skipped on --target dovecot.
"""
import base64
import http.client
import json
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import unittest
import urllib.parse

import msproto
from msproto import ProtoTest

TIMEOUT = msproto.TIMEOUT


def basic(user, password):
    tok = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return "Basic " + tok


def seg(s):
    return urllib.parse.quote(s, safe="@")


class Reply:
    def __init__(self, resp):
        self.status = resp.status
        self.headers = resp.headers
        self.raw = resp.read()
        ctype = resp.headers.get("Content-Type", "")
        self.json = json.loads(self.raw) if ctype.startswith(
            "application/json") and self.raw else None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.raw[:300])


class TestRest(ProtoTest):
    admin = None

    def setUp(self):
        super().setUp()
        if self.target != "msgstored":
            self.skipTest("Dovecot has no REST management API")
        self.port = self.srv.port_of("http")
        if self.port is None:
            self.fail("msgstored has no http listener")
        if TestRest.admin is None or TestRest.admin_srv is not self.srv:
            TestRest.admin = self.srv.new_user("admin")
            self.srv.run_cli(["account", "flags", TestRest.admin.name,
                              "manage"])
            TestRest.admin_srv = self.srv
        self.conn = None

    def tearDown(self):
        if self.conn is not None:
            self.conn.close()
        super().tearDown()

    # ---- client ----
    def req(self, method, path, body=None, user=None, ctype=None,
            headers=None, conn=None):
        """One request on this test's keep-alive connection."""
        u = user or TestRest.admin
        h = {"Authorization": basic(u.name, u.password)}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            ctype = ctype or "application/json"
        if ctype:
            h["Content-Type"] = ctype
        h.update(headers or {})
        c = conn
        if c is None:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=TIMEOUT)
            c = self.conn
        c.request(method, path, body=body, headers=h)
        return Reply(c.getresponse())

    def fresh(self, method, path, **kw):
        """One request on a connection of its own."""
        c = http.client.HTTPConnection("127.0.0.1", self.port,
                                       timeout=TIMEOUT)
        try:
            return self.req(method, path, conn=c, **kw)
        finally:
            c.close()

    def raw(self, data):
        """Send data on a new connection; everything until it closes."""
        s = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
        try:
            s.sendall(data)
            out = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                out += d
            return out
        finally:
            s.close()

    def acct(self, user):
        return "/api/v1/accounts/" + seg(user.name)

    def assertError(self, r, status, cls=None):
        self.assertEqual(r.status, status, r)
        self.assertIsNotNone(r.json, r)
        self.assertIn("message", r.json["error"], r)
        if cls:
            self.assertEqual(r.json["error"]["class"], cls, r)

    def new_name(self, prefix):
        u = self.srv.new_user(prefix)
        self.srv.run_cli(["account", "delete", u.name, "--yes"])
        return u.name

    # ---- credentials ----
    def test_credentials(self):
        s = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
        s.sendall(b"GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n")
        head = s.recv(65536)
        s.close()
        self.assertTrue(head.startswith(b"HTTP/1.1 401 "), head)
        self.assertIn(b'WWW-Authenticate: Basic realm="msgstore"', head)
        bad = msproto.User(self.user.name, "wrong")
        self.assertError(self.fresh("GET", "/api/v1/whoami", user=bad),
                         401, "auth")
        r = self.req("GET", "/api/v1/whoami")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"account": TestRest.admin.name,
                                  "manage": True})
        r = self.fresh("GET", "/api/v1/whoami", user=self.user)
        self.assertEqual(r.json, {"account": self.user.name,
                                  "manage": False})

    def test_disabled_manager_refused(self):
        m = self.srv.new_user("mgr")
        self.srv.run_cli(["account", "flags", m.name, "manage"])
        self.assertEqual(self.req("GET", "/api/v1/stats", user=m).status,
                         200)
        self.srv.run_cli(["account", "flags", m.name, "disabled"])
        # the same keep-alive connection: the flags are read per request
        self.assertError(self.req("GET", "/api/v1/stats", user=m), 401)

    def test_password_changed_elsewhere(self):
        me = self.user
        self.assertEqual(self.req("GET", "/api/v1/whoami", user=me).status,
                         200)
        self.srv.run_cli(["account", "passwd", me.name, "--password-stdin"],
                         stdin=b"changed by the admin 5\n")
        # the same keep-alive connection, the old credentials: refused
        self.assertError(self.req("GET", "/api/v1/whoami", user=me), 401)
        new = msproto.User(me.name, "changed by the admin 5")
        self.assertEqual(self.req("GET", "/api/v1/whoami", user=new).status,
                         200)

    def test_manage_flag_taken_away(self):
        m = self.srv.new_user("mgr")
        self.srv.run_cli(["account", "flags", m.name, "manage"])
        self.assertEqual(self.req("GET", "/api/v1/stats", user=m).status,
                         200)
        self.srv.run_cli(["account", "flags", m.name, "-manage"])
        self.assertError(self.req("GET", "/api/v1/stats", user=m), 403,
                         "perm")

    # ---- accounts ----
    def test_account_lifecycle(self):
        name = self.new_name("made")
        r = self.req("POST", "/api/v1/accounts", {
            "name": name, "password": "first secret 1",
            "fullname": "Made By Rest", "quota_bytes": 1048576,
            "services": ["imap"]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers["Location"],
                         "/api/v1/accounts/" + seg(name))
        self.assertEqual(r.json["name"], name)
        self.assertEqual(r.json["services"], ["imap"])
        self.assertEqual(r.json["quota_bytes"], 1048576)
        self.assertTrue(r.json["has_password"])
        # the password works for IMAP at once
        c = self.raw_imap()
        self.assertTrue(c.cmd("LOGIN %s %s" % (msproto.quote(name),
                        msproto.quote("first secret 1"))).ok)
        # the same JSON as the CLI's
        cli = json.loads(self.srv.run_cli(["account", "show", name,
                                           "--json"]).stdout)
        got = self.req("GET", "/api/v1/accounts/" + seg(name)).json
        self.assertEqual(got, cli)
        # change
        r = self.req("PATCH", "/api/v1/accounts/" + seg(name), {
            "quota_messages": 10, "flags": "lockpwd",
            "services": "imap,pop", "fullname": "Renamed"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["quota_bytes"], 1048576)
        self.assertEqual(r.json["quota_messages"], 10)
        self.assertEqual(r.json["flags"], ["lockpwd"])
        self.assertEqual(r.json["services"], ["imap", "pop"])
        self.assertEqual(r.json["fullname"], "Renamed")
        # conflicts and bad input
        self.assertError(self.req("POST", "/api/v1/accounts",
                                  {"name": name}), 409, "exists")
        self.assertError(self.req("POST", "/api/v1/accounts",
                                  {"name": "bad name@x"}), 422, "params")
        self.assertError(self.req("POST", "/api/v1/accounts",
                                  {"name": name, "colour": "red"}), 422)
        self.assertError(self.req("POST", "/api/v1/accounts",
                                  {"name": name, "quota_bytes": -1}), 422)
        self.assertError(self.req("POST", "/api/v1/accounts",
                                  b'{"name": "x"}', ctype="text/plain"),
                         415)
        self.assertError(self.req("POST", "/api/v1/accounts",
                                  b'{"name": ', ctype="application/json"),
                         400)
        self.assertError(self.req("PATCH", "/api/v1/accounts/" + seg(name),
                                  {"flags": ["bogus"]}), 422)
        # delete
        r = self.req("DELETE", "/api/v1/accounts/" + seg(name))
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, b"")
        self.assertError(self.req("GET", "/api/v1/accounts/" + seg(name)),
                         404, "nouser")

    def raw_imap(self):
        c = msproto.Raw(srv=self.srv)
        self._conns.append(c)
        return c

    def test_list_paged(self):
        names = sorted(self.new_name("pg") for _ in range(3))
        dom = "pages%d.example" % (os.getpid() % 10000)
        made = []
        for n in names:
            local = n.split("@")[0]
            r = self.req("POST", "/api/v1/accounts",
                         {"name": "%s@%s" % (local, dom)})
            self.assertEqual(r.status, 201, r)
            made.append(r.json["name"])
        q = "/api/v1/accounts?domain=%s&limit=2" % dom
        r = self.req("GET", q)
        self.assertEqual(r.json, {"accounts": made[:2], "more": True})
        r = self.req("GET", q + "&after=" + seg(made[1]))
        self.assertEqual(r.json, {"accounts": made[2:], "more": False})
        self.assertError(self.req("GET", "/api/v1/accounts?limit=0"), 400)
        self.assertError(self.req("GET", "/api/v1/accounts?limit=%zz"), 400)

    def test_stats(self):
        r = self.req("GET", "/api/v1/stats")
        self.assertEqual(r.status, 200, r)
        cli = json.loads(self.srv.run_cli(["stats", "--json"]).stdout)
        self.assertEqual(set(r.json), set(cli))
        self.assertGreaterEqual(r.json["accounts"], 2)

    # ---- a plain account ----
    def test_plain_account_limits(self):
        me, other = self.user, self.srv.new_user("other")
        self.assertEqual(self.req("GET", self.acct(me), user=me).status, 200)
        self.assertEqual(self.req("GET", self.acct(me) + "/mailboxes",
                                  user=me).status, 200)
        # "bob" alone is bob@<default domain>: still its own
        local = me.name.split("@")[0]
        self.assertEqual(self.req("GET", "/api/v1/accounts/" + local,
                                  user=me).status, 200)
        for method, path, body in (
                ("GET", self.acct(other), None),
                ("GET", "/api/v1/accounts/nobody-here@localhost", None),
                ("GET", self.acct(other) + "/mailboxes", None),
                ("PATCH", self.acct(me), {"quota_bytes": 0}),
                ("DELETE", self.acct(me), None),
                ("GET", "/api/v1/accounts", None),
                ("POST", "/api/v1/accounts", {"name": "x@localhost"}),
                ("GET", "/api/v1/stats", None),
                ("GET", "/api/v1/forwards", None),
                ("POST", self.acct(me) + "/reconstruct", None),
                ("PUT", self.acct(other) + "/password",
                 {"password": "taken over 1"})):
            self.assertError(self.req(method, path, body, user=me), 403,
                             "perm")
        self.assertTrue(self.raw_imap().cmd("LOGIN %s %s" % (
            msproto.quote(other.name), msproto.quote(other.password))).ok)

    def test_own_password(self):
        me = self.user
        path = self.acct(me) + "/password"
        for weak in ("short", me.name, me.password):
            self.assertError(self.req("PUT", path, {"password": weak},
                                      user=me), 422, "params")
        r = self.req("PUT", path, {"password": "brand new secret 2"},
                     user=me)
        self.assertEqual(r.status, 204, r)
        self.assertError(self.fresh("GET", "/api/v1/whoami", user=me), 401)
        new = msproto.User(me.name, "brand new secret 2")
        self.assertEqual(self.fresh("GET", "/api/v1/whoami",
                                    user=new).status, 200)
        self.assertTrue(self.raw_imap().cmd("LOGIN %s %s" % (
            msproto.quote(me.name), msproto.quote(new.password))).ok)

    def test_own_password_lockpwd(self):
        me = self.user
        self.srv.run_cli(["account", "flags", me.name, "lockpwd"])
        self.assertError(self.req("PUT", self.acct(me) + "/password",
                                  {"password": "brand new secret 3"},
                                  user=me), 403)
        # a manager still sets it, and no policy applies to him
        r = self.req("PUT", self.acct(me) + "/password",
                     {"password": "x"})
        self.assertEqual(r.status, 204, r)
        self.assertTrue(self.raw_imap().cmd("LOGIN %s x" %
                                            msproto.quote(me.name)).ok)

    # ---- mailboxes ----
    def test_mailboxes(self):
        base = self.acct(self.user) + "/mailboxes"
        r = self.req("POST", base, {"name": "Work/Old", "special":
                                    "\\Archive", "subscribed": True})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers["Location"], base + "/Work%2FOld")
        r = self.req("GET", base)
        boxes = {m["name"]: m for m in r.json["mailboxes"]}
        self.assertIn("INBOX", boxes)
        self.assertEqual(boxes["Work/Old"]["special"], "\\Archive")
        self.assertTrue(boxes["Work/Old"]["subscribed"])
        self.assertEqual(self.req("PATCH", base + "/Work%2FOld",
                                  {"name": "Work/Older",
                                   "subscribed": False}).status, 204)
        c = self.raw_imap()
        c.login(self.user)
        lines = c.cmd('LIST "" "Work/*"').lines("LIST")
        self.assertTrue(any(b"Work/Older" in ln for ln in lines), lines)
        self.assertError(self.req("POST", base, {"name": "Work/Older"}),
                         409, "exists")
        self.assertError(self.req("DELETE", base + "/INBOX"), 403, "perm")
        self.assertEqual(self.req("DELETE", base + "/Work%2FOlder").status,
                         204)
        self.assertError(self.req("DELETE", base + "/Work%2FOlder"), 404)

    # ---- sieve ----
    def test_sieve(self):
        me = self.user
        base = self.acct(me) + "/sieve"
        text = (b'require "fileinto";\r\nif header :contains "subject" '
                b'"rest" { fileinto "FromRest"; }\r\n')
        self.assertEqual(self.req("POST", self.acct(me) + "/mailboxes",
                                  {"name": "FromRest"}).status, 201)
        r = self.req("PUT", base + "/main", text, user=me,
                     ctype="application/sieve")
        self.assertEqual(r.status, 201, r)
        r = self.req("PUT", base + "/main", text, user=me,
                     ctype="application/sieve")
        self.assertEqual(r.status, 204, r)
        r = self.req("GET", base + "/main", user=me)
        self.assertEqual(r.raw, text)
        self.assertEqual(self.req("PATCH", base + "/main", {"active": True},
                                  user=me).status, 204)
        r = self.req("GET", base, user=me)
        self.assertEqual(r.json["scripts"], [{"name": "main",
                                              "size": len(text),
                                              "active": True}])
        r = self.req("PUT", base + "/broken", b"if true {\r\n", user=me,
                     ctype="application/sieve")
        self.assertError(r, 422, "params")
        self.assertIn("line", r.json["error"]["message"])
        # an LMTP delivery is filed by the script
        lm = smtplib.LMTP("127.0.0.1", self.srv.port_of("lmtp"),
                          timeout=TIMEOUT)
        lm.sendmail("a@example.com", [me.name],
                    msproto.message(subject="via rest"))
        lm.quit()
        r = self.req("GET", self.acct(me) + "/mailboxes", user=me)
        boxes = {m["name"]: m for m in r.json["mailboxes"]}
        self.assertEqual(boxes["FromRest"]["messages"], 1, boxes)
        self.assertError(self.req("DELETE", base + "/main", user=me), 403)
        self.assertEqual(self.req("PATCH", base + "/main",
                                  {"active": False}, user=me).status, 204)
        self.assertEqual(self.req("DELETE", base + "/main",
                                  user=me).status, 204)
        self.assertError(self.req("GET", base + "/main", user=me), 404)

    # ---- forwarding, reconstruct, check ----
    def test_forwards(self):
        addr = self.user.name
        path = "/api/v1/forwards/" + seg(addr)
        r = self.req("PUT", path, {"targets": ["x@example.net",
                                               "y@example.net"],
                                   "keep": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"address": addr, "keep": True,
                                  "targets": ["x@example.net",
                                              "y@example.net"]})
        r = self.req("GET", "/api/v1/forwards?limit=10000")
        self.assertIn(addr, [f["address"] for f in r.json["forwards"]])
        self.assertError(self.req("PUT", path, {"targets": [addr]}), 422)
        self.assertEqual(self.req("DELETE", path).status, 204)
        self.assertError(self.req("GET", path), 404, "notfound")

    def test_reconstruct_and_check(self):
        self.deliver()
        r = self.req("POST", self.acct(self.user) + "/reconstruct",
                     {"force": True})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["ok"], r)
        self.assertGreaterEqual(r.json["messages"], 1)
        r = self.req("GET", self.acct(self.user) + "/check")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["ok"], r)
        self.assertError(self.req("GET", "/api/v1/accounts/"
                                  "nobody-at-all@localhost/check"), 404)

    # ---- HTTP ----
    def test_routes(self):
        self.assertError(self.req("GET", "/"), 404)
        self.assertError(self.req("GET", "/api/v2/whoami"), 404)
        r = self.req("PUT", "/api/v1/accounts")
        self.assertError(r, 405)
        self.assertEqual(r.headers["Allow"], "GET, HEAD, POST")
        r = self.req("HEAD", "/api/v1/whoami")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.raw, b"")
        self.assertGreater(int(r.headers["Content-Length"]), 0)

    def test_pipelining_and_keepalive(self):
        auth = basic(TestRest.admin.name, TestRest.admin.password).encode()
        one = (b"GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: "
               + auth + b"\r\n\r\n")
        last = one.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close"
                           b"\r\n")
        out = self.raw(one + one + last)
        self.assertEqual(out.count(b"HTTP/1.1 200 OK\r\n"), 3, out)
        self.assertTrue(out.endswith(b"}"), out[-100:])

    def test_expect_continue(self):
        s = socket.create_connection(("127.0.0.1", self.port), TIMEOUT)
        auth = basic(TestRest.admin.name, TestRest.admin.password).encode()
        body = json.dumps({"name": self.new_name("cont")}).encode()
        s.sendall(b"POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: " + auth + b"\r\nContent-Type: "
                  b"application/json\r\nExpect: 100-continue\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        self.assertEqual(s.recv(4096), b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(body)
        self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 201 "))
        s.close()
        # wrong credentials: no 100, a 401 that closes
        out = self.raw(b"POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\n"
                       b"Authorization: " + basic("nobody", "x").encode() +
                       b"\r\nExpect: 100-continue\r\n"
                       b"Content-Length: 5\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 401 "), out)
        self.assertIn(b"Connection: close", out)

    def test_hostile_input(self):
        auth = basic(TestRest.admin.name, TestRest.admin.password).encode()
        cases = [
            (b"\x00\xff garbage\r\n\r\n", b"400"),
            (b"GET /api/v1/whoami HTTP/2.0\r\nHost: x\r\n\r\n", b"505"),
            (b"GET /api/v1/whoami HTTP/1.1\r\n\r\n", b"400"),
            (b"GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\nX: " +
             b"a" * 20000 + b"\r\n\r\n", b"431"),
            (b"POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: "
             + auth + b"\r\nContent-Length: 999999999999\r\n\r\n", b"413"),
            (b"POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: "
             + auth + b"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             b"501"),
            (b"GET /api/v1/accounts/%00 HTTP/1.1\r\nHost: x\r\n"
             b"Authorization: " + auth + b"\r\nConnection: close\r\n\r\n",
             b"404"),
        ]
        for data, status in cases:
            out = self.raw(data)
            self.assertTrue(out.startswith(b"HTTP/1.1 " + status + b" "),
                            (data[:60], out[:200]))
        self.assertTrue(self.srv.alive())
        self.assertEqual(self.req("GET", "/api/v1/whoami").status, 200)

    def test_https(self):
        port = self.srv.port_of("https")
        if port is None:
            self.fail("msgstored has no https listener")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=TIMEOUT,
                                        context=ctx)
        try:
            r = self.req("GET", "/api/v1/whoami", conn=c)
        finally:
            c.close()
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["manage"])

    @unittest.skipUnless(shutil.which("curl"), "curl is not installed")
    def test_curl(self):
        name = self.new_name("curl")
        a = TestRest.admin
        r = subprocess.run(
            ["curl", "-sS", "-u", "%s:%s" % (a.name, a.password),
             "-H", "Content-Type: application/json",
             "-d", json.dumps({"name": name, "password": "curl secret 1"}),
             "-w", "\n%{http_code}",
             "http://127.0.0.1:%d/api/v1/accounts" % self.port],
            capture_output=True, timeout=60)
        body, _, code = r.stdout.decode().rpartition("\n")
        self.assertEqual(code, "201", r)
        self.assertEqual(json.loads(body)["name"], name)
        c = self.raw_imap()
        self.assertTrue(c.cmd("LOGIN %s %s" % (msproto.quote(name),
                        msproto.quote("curl secret 1"))).ok)


if __name__ == "__main__":
    unittest.main()
