#!/usr/bin/env python3
"""The lab task done the way the lab asks, as a yardstick for `tcpkit lines server`.

The lab (seeds/002: "TCP streams are like files") says: make a file object from the socket
that receives the client's data, read it line by line, print each line. So:

    f = sock.makefile('rb')
    for line in f:
        sys.stdout.buffer.write(line)

Binary mode, so that bytes are printed exactly as sent (CRLF, non-UTF-8) as tcpkit does. To be
usable with `tcpkit lines client` it then answers the same acknowledgement, and it closes the
file object as well as the socket: closing only the socket would leave the connection open
(the file holds a reference to it) and the client would wait forever for the end.

One connection at a time, like the lab's server. Messages go to stderr; stdout is the lines.

    python3 bench/python/makefile_server.py 127.0.0.1 -p 1060 > copy.txt
"""
import argparse
import socket
import sys


def serve_one(listener):
    sock, peer = listener.accept()
    print(f"We have accepted a connection from {peer[0]}:{peer[1]}", file=sys.stderr)
    lines = received = 0
    out = sys.stdout.buffer
    with sock, sock.makefile('rb') as stream:
        for line in stream:
            out.write(line)
            lines += 1
            received += len(line)
        out.flush()  # the acknowledgement promises the lines are written
        sock.sendall(f"received {lines} lines, {received} bytes\n".encode())
        sock.shutdown(socket.SHUT_WR)
    print(f"  received {lines} lines, {received} bytes; socket closed", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description="Print every line a client sends (sock.makefile).")
    parser.add_argument("host", help="interface to listen at")
    parser.add_argument("-p", "--port", type=int, default=1060, help="TCP port (default 1060, 0: any)")
    parser.add_argument("--once", action="store_true", help="serve one connection, then exit")
    args = parser.parse_args()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(1)
    host, port = listener.getsockname()
    print(f"Listening at {host}:{port}", file=sys.stderr, flush=True)
    try:
        while True:
            serve_one(listener)
            if args.once:
                break
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
