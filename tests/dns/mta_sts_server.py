#!/usr/bin/env python3
"""MTA-STS policy server for the smtpx DNS rig (RFC 8461 §3.3), loopback only.

Usage: mta_sts_server.py STATE_DIR ADDR PORT

Serves STATE_DIR/www/<host>/.well-known/mta-sts.txt over HTTPS, choosing the
file by Host header. The certificate is chosen by SNI: mta-sts.stsbadcert.test
gets a self-signed (untrusted) one, every other name the test-CA one.
"""
import http.server
import os
import ssl
import sys

state, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


def context(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(state, name + ".pem"), os.path.join(state, name + ".key"))
    return ctx


trusted = context("sts")
untrusted = context("untrusted")


def pick(sock, server_name, _ctx):
    if server_name == "mta-sts.stsbadcert.test":
        sock.context = untrusted


trusted.sni_callback = pick


class Policy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if self.path != "/.well-known/mta-sts.txt" or "/" in host or host.startswith("."):
            self.send_error(404)
            return
        path = os.path.join(state, "www", host, ".well-known", "mta-sts.txt")
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer((addr, port), Policy)
server.socket = trusted.wrap_socket(server.socket, server_side=True)
server.serve_forever()
