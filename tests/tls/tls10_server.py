"""A TLS-1.0-only SMTP server for smtpx's TLS surface test (tests/tls_surface.rs).

Usage: python3 tls10_server.py CERT KEY
Listens on two free loopback ports, prints "READY <starttls-port> <implicit-port>", and
serves a minimal SMTP (EHLO, STARTTLS, NOOP, QUIT) until killed. TLS is pinned to 1.0 with
OpenSSL's security level 0, as on a server nobody has touched since 2010.
"""
import socket
import ssl
import sys
import threading
import warnings

# TLS 1.0 is deprecated in Python's ssl too: that is the point of this server.
warnings.filterwarnings("ignore", category=DeprecationWarning)

cert, key = sys.argv[1], sys.argv[2]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1
context.maximum_version = ssl.TLSVersion.TLSv1
context.set_ciphers("DEFAULT:@SECLEVEL=0")
context.load_cert_chain(cert, key)


def lines(conn):
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("latin-1")


def smtp(conn, tls):
    conn.sendall(b"220 tls10.test ESMTP\r\n")
    for line in lines(conn):
        verb = line.split(" ")[0].upper()
        if verb == "EHLO":
            extra = b"" if tls else b"250-STARTTLS\r\n"
            conn.sendall(b"250-tls10.test\r\n" + extra + b"250 8BITMIME\r\n")
        elif verb == "STARTTLS" and not tls:
            conn.sendall(b"220 2.0.0 go ahead\r\n")
            conn = context.wrap_socket(conn, server_side=True)
            tls = True
            # RFC 3207: no greeting after the handshake; the client sends EHLO again.
            for line in lines(conn):
                verb = line.split(" ")[0].upper()
                if verb == "EHLO":
                    conn.sendall(b"250-tls10.test\r\n250 8BITMIME\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 2.0.0 ok\r\n")
            return
        elif verb == "QUIT":
            conn.sendall(b"221 2.0.0 bye\r\n")
            return
        else:
            conn.sendall(b"250 2.0.0 ok\r\n")


def serve(conn, implicit):
    try:
        if implicit:
            conn = context.wrap_socket(conn, server_side=True)
        smtp(conn, implicit)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def listen(implicit):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)

    def accept():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn, implicit), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


starttls_port = listen(False)
implicit_port = listen(True)
print(f"READY {starttls_port} {implicit_port}", flush=True)
threading.Event().wait()
