#!/usr/bin/env python3
"""Regenerates the transcripts in the docs from real runs of tcpkit, or checks that they still match.

    transcripts.py [--tcpkit PATH] FILE.md|DIR...            rewrite each transcript block in place
    transcripts.py [--tcpkit PATH] --check FILE.md|DIR...    regenerate in memory, compare; exit 1 on drift

(A DIR stands for its *.md files; files without scenes are left alone.) From the repository root,
after building: `scripts/transcripts.py README.md docs` regenerates everything; CTest runs
`--check` on the same as `docs.Transcripts`.

A document says what to run in a *scene*, an HTML comment (invisible on GitHub):

    <!-- scene handshake
    A& tcpkit sixteen server 127.0.0.1
    wait A Waiting to accept a new connection
    B$ tcpkit sixteen client 127.0.0.1
    wait A 2 Waiting to accept a new connection
    -->

and shows what it printed in *transcript blocks*, which this script owns (never edit between the
markers by hand):

    <!-- transcript handshake A B A@B -->
    ...generated...
    <!-- /transcript -->

Scene lines, run in order by bash, each step in a fresh scratch folder shared by the scene:
  LABEL& COMMAND        start COMMAND in the background (a server: terminal A)
  LABEL$ COMMAND        run COMMAND and wait for it to exit (at most 120 s)
  > MORE                the command goes on on this line (shown so, like a shell's prompt)
  wait LABEL [N] TEXT   wait (at most 20 s) until TEXT appears N times (default 1) in what LABEL printed
  join LABEL            wait (at most 120 s) until LABEL and everything it started have exited
  stop LABEL SIGNAL     send SIGNAL (INT, TERM, KILL) to LABEL's process group; wait until it and
                        everything it started have gone (their output closed), at most 20 s
  mark NAME             start a new span of output called NAME (below)
  needs root|seeds      the scene runs only as root (packet capture needs CAP_NET_RAW), or only
                        where the seeds' Python programs are (--seeds); elsewhere it is skipped,
                        said so, and its blocks are left as they are (--check does not fail)
  untraced              run the scene's steps without strace (below): for programs that write
                        a great deal, as a checked program logging every chunk, which strace
                        would stop at every write; --check compares each stream on its own
Each `&`, `$` or `mark` line starts a span named by its label. In a transcript block, `L` shows
`$ COMMAND` and what L printed during its own span; `L..` the command and everything L printed;
`L@M` what L printed during span M, `L@M..` from span M on (both without the command).
Options after the items: `numbers` (in --check, every number may differ: kernel buffer sizes),
`unordered` (in --check, the lines may come in any order: `ss`, or the threads client, whose
sender and receiver threads each print their own count), `excerpt` (in --check, only the
commands and how many lines they printed: a few lines picked from an output whose lines depend
on timing, as the first or last rungs of a deadlock's ladder, or the order of a teardown).

Each scene's steps run in the folder NAME (the scene's name) inside a scratch folder, shown as
/tmp; beside it `shared/seeds/py` is the seeds' folder, so that `../shared/seeds/py/tcp_sixteen.py`
names the seeds' programs as it does from the repository root. $TRANSCRIPT_REPO is the repository.

Ports: every port of the seeds' range the scene names (1060-1099) stands for a port that is free on
this machine when the scene starts; a `tcpkit PROGRAM ROLE` without -p gets the stand-in of 1060
(not `tcpkit check`, which picks free ports for the program it tests).
Output shows the documented ports again. Lines written to stderr are shown as `2| LINE`.

--check compares each block after normalising what legitimately varies between runs: client
(ephemeral) ports (also as `-p N` and Python's `('HOST', N)`), durations, rates, rtt, cwnd,
retransmissions, which side's FIN came first, whether a dying peer's connection `ended by EOF`
or `reset` (unread input or not), advertised windows (`win=N`), pids, the folders of absolute
paths (temporary files, Python's own), and runs of blanks; the lines in which `tcpkit check`
quotes a program's stderr (Python's tracebacks, which differ between Python versions and with
timing) are left out. Exit status: 0 match, 1 drift or a failed scene, 77 a needed tool is
missing.
"""
import argparse
import difflib
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOC_PORTS = range(1060, 1100)
STEP_TIMEOUT = 120.0
WAIT_TIMEOUT = 20.0
SCENE_RE = re.compile(r"<!-- scene (\S+)\n(.*?)\n-->", re.S)
BLOCK_RE = re.compile(r"(<!-- transcript ([^\n]*?) -->\n)(.*?)(<!-- /transcript -->)", re.S)
OPTIONS = {"numbers", "unordered", "excerpt"}
REPO = Path(__file__).resolve().parent.parent

