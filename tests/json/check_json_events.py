#!/usr/bin/env python3
"""Checks tcpkit's --json output against docs/json-schema.json, and the schema against docs/JSON.md.

    check_json_events.py PATH/TO/tcpkit PATH/TO/docs

1. The schema itself: keys are snake_case and carry their unit in the name (bytes, seconds,
   _us, _per_s); every key a shape names is declared.
2. docs/JSON.md: every example line is a valid event of the stream its section describes, and
   every key of the schema is mentioned there, so the two cannot drift apart.
3. The programs: every program and role runs with --json on 127.0.0.1 (ports from the kernel),
   through success and failure paths; every line they print on their JSON stream must be an
   event that matches one shape of the schema exactly (all required keys, no undeclared key,
   every value of its key's type, "schema_version": 1 first after "event"). At the end every
   shape not marked "untested" must have been seen at least once.

Python 3 standard library only. Exits 0 on success, 1 with a message on the first mismatch.
"""
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*\Z")
ENDPOINT = re.compile(r"(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}\Z")
ENUMS = {
    "close": {"fin", "drain_timeout", "reset"},
    "closer": {"client", "server"},
    "close_how": {"fin", "reset", "idle_timeout", "stall_timeout", "interrupted", "error"},
    "strategy": {"naive", "threads", "async"},
    "program": {"sixteen", "uppercase", "lines", "bench", "proxy"},
    "flow_end": {"fin", "reset", "close_after", "reset_after", "aborted"},
    "role": {"server", "client"},
    "mode": {"sixteen", "uppercase", "lines"},
    "direction": {"sent", "received"},
    "verdict": {"OK", "FAILED", "NON-STRICT", "INFORMATIONAL"},
}
# The unit a key's name must show, by type (unit_exceptions in the schema aside).
UNIT_NAMES = {
    "bytes": lambda k: "bytes" in k.split("_"),
    "seconds": lambda k: k == "seconds" or k.endswith("_seconds"),
    "us": lambda k: k.endswith("_us"),
    "per_s": lambda k: k.endswith("_per_s"),
}
TIMEOUT = 60  # seconds any one process may take
PEERS = Path(__file__).resolve().parent.parent / "peers" / "peers.py"  # servers that behave as real ones do


class Mismatch(Exception):
    pass


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return (is_int(v) or isinstance(v, float)) and math.isfinite(v)


def value_ok(kind, v):
    if kind in ("string", "payload"):
        return isinstance(v, str)
    if kind == "endpoint":
        return isinstance(v, str) and ENDPOINT.match(v) is not None
    if kind == "boolean":
        return isinstance(v, bool)
    if kind == "id":
        return is_int(v) and v >= 1
    if kind in ("count", "bytes", "sequence"):
        return is_int(v) and v >= 0
    if kind == "exit_status":
        return is_int(v) and 0 <= v <= 255
    if kind in ("seconds", "us", "per_s"):
        return is_number(v) and v >= 0
    if kind in ENUMS:
        return v in ENUMS[kind]
    raise Mismatch(f"schema: unknown type {kind!r}")


