#!/usr/bin/env python3
# A learner's uppercase server, correct but for one classic mistake.
# program: uppercase server
# mistake: data.decode('ascii'): the first byte above 0x7f raises UnicodeDecodeError.
# caught by: uppercase.server.all-bytes
import socket, sys, threading

def serve(sc):
    with sc:
        while True:
            data = sc.recv(65536)
            if not data:
                break
            sc.sendall(data.decode('ascii').upper().encode('ascii'))  # the mistake: bytes are not text

def main(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    print('Listening at', sock.getsockname())
    while True:
        sc, _ = sock.accept()
        threading.Thread(target=serve, args=(sc,), daemon=True).start()

if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
