"""SMTP server for internal/notify's tests: aiosmtpd on 127.0.0.1.

Saves each delivered message as DIR/<n>.json (envelope, raw message, whether the session used
TLS and AUTH), prints READY once it accepts connections, and stops when stdin closes.

Optional: --tls-cert/--tls-key offer STARTTLS (and require it); --user with the password in the
SMTPD_PASSWORD environment variable requires AUTH.
"""

import argparse
import itertools
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Saver:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
        }
        path = os.path.join(self.directory, "%d.json" % next(self.counter))
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)  # the test never sees half a file
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return check


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--user")
    a = p.parse_args()

    kwargs = {}
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if a.user:
        kwargs.update(
            authenticator=authenticator(a.user, os.environ["SMTPD_PASSWORD"]),
            auth_required=True,
        )
    ctl = Controller(Saver(a.dir), hostname="127.0.0.1", port=a.port, **kwargs)
    ctl.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
