#!/usr/bin/env python3
"""Ctrl-C on `tcpkit check` leaves no process behind: neither the program under test nor what
it started itself (its process group).

    interrupt_test.py TCPKIT SEEDS/tcp_sixteen.py

The client under test is a shell that records its pid, starts a `sleep` of its own in the
background, and becomes the seed's client, which hangs in sixteen.client.never-replies. Once both
pids are known, SIGINT goes to tcpkit; it must exit 130 and both processes must be gone.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def gone(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # a zombie has ended; only its parent's wait is pending


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit(f"FAIL: {what} within {seconds} s")


def main():
    binary, seed = sys.argv[1], sys.argv[2]
    if not Path(seed).exists():
        print(f"skipped: {seed} is not here")
        return 77
    with tempfile.TemporaryDirectory() as scratch:
        shell_pid, sleep_pid = Path(scratch, "shell.pid"), Path(scratch, "sleep.pid")
        script = (f"echo $$ > {shell_pid}; sleep 300 & echo $! > {sleep_pid}; "
                  f"exec python3 {seed} client {{host}} -p {{port}}")
        checker = subprocess.Popen([binary, "check", "sixteen", "client", "--case", "never-replies", "--", "sh", "-c", script],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: sleep_pid.exists() and sleep_pid.read_text().strip(), 10, "the client under test did not start")
            pids = [int(shell_pid.read_text()), int(sleep_pid.read_text())]
            time.sleep(0.2)  # the case is under way: the client waits for a reply that never comes
            checker.send_signal(signal.SIGINT)
            status = checker.wait(timeout=10)
        finally:
            if checker.poll() is None:
                checker.kill()
                checker.wait()
        if status != 130:
            raise SystemExit(f"FAIL: tcpkit check exited {status} after SIGINT, expected 130")
        wait_for(lambda: all(gone(p) for p in pids), 5, f"processes {pids} were still running")
        print(f"SIGINT: tcpkit check exited 130; the client under test ({pids[0]}) and its own child ({pids[1]}) are gone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