class Schema:
    def __init__(self, path):
        self.doc = json.loads(path.read_text())
        self.keys = self.doc["keys"]
        self.events = set(self.doc["events"])
        self.streams = {}
        self.seen = {}  # (origin, event, index) -> times matched
        for name, events in self.doc["streams"].items():
            shapes = {ev: [(name, ev, i, s) for i, s in enumerate(lst)] for ev, lst in events.items()}
            common = "server_common" if name.endswith(" server") else "client_common" if name.endswith(" client") else None
            if common:
                for ev, lst in self.doc[common].items():
                    shapes.setdefault(ev, []).extend((common, ev, i, s) for i, s in enumerate(lst))
            self.streams[name] = shapes
            for lst in shapes.values():
                for origin, ev, i, _ in lst:
                    self.seen.setdefault((origin, ev, i), 0)
        self.check_itself()

    def check_itself(self):
        for key, kind in self.keys.items():
            if not SNAKE.match(key):
                raise Mismatch(f"schema: key {key!r} is not snake_case")
            if kind not in self.doc["types"]:
                raise Mismatch(f"schema: key {key!r} has the undeclared type {kind!r}")
            rule = UNIT_NAMES.get(kind)
            if rule and not rule(key) and key not in self.doc["unit_exceptions"]:
                raise Mismatch(f"schema: key {key!r} is {kind} but its name does not say so")
            for unit, named in UNIT_NAMES.items():
                if named(key) and kind != unit:
                    raise Mismatch(f"schema: key {key!r} is named like {unit} but has type {kind}")
        for stream, shapes in self.streams.items():
            for lst in shapes.values():
                for _, ev, _, shape in lst:
                    if ev not in self.events:
                        raise Mismatch(f"schema: {stream}: unknown event {ev!r}")
                    for key in shape["required"] + shape.get("optional", []):
                        if key not in self.keys:
                            raise Mismatch(f"schema: {stream} {ev}: key {key!r} is not declared in `keys`")

    def check(self, stream, line):
        """Checks one line of a JSON stream; returns the parsed event."""
        def no_constants(name):
            raise Mismatch(f"{name} is not valid JSON")

        def pairs(items):
            names = [k for k, _ in items]
            if len(names) != len(set(names)):
                raise Mismatch("a key appears twice")
            return dict(items), names

        try:
            obj, order = json.loads(line, parse_constant=no_constants, object_pairs_hook=lambda items: pairs(items))
        except (ValueError, TypeError) as e:
            raise Mismatch(f"{stream}: not one JSON object per line ({e}): {line!r}")
        if order[:2] != ["event", "schema_version"]:
            raise Mismatch(f"{stream}: an event must start with \"event\", \"schema_version\": {line}")
        if not is_int(obj["schema_version"]) or obj["schema_version"] != 1:
            raise Mismatch(f"{stream}: schema_version is not 1: {line}")
        for key in order:
            if not SNAKE.match(key):
                raise Mismatch(f"{stream}: key {key!r} is not snake_case: {line}")
        event = obj["event"]
        shapes = self.streams[stream].get(event)
        if not shapes:
            raise Mismatch(f"{stream}: the schema has no {event!r} event for this stream: {line}")
        if stream != "bench" and "program" in obj and obj["program"] != stream.split()[0]:
            raise Mismatch(f"{stream}: wrong program: {line}")
        if "role" in obj and obj["role"] != stream.split()[-1]:
            raise Mismatch(f"{stream}: wrong role: {line}")
        problems = []
        for origin, ev, index, shape in shapes:
            keys = set(order) - {"event", "schema_version"}
            required, optional = set(shape["required"]), set(shape.get("optional", []))
            types = {**self.keys, **shape.get("types", {})}
            missing, extra = required - keys, keys - required - optional
            wrong = sorted(k for k in keys & (required | optional) if not value_ok(types[k], obj[k]))
            if not (missing or extra or wrong):
                self.seen[(origin, ev, index)] += 1
                return obj
            problems.append(f"  shape {shape.get('name', index)!r}: missing {sorted(missing)}, undeclared {sorted(extra)}, "
                            f"wrong type {[(k, types.get(k), obj[k]) for k in wrong]}")
        raise Mismatch(f"{stream}: no {event!r} shape matches {line}\n" + "\n".join(problems))

    def unseen(self, exempt_events=()):
        missing = []
        for stream, shapes in self.streams.items():
            for lst in shapes.values():
                for origin, ev, index, shape in lst:
                    if ev in exempt_events:
                        continue
                    if not self.seen[(origin, ev, index)] and "untested" not in shape:
                        missing.append(f"{origin} {ev} {shape.get('name', index)!r}")
        return sorted(set(missing))


