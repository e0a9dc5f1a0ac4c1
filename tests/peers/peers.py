#!/usr/bin/env python3
"""Small servers that behave as real ones do, for testing tcpkit's clients against them.

    peers.py PEER [ARG]

Each listens on 127.0.0.1 at a port from the kernel, prints "Listening at 127.0.0.1:PORT",
serves one connection as its PEER says, and exits. Every wait is bounded (WATCHDOG seconds),
so a test that goes wrong never leaves one behind. Python 3 standard library only.

    lines-no-ack        the lab's correct lines server: print each line, close at EOF, no
                        acknowledgement
    lines-ack-open      acknowledge correctly ("received N lines, M bytes"), then keep the
                        connection open
    lines-never-close   read everything through makefile(), close the socket but not the file:
                        the connection stays open and nothing comes back (the makefile() pitfall)
    echo                echo every byte back unchanged (no uppercasing)
    uppercase-wrong-at N  uppercase, but send byte N wrong
    never-read          accept and never read
"""
import socket
import sys
import time

WATCHDOG = 30  # seconds: no peer outlives this


def listen():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(WATCHDOG)
    print(f"Listening at 127.0.0.1:{server.getsockname()[1]}", flush=True)
    conn, _ = server.accept()
    conn.settimeout(WATCHDOG)
    return conn


def lines_no_ack(conn):
    with conn.makefile("rb") as lines:
        for line in lines:
            sys.stdout.buffer.write(line)
    sys.stdout.flush()
    conn.close()


def lines_ack_open(conn):
    count = size = 0
    with conn.makefile("rb") as lines:
        for line in lines:
            count, size = count + 1, size + len(line)
    conn.sendall(f"received {count} lines, {size} bytes\n".encode())
    time.sleep(WATCHDOG)  # open on purpose: the client must not wait for our EOF
    conn.close()


def lines_never_close(conn):
    lines = conn.makefile("rb")
    for line in lines:
        sys.stdout.buffer.write(line)
    sys.stdout.flush()
    conn.close()  # the makefile() object still holds the socket: no FIN is sent
    time.sleep(WATCHDOG)
    lines.close()


def echo(conn, transform=lambda data, offset: data):
    offset = 0
    while data := conn.recv(65536):
        conn.sendall(transform(data, offset))
        offset += len(data)
    conn.close()


def uppercase_wrong_at(conn, wrong_at):
    def transform(data, offset):
        out = bytearray(data.upper())
        if offset <= wrong_at < offset + len(out):
            out[wrong_at - offset] ^= 0x20  # back to lowercase: a byte the client must reject
        return bytes(out)

    echo(conn, transform)


def never_read(conn):
    time.sleep(WATCHDOG)
    conn.close()


def main():
    peers = {
        "lines-no-ack": lines_no_ack,
        "lines-ack-open": lines_ack_open,
        "lines-never-close": lines_never_close,
        "echo": echo,
        "uppercase-wrong-at": lambda conn: uppercase_wrong_at(conn, int(sys.argv[2])),
        "never-read": never_read,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in peers:
        sys.exit(f"usage: peers.py {{{'|'.join(peers)}}} [ARG]")
    peers[sys.argv[1]](listen())


if __name__ == "__main__":
    main()