# `tcpkit` on the scenes' PATH: the binary under test, given the stand-in of port 1060 when a
# role is run without a port of its own.
WRAPPER = """#!/bin/bash
args=("$@")
if [[ $1 != check && " $* " != *" -p "* && " $* " != *" --port"* && " $* " != *" -p"[0-9]* ]]; then
  for ((i = 0; i < ${#args[@]} && i < 3; i++)); do
    if [[ ${args[i]} == server || ${args[i]} == client ]]; then
      args=("${args[@]:0:i+1}" -p "$TRANSCRIPT_PORT" "${args[@]:i+1}")
      break
    fi
  done
fi
exec "$TRANSCRIPT_TCPKIT" "${args[@]}"
"""


class SceneError(Exception):
    pass


def free_port():
    """A port nobody listens at on IPv4 or IPv6 now (the kernel's choice, then released)."""
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", 0))
        return s.getsockname()[1]


class Step:
    """One command of a scene: its process group and everything it printed, with the span each byte came in.

    A program's stdout and stderr are two pipes, and from outside them the order between a line on
    one and a line on the other written a microsecond later is lost. So when strace is there the
    command runs under it, tracing only write(2)/writev(2): the trace gives the order of the writes
    to the two pipes, the pipes give their bytes.
    """

    def __init__(self, label, command, shown, env, cwd, strace):
        self.label, self.command, self.shown = label, command, shown
        self.trace = Path(cwd, f".strace-{label}") if strace else None
        # The command's own end, whatever it leaves running in the background: a file its bash
        # makes last (`: >` writes nothing, so the trace stays the program's).
        self.sentinel = Path(cwd, f".done-{label}")
        argv = ["bash", "-c", f"{command}\n: > {shlex.quote(str(self.sentinel))}"]
        if self.trace:
            argv = ["strace", "-f", "--seccomp-bpf", "-q", "-e", "trace=write,writev", "-e", "signal=none",
                    "-y", "-s", "0", "-o", str(self.trace)] + argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True)
        self.open = {self.proc.stdout.fileno(): 1, self.proc.stderr.fileno(): 2}
        self.inode = {os.fstat(fd).st_ino: stream for fd, stream in self.open.items()}
        for fd in self.open:
            os.set_blocking(fd, False)
        self.data = {1: bytearray(), 2: bytearray()}
        self.reads = []  # (span, stream, offset, length), in the order they were read
        self.trace_text = None

    def read(self, fd, span):
        stream = self.open[fd]
        data = os.read(fd, 65536)
        if not data:
            del self.open[fd]
            return
        self.reads.append((span, stream, len(self.data[stream]), len(data)))
        self.data[stream] += data

    def exited(self):
        """The command itself (bash) has exited, whatever it left running in the background."""
        return self.proc.poll() is not None or self.sentinel.exists()

    def finished(self):
        return self.proc.poll() is not None and not self.open

    def signal(self, sig):
        """Sends sig to every process of the step's group; under strace not to strace itself, which
        passes each tracee its signal and exits once they have all gone."""
        targets = [self.proc.pid]
        if self.trace and sig != signal.SIGKILL:
            targets = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue
                pid = int(stat.parent.name)
                if int(fields[2]) == self.proc.pid and pid != self.proc.pid:
                    targets.append(pid)
        for pid in targets:
            try:
                (os.kill if self.trace and sig != signal.SIGKILL else os.killpg)(pid, sig)
            except ProcessLookupError:
                pass

    def keep_trace(self):
        """Reads the trace into memory before the scene's folder goes."""
        self.trace_text = self.trace.read_text(errors="replace") if self.trace and self.trace.exists() else None

    def writes(self):
        """[(stream, bytes)] in the order the program wrote them: the trace's, else the order read."""
        order = [(stream, length) for _, stream, _, length in self.reads]
        if self.trace_text is not None:
            order, pending = [], {}
            for line in self.trace_text.splitlines():
                m = re.match(r"(\d+) +(?:write|writev)\(\d+<pipe:\[(\d+)\]>.*?(?:\) += (\d+)|<unfinished \.\.\.>)", line)
                if m and int(m.group(2)) in self.inode:
                    if m.group(3) is None:
                        pending[m.group(1)] = self.inode[int(m.group(2))]
                    else:
                        order.append((self.inode[int(m.group(2))], int(m.group(3))))
                elif m := re.match(r"(\d+) +<\.\.\. (?:write|writev) resumed>.*\) += (\d+)", line):
                    if m.group(1) in pending:
                        order.append((pending.pop(m.group(1)), int(m.group(2))))
        taken, chunks = {1: 0, 2: 0}, []
        for stream, length in order:
            chunks.append((stream, taken[stream], length))
            taken[stream] += length
        for stream in (1, 2):  # bytes no traced write accounts for (a program writing another way)
            if taken[stream] < len(self.data[stream]):
                chunks.append((stream, taken[stream], len(self.data[stream]) - taken[stream]))
        return chunks

    def span_of(self, stream, offset):
        for span, s, start, length in self.reads:
            if s == stream and start <= offset < start + length:
                return span
        return None

    def lines(self):
        """[(span, stream, text)]: the lines in the order written, each with the span its first byte was read in."""
        result, partial = [], {1: None, 2: None}
        for stream, offset, length in self.writes():
            data = bytes(self.data[stream][offset:offset + length])
            while data:
                if partial[stream] is None:
                    partial[stream] = (offset, b"")
                start, text = partial[stream]
                piece, newline, data = data.partition(b"\n")
                offset += len(piece) + len(newline)
                if newline:
                    result.append((self.span_of(stream, start), stream, (text + piece).decode(errors="replace")))
                    partial[stream] = None
                else:
                    partial[stream] = (start, text + piece)
        for stream, rest in partial.items():
            if rest is not None and rest[1]:
                result.append((self.span_of(stream, rest[0]), stream, rest[1].decode(errors="replace")))
        return result


