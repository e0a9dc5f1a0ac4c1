#!/usr/bin/env python3
# A learner's sixteen server, correct but for one classic mistake.
# program: sixteen server
# mistake: one client at a time (no thread per connection), so a silent client blocks everyone.
# caught by: sixteen.server.silent-client
import socket, sys

def recvall(sock, length):
    data = b''
    while len(data) < length:
        more = sock.recv(length - len(data))
        if not more:
            raise EOFError('was expecting %d bytes but only received %d bytes before the socket closed' % (length, len(data)))
        data += more
    return data

def serve(sc):
    try:
        message = recvall(sc, 16)
        print('  Incoming sixteen-octet message:', repr(message))
        sc.sendall(b'Farewell, client')
        sc.shutdown(socket.SHUT_WR)  # graceful: the peer's unread bytes must not turn close into a reset
        sc.settimeout(1)
        while sc.recv(1024):
            pass
    except (OSError, EOFError) as e:
        print('  error:', e, file=sys.stderr)
    finally:
        sc.close()

def main(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    print('Listening at', sock.getsockname())
    while True:
        sc, sockname = sock.accept()
        serve(sc)  # the mistake: the next client waits until this one is done

if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
