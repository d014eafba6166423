#!/usr/bin/env python3
"""The smtplib side of benches/compare.sh: one submission session, the same one smtpx
probe and swaks run (EHLO, STARTTLS or implicit TLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA
with the given file, QUIT). The password comes from the environment (SMTP_PASS), never argv.

usage: smtplib_client.py starttls|implicit HOST PORT USER FROM TO MESSAGE_FILE
"""
import os
import smtplib
import ssl
import sys


def main() -> int:
    mode, host, port, user, sender, rcpt, path = sys.argv[1:8]
    password = os.environ["SMTP_PASS"]
    with open(path, "rb") as f:
        message = f.read()
    # Loopback test server with a self-signed certificate: the same "report, don't
    # enforce" stance as smtpx probe's default and swaks's (no verification).
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if mode == "implicit":
        client = smtplib.SMTP_SSL(host, int(port), local_hostname="bench", context=context)
    else:
        client = smtplib.SMTP(host, int(port), local_hostname="bench")
        client.ehlo()
        client.starttls(context=context)
    client.ehlo()
    client.login(user, password, initial_response_ok=True)
    client.sendmail(sender, [rcpt], message)
    client.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