class Scene:
    def __init__(self, name, script, tcpkit, bindir, strace, seeds):
        self.name, self.script = name, script
        self.strace = strace and "untraced" not in self.directives()
        self.scratch = tempfile.mkdtemp(prefix=f"transcript-{name}-")
        self.workdir = Path(self.scratch, name)
        self.workdir.mkdir()
        if seeds:
            Path(self.scratch, "shared", "seeds").mkdir(parents=True)
            Path(self.scratch, "shared", "seeds", "py").symlink_to(seeds)
        self.ports = {}
        for number in sorted(set(int(p) for p in re.findall(r"\b(10[6-9]\d)\b", script)) | {1060}):
            if number in DOC_PORTS:
                self.ports[number] = free_port()
        self.env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", TRANSCRIPT_TCPKIT=tcpkit,
                        TRANSCRIPT_PORT=str(self.ports[1060]), TRANSCRIPT_REPO=str(REPO), LC_ALL="C.UTF-8")
        self.steps, self.span = {}, None

    def real(self, command):
        for doc, real in self.ports.items():
            command = re.sub(rf"\b{doc}\b", str(real), command)
        return command

    def documented(self, text):
        text = text.replace(self.scratch, "/tmp")
        for doc, real in self.ports.items():
            text = re.sub(rf"\b{real}\b", str(doc), text)
        return text

    def pump(self, until, timeout, what):
        """Reads every step's output until until() holds; SceneError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            fds = {fd: step for step in self.steps.values() for fd in step.open}
            ready = select.select(list(fds), [], [], 0.02)[0] if fds else []
            if not fds:
                time.sleep(0.02)
            for fd in ready:
                fds[fd].read(fd, self.span)
            if not ready and until():
                return
            if time.monotonic() > deadline:
                raise SceneError(f"scene {self.name}: {what}: still waiting after {timeout:.0f} s")

    def step(self, label):
        if label not in self.steps:
            raise SceneError(f"scene {self.name}: no step {label}")
        return self.steps[label]

    def run_line(self, line):
        words = line.split(None, 3)
        if m := re.fullmatch(r"(\w+)([&$]) (.*)", line, re.S):
            label, kind, command = m.groups()
            self.span = label
            step = self.steps[label] = Step(label, self.real(command), command, self.env, self.workdir, self.strace)
            if kind == "$":
                self.pump(step.exited, STEP_TIMEOUT, f"{label}$ {command}")
        elif words[0] == "wait":
            step = self.step(words[1])
            count, text = (int(words[2]), line.split(None, 3)[3]) if words[2].isdigit() else (1, line.split(None, 2)[2])
            seen = lambda: self.documented(bytes(step.data[1] + step.data[2]).decode(errors="replace")).count(text) >= count
            self.pump(seen, WAIT_TIMEOUT, f"{line} (it printed: {bytes(step.data[1] + step.data[2])!r})")
        elif words[0] == "stop":
            step = self.step(words[1])
            step.signal(getattr(signal, "SIG" + words[2]))
            self.pump(step.finished, WAIT_TIMEOUT, line)
        elif words[0] == "join":
            step = self.step(words[1])
            self.pump(step.finished, STEP_TIMEOUT, line)
        elif words[0] == "mark":
            self.span = words[1]
        elif words[0] in ("needs", "untraced"):
            pass  # Scene.needs(), Scene.strace
        else:
            raise SceneError(f"scene {self.name}: cannot read the line: {line}")

    def directives(self):
        """The scene's lines, a command's `> ` continuation lines joined to it (newlines kept)."""
        result = []
        for line in self.script.splitlines():
            if (line.startswith("> ") or line == ">") and result:
                result[-1] += "\n" + line[2:]
            elif line.strip() and not line.lstrip().startswith("#"):
                result.append(line.strip())
        return result

    def run(self):
        try:
            for line in self.directives():
                self.run_line(line)
            self.pump(lambda: True, WAIT_TIMEOUT, "reading what is left")
            self.span = "end"
        finally:
            self.close()

    def close(self):
        """Stops whatever is still running: TERM, then KILL whatever is left after 5 s."""
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            alive = [s for s in self.steps.values() if not s.finished()]
            for s in alive:
                s.signal(sig)
            try:
                self.pump(lambda: all(s.finished() for s in alive), grace, "stopping")
            except SceneError:
                continue
        for s in self.steps.values():
            s.keep_trace()
            s.proc.wait(timeout=5)
            s.proc.stdout.close()
            s.proc.stderr.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def needs(self):
        """What the scene needs that this run may not have: {"root", "seeds"}."""
        return {word for line in self.directives() if line.startswith("needs ") for word in line.split()[1:]}

    def spans(self):
        """The span names in the order they began."""
        order = []
        for line in self.directives():
            if m := re.fullmatch(r"(\w+)[&$] .*", line, re.S):
                order.append(m.group(1))
            elif line.startswith("mark "):
                order.append(line.split()[1])
        return order

    def show(self, item):
        """The lines of one transcript item (`L`, `L..`, `L@M`, `L@M..`)."""
        m = re.fullmatch(r"(\w+)(?:@(\w+))?(\.\.)?", item)
        if not m:
            raise SceneError(f"scene {self.name}: bad item {item}")
        label, span, onward = m.groups()
        step, order = self.step(label), self.spans()
        first = span or label
        if first not in order:
            raise SceneError(f"scene {self.name}: no span {first}")
        wanted = set(order[order.index(first):]) if onward else {first}
        out = [] if span else ("$ " + step.shown.replace("\n", "\n> ")).split("\n")
        for line_span, stream, text in step.lines():
            if line_span in wanted:
                text = self.documented(text).rstrip()
                out.append(("2| " + text) if stream == 2 else text)
        return out


def strace_works():
    try:
        return subprocess.run(["strace", "-f", "-qq", "-e", "trace=write", "-o", "/dev/null", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def normalise(lines, options):
    """What may differ between two honest runs, replaced by placeholders (for --check)."""
    result = []
    for line in lines:
        if re.match(r"\s*\+[\d.]+ s +(server|client) stderr: ", line):
            continue  # a program's own stderr quoted by tcpkit check: a traceback, Python's and the timing's
        line = re.sub(r"(\d+\.\d+\.\d+\.\d+|\]):(\d+)", lambda m: m.group(1) + ":" + (
            m.group(2) if int(m.group(2)) in DOC_PORTS else "PORT"), line)
        line = re.sub(r"\d+(\.\d+)? ?[kMG]?B/s", "RATE", line)
        line = re.sub(r"\d+(\.\d+)? ?(ms|s|us|µs)\b", "DURATION", line)
        line = re.sub(r"\b(rtt|cwnd) [\d.]+", r"\1 N", line)
        line = re.sub(r"\d+ retransmitted", "N retransmitted", line)
        line = re.sub(r"the (client|server) closed first", "the SIDE closed first", line)
        line = re.sub(r"(\('[\d.:a-f]+', |-p )(\d+)\b", lambda m: m.group(1) + (
            m.group(2) if int(m.group(2)) in DOC_PORTS else "PORT"), line)
        line = re.sub(r"\bwin=[1-9]\d*", "win=N", line)
        line = re.sub(r"\bended by (EOF|reset)\b", "ended by EOF-or-reset", line)  # a dying peer's unread input
        line = re.sub(r"\bpid \d+", "pid N", line)
        line = re.sub(r"(?<![\w.~])/(?:[^/\s\"']+/)+", "PATH/", line)
        if "numbers" in options:
            mark, line = ("2| ", line[3:]) if line.startswith("2| ") else ("", line)
            line = mark + re.sub(r"\d+", "N", line)
        result.append(" ".join(line.split()))
    if "excerpt" in options:
        commands = [l for l in result if l.startswith("$ ")]
        return commands + [f"{len(result) - len(commands)} lines"]
    if "streams" in options:  # each stream in its own order, stdout first
        result = [l for l in result if not l.startswith("2| ")] + [l for l in result if l.startswith("2| ")]
    return sorted(result) if "unordered" in options else result


def render(lines):
    body = "\n".join(("    " + l).rstrip() for l in lines)
    return f"\n{body}\n\n"


def regenerate(text, tcpkit, bindir, strace, seeds, where):
    """The document with every transcript block made anew, but those of scenes this run cannot
    have (needs root, needs seeds) left as they are; also [(spec, options, old lines, new lines)]."""
    scenes = {m.group(1): m.group(2) for m in SCENE_RE.finditer(text)}
    needed = {}
    for m in BLOCK_RE.finditer(text):
        name = m.group(2).split()[0]
        if name not in scenes:
            raise SceneError(f"{where}: a transcript block names no scene of this file: {name}")
        needed.setdefault(name, None)
    have = {"root"} if os.geteuid() == 0 else set()
    have |= {"seeds"} if seeds else set()
    for name in needed:
        started = time.monotonic()
        scene = Scene(name, scenes[name], tcpkit, bindir, strace, seeds)
        if missing := scene.needs() - have:
            shutil.rmtree(scene.scratch, ignore_errors=True)
            why = {"root": "root (to capture packets)", "seeds": "the seeds' programs (--seeds)"}
            print(f"{where}: scene {name}: SKIP: it needs {' and '.join(why[m] for m in sorted(missing))}; "
                  "its blocks are left as they are", file=sys.stderr, flush=True)
            continue
        scene.run()
        needed[name] = scene
        print(f"{where}: scene {name}: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    compared = []

    def replace(m):
        name, *items = m.group(2).split()
        if needed[name] is None:
            return m.group(0)
        options = {i for i in items if i in OPTIONS}
        lines = [l for i in items if i not in OPTIONS for l in needed[name].show(i)]
        old = [l[4:] if l.startswith("    ") else l for l in m.group(3).strip("\n").split("\n")] if m.group(3).strip() else []
        if not needed[name].strace:
            options = options | {"streams"}
        compared.append((m.group(2), options, old, lines))
        return m.group(1) + render(lines) + m.group(4)

    return BLOCK_RE.sub(replace, text), compared


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tcpkit", default="build/tcpkit", help="the tcpkit binary to run (default build/tcpkit)")
    parser.add_argument("--check", action="store_true", help="compare instead of rewriting; exit 1 on drift")
    parser.add_argument("--seeds", type=Path, default=REPO.parent / "shared" / "seeds" / "py",
                        help="the seeds' Python programs, for scenes that need them (default ../shared/seeds/py)")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    missing = [tool for tool in ("bash", "ss", "nc", "python3") if not shutil.which(tool)]
    if missing:
        print(f"SKIP: transcripts need {', '.join(missing)}", file=sys.stderr)
        return 77
    tcpkit = str(Path(args.tcpkit).resolve())
    seeds = args.seeds.resolve() if (args.seeds / "tcp_sixteen.py").is_file() else None
    strace = strace_works()
    if not strace:
        print("transcripts: no working strace: the order between stdout and stderr lines is the order they were "
              "read in (--check then compares each stream on its own)", file=sys.stderr)
    bindir = tempfile.mkdtemp(prefix="transcript-bin-")
    wrapper = Path(bindir, "tcpkit")
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    drift = 0
    files = [f for arg in args.files for f in (sorted(arg.glob("*.md")) if arg.is_dir() else [arg])]
    try:
        for path in files:
            text = path.read_text()
            if not SCENE_RE.search(text):
                continue
            new, compared = regenerate(text, tcpkit, bindir, strace, seeds, path)
            if not args.check:
                if new != text:
                    path.write_text(new)
                    print(f"{path}: rewritten", file=sys.stderr)
                continue
            for spec, options, old, lines in compared:
                a, b = normalise(old, options), normalise(lines, options)
                if a != b:
                    drift += 1
                    print(f"{path}: transcript '{spec}' no longer matches what tcpkit prints "
                          f"(normalised; - in the doc, + now):", file=sys.stderr)
                    sys.stderr.writelines(l + "\n" for l in difflib.unified_diff(a, b, "doc", "now", lineterm="", n=1))
    except SceneError as e:
        print(f"transcripts: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(bindir, ignore_errors=True)
    if args.check:
        print(f"transcripts: {'all match' if not drift else f'{drift} drifted; run scripts/transcripts.py FILE.md to regenerate'}",
              file=sys.stderr)
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
