#!/usr/bin/env python3
"""`tcpkit check PROGRAM server HOST -p PORT` against a server tcpkit did not start.

    running_server_test.py TCPKIT

tcpkit's own sixteen and lines servers are started here on free ports; the checker can only talk
to them. The sixteen suite must be OK but for restart-same-port, which needs -- COMMAND
(INFORMATIONAL); the lines cases that compare the printed lines cannot see the server's stdout
(INFORMATIONAL), while those about the connection are judged as usual. Exit 0 or 1.
"""
import json
import subprocess
import sys
import time

TIMEOUT = 60


def start(binary, program):
    # The lines server's events go to stderr (its stdout carries the lines).
    lines = program == "lines"
    proc = subprocess.Popen([binary, program, "server", "127.0.0.1", "-p", "0", "--json"],
                            stdout=subprocess.DEVNULL if lines else subprocess.PIPE,
                            stderr=subprocess.PIPE if lines else subprocess.DEVNULL, text=True)
    stream = proc.stderr if lines else proc.stdout
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        event = json.loads(stream.readline())
        if event["event"] == "start":
            return proc, event["local"].rsplit(":", 1)[1]
    raise SystemExit(f"FAIL: {program} server did not start")


def verdicts(binary, program, port):
    run = subprocess.run([binary, "check", program, "server", "127.0.0.1", "-p", port, "--json"],
                         capture_output=True, text=True, timeout=TIMEOUT)
    events = [json.loads(line) for line in run.stdout.splitlines()]
    return run.returncode, {e["id"].rsplit(".", 1)[1]: e["verdict"] for e in events if e["event"] == "case"}


def expect(program, status, got, informational):
    wanted = {name: ("INFORMATIONAL" if name in informational else "OK") for name in got}
    if status != 0 or got != wanted:
        raise SystemExit(f"FAIL: {program}: exit {status}, verdicts {got}, expected {wanted}")
    print(f"{program} server at a given port: {len(got)} cases, INFORMATIONAL exactly {sorted(informational)}")


def main():
    binary = sys.argv[1]
    servers = []
    try:
        proc, port = start(binary, "sixteen")
        servers.append(proc)
        expect("sixteen", *verdicts(binary, "sixteen", port), {"restart-same-port"})
        proc, port = start(binary, "lines")
        servers.append(proc)
        printed = {"every-line", "split-at-every-offset", "trickled", "crlf", "last-line-without-newline", "long-line",
                   "two-clients", "non-ascii", "reset-peer"}
        expect("lines", *verdicts(binary, "lines", port), printed)
    finally:
        for proc in servers:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