def check_docs(schema, json_md):
    """Every example in docs/JSON.md matches the schema; every schema key is mentioned there."""
    text = json_md.read_text()
    section, role, in_block, examples = None, None, False, 0
    for line in text.splitlines():
        if line.startswith("## "):
            section, role = line[3:].strip().strip("`").split()[0], None
        elif line.startswith("```json"):
            in_block = True
        elif line.startswith("```"):
            in_block = False
        elif in_block and line.strip():
            # Examples under "Common shape" are the errors every server shares.
            # Examples under "Packets" are a sixteen client's segments.
            stream = {"bench": "bench", "check": "check", "Common": "sixteen server", "Packets": "sixteen client"}.get(section, f"{section} {role}")
            if stream not in schema.streams:
                raise Mismatch(f"docs/JSON.md: an example under '## {section}' belongs to no stream: {line}")
            schema.check(stream, line)
            examples += 1
        elif line.startswith("Server"):
            role = "server"
        elif line.startswith("Client"):
            role = "client"
    for key in schema.keys:
        if f"`{key}`" not in text and f'"{key}"' not in text:
            raise Mismatch(f"docs/JSON.md never mentions the key {key!r} of docs/json-schema.json")
    return examples


class Run:
    """The programs, run with --json; every event they print is checked as it is collected."""

    def __init__(self, binary, schema, scratch):
        self.binary, self.schema, self.scratch = binary, schema, Path(scratch)
        self.events = 0
        self.servers = []

    def lines_of(self, stream, text, where):
        found = []
        for line in text.splitlines():
            if line.strip():
                try:
                    found.append(self.schema.check(stream, line))
                except Mismatch as e:
                    raise Mismatch(f"{where}: {e}")
        self.events += len(found)
        return found

    def server(self, words, *, json_on_stderr=False):
        """Starts a server on 127.0.0.1 with a free port; returns (process, port, events file)."""
        name = "_".join(words[:2])
        out = self.scratch / f"{name}.{len(self.servers)}.ndjson"
        other = self.scratch / f"{name}.{len(self.servers)}.txt"
        with open(out, "wb") as json_file, open(other, "wb") as text_file:
            proc = subprocess.Popen([self.binary, *words, "127.0.0.1", "-p", "0", "--json"],
                                    stdout=text_file if json_on_stderr else json_file,
                                    stderr=json_file if json_on_stderr else text_file)
        self.servers.append(proc)
        start = self.wait_for(out, lambda e: e["event"] == "start", f"{' '.join(words)}: no start event")
        return proc, int(start["local"].rsplit(":", 1)[1]), out

    def wait_for(self, path, predicate, message, deadline_s=10):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            for line in path.read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if predicate(event):
                    return event
            time.sleep(0.02)
        raise Mismatch(f"{message} within {deadline_s} s; got: {path.read_text(errors='replace')}")

    def stop(self, proc, path, stream):
        """SIGINT (the server's summary), then every line of its JSON stream is checked."""
        proc.send_signal(signal.SIGINT)
        status = proc.wait(timeout=TIMEOUT)
        if status != 0:
            raise Mismatch(f"{stream} exited {status} after SIGINT")
        events = self.lines_of(stream, path.read_text(errors="replace"), stream)
        if events[-1]["event"] != "end" or "connections" not in events[-1]:
            raise Mismatch(f"{stream}: the last event is not the server's summary: {events[-1]}")
        return events

    def client(self, stream, words, *, status=0, stdin=None, starts=True):
        """Runs a client; its stream must begin with `start` (unless refused before it starts) and end
        with `end`, whose exit_status (present when the run failed) is the process's."""
        # `tcpkit check ... -- COMMAND`: --json belongs to tcpkit, before the program's own words.
        at = words.index("--") if "--" in words else len(words)
        result = subprocess.run([self.binary, *words[:at], "--json", *words[at:]], input=stdin, capture_output=True,
                                timeout=TIMEOUT)
        where = f"tcpkit {' '.join(words)} --json"
        if result.returncode != status:
            raise Mismatch(f"{where}: exit status {result.returncode}, expected {status}; stderr: {result.stderr!r}")
        try:
            text = result.stdout.decode()  # strict: text fields are UTF-8, payloads ASCII escapes
        except UnicodeDecodeError as e:
            raise Mismatch(f"{where}: the JSON stream is not UTF-8 ({e})")
        events = self.lines_of(stream, text, where)
        if stream in ("bench", "check"):  # a load or a suite: no connection of its own to start and end
            return events
        if not events or (events[0]["event"] == "start") != starts:
            raise Mismatch(f"{where}: the first event is not {'start' if starts else 'the error'}: {events[:1]}")
        end = events[-1]
        if end["event"] != "end" or end.get("exit_status", 0) != status:
            raise Mismatch(f"{where}: the last event is not the run's end with exit_status {status}: {end}")
        if status != 0 and events[-2]["event"] != "error":
            raise Mismatch(f"{where}: a failed run's end does not follow its error: {events[-2]}")
        return events

    def failed_server(self, stream, words, *, json_on_stderr=False):
        """A server that exits 3 at once: its JSON stream must be the run's error, then its end."""
        result = subprocess.run([self.binary, *words, "--json"], capture_output=True, timeout=TIMEOUT)
        where = f"tcpkit {' '.join(words)} --json"
        if result.returncode != 3:
            raise Mismatch(f"{where}: exit status {result.returncode}, expected 3; stderr: {result.stderr!r}")
        text = (result.stderr if json_on_stderr else result.stdout).decode(errors="replace")
        # On stderr (the lines server) the JSON shares the stream with the error's line.
        events = self.lines_of(stream, "\n".join(l for l in text.splitlines() if not l.startswith("tcpkit: ")), where)
        if [e["event"] for e in events] != ["error", "end"] or events[-1]["exit_status"] != 3:
            raise Mismatch(f"{where}: expected the run's error and end, got {events}")

    def peer(self, name, *args):
        """Starts a server of tests/peers/peers.py; returns (process, port)."""
        proc = subprocess.Popen([sys.executable, "-u", str(PEERS), name, *args], stdout=subprocess.PIPE)
        self.servers.append(proc)
        line = proc.stdout.readline().decode()
        if not line.startswith("Listening at "):
            raise Mismatch(f"peers.py {name} did not start: {line!r}")
        return proc, int(line.rsplit(":", 1)[1])


