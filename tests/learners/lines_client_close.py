#!/usr/bin/env python3
# A learner's lines client, correct but for one classic mistake.
# program: lines client
# mistake: close() where shutdown(SHUT_WR) belongs: the server's answer meets a reset, and the
#          client never waits for the server to finish.
# caught by: lines.client.half-closes lines.client.waits-for-close
import socket, sys

def main(host, port, path):
    sock = socket.create_connection((host, port), timeout=5)
    with open(path, 'rb') as f:
        sock.sendall(f.read())
    sock.close()  # the mistake: sock.shutdown(socket.SHUT_WR), then read until EOF

if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
