"""Independent client for the smtpx sandbox: Python's smtplib (standard library only).

Sends one message through STARTTLS + AUTH (smtplib's own choice, CRAM-MD5 first) and one
through implicit TLS (SMTP_SSL) with AUTH LOGIN, trusting the sandbox's CA file. Prints a
JSON list with the exact bytes of each message (base64) so the Rust test can compare them
with the stored .eml files. The messages already use CRLF and end in CRLF, so smtplib's
line-ending normalisation changes nothing and its dot-stuffing is undone by the server.

usage: sandbox_smtplib.py HOST PORT TLS_PORT CA_FILE USER PASSWORD
"""

import base64
import json
import smtplib
import ssl
import sys


def main() -> None:
    host, port, tls_port, ca_file, user, password = sys.argv[1:7]
    context = ssl.create_default_context(cafile=ca_file)
    results = []

    starttls_message = (
        b"From: <py@sender.test>\r\nTo: <one@rcpt.test>\r\nSubject: via STARTTLS\r\n\r\n"
        b"first line\r\n.leading dot\r\n.\r\n..two dots\r\n\r\nlast line\r\n"
    )
    with smtplib.SMTP(host, int(port), timeout=10) as smtp:
        smtp.ehlo("python.test")
        smtp.starttls(context=context)
        smtp.ehlo("python.test")
        smtp.login(user, password)
        refused = smtp.sendmail("py@sender.test", ["one@rcpt.test"], starttls_message)
    results.append({"subject": "via STARTTLS", "refused": sorted(refused),
                    "message": base64.b64encode(starttls_message).decode()})

    smtps_message = (
        b"From: <py@sender.test>\r\nTo: <two@rcpt.test>\r\nSubject: via SMTPS\r\n\r\n"
        b".\r\n. \r\nbody\r\n"
    )
    with smtplib.SMTP_SSL(host, int(tls_port), context=context, timeout=10) as smtp:
        smtp.ehlo("python.test")
        smtp.user, smtp.password = user, password
        smtp.auth("LOGIN", smtp.auth_login)
        refused = smtp.sendmail("py@sender.test", ["two@rcpt.test"], smtps_message)
    results.append({"subject": "via SMTPS", "refused": sorted(refused),
                    "message": base64.b64encode(smtps_message).decode()})

    print(json.dumps(results))


if __name__ == "__main__":
    main()