def hold_connections(port, count):
    return [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]


def scenarios(run):
    # sixteen: a good exchange, a short message, load; then --max-conns refusing a connection.
    proc, port, out = run.server(["sixteen", "server"])
    p = ["-p", str(port)]
    run.client("sixteen client", ["sixteen", "client", "127.0.0.1", *p])
    run.client("sixteen client", ["sixteen", "client", "127.0.0.1", *p, "--message", "Hi th"], status=6)
    run.client("bench", ["bench", "sixteen", "127.0.0.1", *p, "--connections", "2", "--total", "20"])
    run.wait_for(out, lambda e: e["event"] == "error" and "message" in e, "sixteen server: no error for the short message")
    run.stop(proc, out, "sixteen server")

    proc, port, out = run.server(["sixteen", "server", "--max-conns", "1"])
    held = hold_connections(port, 1)
    run.wait_for(out, lambda e: e["event"] == "connection", "sixteen server: first connection not seen")
    held += hold_connections(port, 1)
    run.wait_for(out, lambda e: e["event"] == "error" and "max_conns" in e, "sixteen server: no refusal")
    for s in held:
        s.close()
    run.wait_for(out, lambda e: e["event"] == "error" and e.get("conn") == 1, "sixteen server: held connection not ended")
    run.stop(proc, out, "sixteen server")

    # uppercase: every strategy, load, and the naive client's deadlock diagnosis.
    proc, port, out = run.server(["uppercase", "server"])
    p = ["-p", str(port)]
    run.client("uppercase client", ["uppercase", "client", "127.0.0.1", *p])
    run.client("uppercase client", ["uppercase", "client", "127.0.0.1", "1048576", *p, "--strategy", "threads"])
    run.client("uppercase client", ["uppercase", "client", "127.0.0.1", "4194304", *p, "--strategy", "async"])
    run.client("bench", ["bench", "uppercase", "127.0.0.1", *p, "--connections", "2", "--bytes", "1M"])
    events = run.client("uppercase client", ["uppercase", "client", "127.0.0.1", "268435456", *p, "--stall-timeout", "1"],
                        status=7)
    if events[-4]["event"] != "error" or events[-4].get("deadlock") is not True:
        raise Mismatch(f"uppercase client: the deadlock ended without its diagnosis: {events[-4]}")
    if events[-3]["event"] != "session" or events[-3]["close_how"] != "stall_timeout":
        raise Mismatch(f"uppercase client: the deadlocked session's summary is missing or wrong: {events[-3]}")
    run.wait_for(out, lambda e: e["event"] == "end" and e.get("conn") == 5 or e["event"] == "error" and e.get("conn") == 5,
                 "uppercase server: the deadlocked session did not end")
    run.stop(proc, out, "uppercase server")

    # lines: a file, stdin, a line over --max-line, load. The server's events are on stderr.
    proc, port, out = run.server(["lines", "server", "--max-line", "64"], json_on_stderr=True)
    p = ["-p", str(port)]
    notes = run.scratch / "notes.txt"
    notes.write_bytes(b"one\r\ntwo\n\nlast without a newline")
    run.client("lines client", ["lines", "client", "127.0.0.1", str(notes), *p])
    run.client("lines client", ["lines", "client", "127.0.0.1", *p], stdin=b"from stdin\n")
    run.client("lines client", ["lines", "client", "127.0.0.1", *p], stdin=b"short\n" + b"x" * 100 + b"\n", status=6)
    run.client("bench", ["bench", "lines", "127.0.0.1", *p, "--connections", "2", "--bytes", "100K"])
    utf8_text(run, p)
    run.stop(proc, out, "lines server")

    # A server that cannot listen (the port is taken): its error and end are its only events.
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    for program in ("sixteen", "uppercase", "lines"):
        run.failed_server(f"{program} server", [program, "server", "127.0.0.1", "-p", str(taken.getsockname()[1])],
                          json_on_stderr=program == "lines")
    taken.close()

    # Clients against peers: the lab's server (no acknowledgement), one that never reads, none at all.
    _, port = run.peer("lines-no-ack")
    run.client("lines client", ["lines", "client", "127.0.0.1", str(notes), "-p", str(port), "--no-ack"])
    _, port = run.peer("never-read")
    events = run.client("uppercase client", ["uppercase", "client", "127.0.0.1", "268435456", "-p", str(port),
                                             "--stall-timeout", "1"], status=4)
    if events[-4].get("deadlock") is not False or events[-3]["close_how"] != "stall_timeout":
        raise Mismatch(f"uppercase client: a server that never reads is not diagnosed as a stall: {events[-4:]}")
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))  # bound, not listening: a connection there is refused
    p = ["-p", str(refused.getsockname()[1])]
    for program in ("sixteen", "uppercase", "lines"):
        run.client(f"{program} client", [program, "client", "127.0.0.1", *p], status=3, stdin=b"")
    refused.close()
    run.client("lines client", ["lines", "client", "127.0.0.1", str(run.scratch), *p], status=1, starts=False)


    # proxy: an exchange through --slice 1 to a sixteen server, a reset-after cut, a refused upstream.
    upstream, port, upstream_out = run.server(["sixteen", "server"])
    proc, proxy_port, out = run.server(["proxy", "--to", f"127.0.0.1:{port}", "--slice", "1", "--up", "--seed", "7"])
    p = ["-p", str(proxy_port)]
    run.client("sixteen client", ["sixteen", "client", "127.0.0.1", *p])
    run.wait_for(out, lambda e: e["event"] == "end" and e.get("conn") == 1, "proxy: the first connection did not end")
    run.stop(proc, out, "proxy server")
    proc, proxy_port, out = run.server(["proxy", "--to", f"127.0.0.1:{port}", "--reset-after", "4", "--up"])
    run.client("sixteen client", ["sixteen", "client", "127.0.0.1", "-p", str(proxy_port)], status=6)
    run.wait_for(out, lambda e: e["event"] == "end" and e.get("up_end") == "reset_after", "proxy: no reset_after end")
    run.stop(proc, out, "proxy server")
    run.stop(upstream, upstream_out, "sixteen server")
    proc, proxy_port, out = run.server(["proxy", "--to", f"127.0.0.1:{port}"])  # the upstream has gone
    run.client("sixteen client", ["sixteen", "client", "127.0.0.1", "-p", str(proxy_port)], status=6)
    run.wait_for(out, lambda e: e["event"] == "error" and e.get("conn") == 1, "proxy: no error for a refused upstream")
    run.stop(proc, out, "proxy server")

    # check: every verdict the suites give, from tcpkit's own server (all OK) and a pinned reply
    # it does not send (FAILED, exit 8); the text table goes to stderr.
    own = [run.binary, "sixteen", "server", "{host}", "-p", "{port}"]
    run.client("check", ["check", "sixteen", "server", "--", *own])
    run.client("check", ["check", "sixteen", "server", "--case", "exchange", "--expect-reply", "Goodbye, client!", "--", *own],
               status=8)


