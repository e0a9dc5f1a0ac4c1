#!/usr/bin/env python3
# A learner's lines server, the lab's own shape (one client after another), correct but for one
# classic mistake.
# program: lines server
# mistake: the makefile() object is left open after sc.close(), so the connection stays open
#          (until the next client's file object replaces it) and the client waits for EOF.
# caught by: lines.server.closes-after-half-close
import socket, sys

def main(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    print('Listening at', sock.getsockname(), file=sys.stderr)
    while True:
        sc, _ = sock.accept()
        f = sc.makefile('rb')
        try:
            for line in f:
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()
        except OSError as e:
            print('error:', e, file=sys.stderr)
        sc.close()  # the mistake: f still holds the socket open; f.close() is missing

if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
