#!/usr/bin/env python3
"""dovecot_golden.py -- record Dovecot's ENVELOPE/BODY/BODYSTRUCTURE answers.

Usage: dovecot_golden.py [DIR]            (default: this script's directory)

For every DIR/NAME.eml it writes DIR/NAME.dov holding three lines,
"ENVELOPE <value>", "BODY <value>" and "BODYSTRUCTURE <value>", each value
exactly as Dovecot sent it (literals included), as test_mime.c reads them.

Dovecot (Debian package dovecot-imapd) runs privately: its own config file
in a temporary directory, maildir storage there, a static passdb/userdb,
listening on 127.0.0.1 on a free high port.  It is started with
`dovecot -c FILE` and stopped by the pid in its master.pid when done.
Needs root (Dovecot drops to the unprivileged mail user itself).
"""
import imaplib
import os
import pwd
import grp
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CONF = """\
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
info_log_path = {tmp}/dovecot.log
instance_name = mimegolden
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{tmp}/mail/%u
first_valid_uid = 1
mail_uid = {uid}
mail_gid = {gid}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
passdb {{
  driver = static
  args = password=golden
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_dovecot(tmp):
    pw = pwd.getpwnam("nobody")
    gr = grp.getgrgid(pw.pw_gid)
    port = free_port()
    for d in ("run", "state", "mail", "home"):
        os.makedirs(os.path.join(tmp, d))
    for d in ("mail", "home"):
        os.chown(os.path.join(tmp, d), pw.pw_uid, pw.pw_gid)
    os.chmod(tmp, 0o755)
    conf = os.path.join(tmp, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(tmp=tmp, uid=pw.pw_uid, gid=pw.pw_gid,
                            user=pw.pw_name, group=gr.gr_name, port=port))
    subprocess.run(["dovecot", "-c", conf], check=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    with open(os.path.join(tmp, "run", "master.pid")) as f:
        pid = int(f.read().strip())
    return port, pid


def stop_dovecot(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def raw_item(data, seq, item):
    """Rebuild the raw IMAP value of `item` from imaplib's FETCH data."""
    raw = b""
    for el in data:
        if isinstance(el, tuple):
            raw += el[0] + b"\r\n" + el[1]
        elif el is not None:
            raw += el
    prefix = b"%d (%s " % (seq, item.encode())
    if not raw.startswith(prefix) or not raw.endswith(b")"):
        raise RuntimeError("unexpected FETCH answer: %r" % raw[:200])
    return raw[len(prefix):-1]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    d = sys.argv[1] if len(sys.argv) > 1 else here
    names = sorted(n[:-4] for n in os.listdir(d) if n.endswith(".eml"))
    tmp = tempfile.mkdtemp(prefix="mimegolden")
    port, pid = start_dovecot(tmp)
    try:
        imap = imaplib.IMAP4("127.0.0.1", port)
        imap.login("golden", "golden")
        imap.select("INBOX")
        seq = 0
        for name in names:
            with open(os.path.join(d, name + ".eml"), "rb") as f:
                msg = f.read()
            typ, resp = imap.append("INBOX", None, None, msg)
            if typ != "OK":
                print("%s: APPEND failed: %r" % (name, resp))
                continue
            seq += 1
            out = b""
            for item in ("ENVELOPE", "BODY", "BODYSTRUCTURE"):
                typ, data = imap.fetch(str(seq), "(%s)" % item)
                out += item.encode() + b" " + raw_item(data, seq, item) + b"\n"
            typ, data = imap.fetch(str(seq), "(BODY.PEEK[])")
            stored = data[0][1]
            if stored != msg:
                print("%s: Dovecot changed the stored bytes (%d -> %d)" %
                      (name, len(msg), len(stored)))
            with open(os.path.join(d, name + ".dov"), "wb") as f:
                f.write(out)
        imap.logout()
    finally:
        stop_dovecot(pid)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d messages recorded" % len(names))


if __name__ == "__main__":
    main()
