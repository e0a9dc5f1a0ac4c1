#!/usr/bin/env python3
# A learner's lines server, correct but for one classic mistake.
# program: lines server
# mistake: prints each recv(1024) chunk as a line, as if one recv() returned one line.
# caught by: lines.server.split-at-every-offset lines.server.trickled lines.server.long-line lines.server.two-clients
import socket, sys, threading

lock = threading.Lock()

def serve(sc):
    try:
        while True:
            data = sc.recv(1024)  # the mistake: a chunk ends wherever TCP cut it, not at a newline
            if not data:
                break
            with lock:
                sys.stdout.buffer.write(data.rstrip(b'\n') + b'\n')
                sys.stdout.buffer.flush()
    except OSError as e:
        print('error:', e, file=sys.stderr)
    finally:
        sc.close()

def main(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    print('Listening at', sock.getsockname(), file=sys.stderr)
    while True:
        sc, _ = sock.accept()
        threading.Thread(target=serve, args=(sc,), daemon=True).start()

if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
