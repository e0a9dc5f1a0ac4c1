#!/usr/bin/env python3
# A learner's sixteen client, correct but for one classic mistake.
# program: sixteen client
# mistake: a single recv(16), as if one recv() returned the whole 16-byte reply.
# caught by: sixteen.client.trickled-reply sixteen.client.reply-in-two-writes
import socket, sys

def main(host, port):
    sock = socket.create_connection((host, port), timeout=3)
    print('Client has been assigned socket name', sock.getsockname())
    sock.sendall(b'Hi there, server')
    reply = sock.recv(16)  # the mistake: TCP may deliver the 16 bytes in several pieces
    if len(reply) != 16:
        sys.exit('was expecting 16 bytes but received %d' % len(reply))
    print('The server said', repr(reply))
    sock.close()

if __name__ == '__main__':
    try:
        main(sys.argv[1], int(sys.argv[2]))
    except OSError as e:
        sys.exit('error: %s' % e)
