#!/usr/bin/env python3
"""A learner's sixteen client as it is often first written: one recv(16) for a 16-byte reply.

    learner_client.py HOST PORT [--recv-all]

It works on loopback almost always, because the reply usually arrives in one segment; through
`tcpkit proxy --slice 1 --delay 200 --down` it gets one byte. With --recv-all it loops until
all 16 bytes have arrived, the fix the seeds teach. Exits 0 if the whole reply came, else 1.
"""
import socket
import sys

REPLY_LENGTH = 16


def recv_all(sock, length):
    data = b""
    while len(data) < length:
        more = sock.recv(length - len(data))
        if not more:
            raise EOFError(f"the socket closed after {len(data)} of {length} bytes")
        data += more
    return data


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"Hi there, server")
        reply = recv_all(sock, REPLY_LENGTH) if "--recv-all" in sys.argv[3:] else sock.recv(REPLY_LENGTH)
    print(f"The server said {reply!r} ({len(reply)} of {REPLY_LENGTH} bytes)")
    return 0 if len(reply) == REPLY_LENGTH else 1


if __name__ == "__main__":
    sys.exit(main())