def utf8_text(run, p):
    """Text fields are UTF-8: a FILE named café.txt is "café.txt" (not the bytes escaped one by one,
    "caf\\u00c3\\u00a9.txt", which reads back as cafÃ©.txt); a name that is not UTF-8 (Latin-1
    café) has U+FFFD in place of the invalid byte; an error's message is text too."""
    for name, shown in ((b"caf\xc3\xa9.txt", "café.txt"), (b"caf\xe9.txt", "caf\ufffd.txt")):
        path = os.fsencode(run.scratch) + b"/" + name
        Path(os.fsdecode(path)).write_bytes(b"one line\n")
        events = run.client("lines client", ["lines", "client", "127.0.0.1", os.fsdecode(path), *p])
        inputs = [e["input"] for e in events if "input" in e]
        if inputs != [f"{run.scratch}/{shown}"] * 2:
            raise Mismatch(f"lines client {name!r}: start and connection should say input {shown!r}: {inputs}")
    events = run.client("lines client", ["lines", "client", "127.0.0.1", str(run.scratch / "naïve.txt"), *p],
                        status=1, starts=False)
    if "naïve.txt" not in events[-2]["message"]:
        raise Mismatch(f"lines client: the error does not name naïve.txt in UTF-8: {events[-2]}")


def packet_scenarios(run):
    """--packets on every role; False when this process may not capture (not root)."""
    if os.geteuid() != 0:
        return False
    for program in ("sixteen", "uppercase", "lines"):
        proc, port, out = run.server([program, "server", "--packets"], json_on_stderr=program == "lines")
        events = run.client(f"{program} client", [program, "client", "127.0.0.1", "-p", str(port), "--packets"],
                            stdin=b"one line\n" if program == "lines" else None)
        packets = [e for e in events if e["event"] == "packet"]
        sessions = [e for e in events if e["event"] == "session"]
        if [p["flags"] for p in packets[:2]] != ["SYN", "SYN-ACK"] or not sessions or "segments_sent" not in sessions[-1]:
            raise Mismatch(f"{program} client --packets: no handshake, or a summary without segment counts: {events}")
        run.wait_for(out, lambda e: e["event"] == "packet" and e.get("note") == "handshake complete",
                     f"{program} server --packets: no handshake seen")
        run.stop(proc, out, f"{program} server")
    return True


def main():
    binary, docs = sys.argv[1], Path(sys.argv[2])
    try:
        schema = Schema(docs / "json-schema.json")
        examples = check_docs(schema, docs / "JSON.md")
        print(f"docs/JSON.md: {examples} examples match docs/json-schema.json, every key documented")
        for key in schema.seen:
            schema.seen[key] = 0  # coverage counts only what the programs emit
        with tempfile.TemporaryDirectory() as scratch:
            run = Run(binary, schema, scratch)
            try:
                scenarios(run)
                captured = packet_scenarios(run)
            finally:
                for proc in run.servers:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
        if not captured:
            print("packet events: not checked against the programs (capturing needs root or CAP_NET_RAW)")
        unseen = schema.unseen(exempt_events=() if captured else ("packet",))
        if unseen:
            raise Mismatch("shapes the programs never emitted (mark them \"untested\" with a reason, or exercise them):\n  "
                           + "\n  ".join(unseen))
        print(f"programs: {run.events} events from every program and role match docs/json-schema.json")
        return 0
    except (Mismatch, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
