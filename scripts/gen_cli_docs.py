#!/usr/bin/env python3
"""Generates the man page tcpkit(1) and the bash completion from the CLI's own --help output.

One source: the option definitions in cli/. Whatever `tcpkit ... --help` says, the man page and
the completion say too, so they cannot drift apart from the program. The page's prose (what
each program and role does, OUTPUT, EXAMPLES, FILES) is docs/tcpkit.1.in, its EXIT STATUS the
table of docs/CLI.md.

    gen_cli_docs.py PATH/TO/tcpkit OUT_DIR     -> OUT_DIR/tcpkit.1, OUT_DIR/tcpkit.bash
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path


def help_text(binary, words):
    return subprocess.run([binary, *words, "--help"], check=True, capture_output=True, text=True).stdout


def sections(text):
    """Splits CLI11 help into {'': preamble, 'Options': [...], 'Subcommands': [...], ...}."""
    result, name = {"": []}, ""
    for line in text.splitlines():
        header = re.fullmatch(r"(Options|Subcommands|Positionals):", line)
        if header:
            name = header.group(1)
            result[name] = []
        elif name and line and not line.startswith(" "):
            name = "footer"
            result.setdefault(name, []).append(line)
        else:
            result.setdefault(name, []).append(line)
    return result


def entries(lines):
    """Items of an Options/Subcommands block: (first column, description)."""
    items = []
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("  ") and not line.startswith("    ") and line.strip():
            parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            items.append([parts[0], parts[1] if len(parts) > 1 else ""])
        elif items:
            items[-1][1] = (items[-1][1] + " " + line.strip()).strip()
    return items


def walk(binary, words=()):
    """Yields (words, help sections) for every command, depth first."""
    parsed = sections(help_text(binary, list(words)))
    yield list(words), parsed
    for first, _ in entries(parsed.get("Subcommands", [])):
        name = first.split(",")[0].strip()
        yield from walk(binary, (*words, name))


def option_names(first_column):
    names = []
    for token in first_column.split()[0].split(","):
        if token.startswith("-"):
            names.append(token)
    return names


def choices(first_column):
    match = re.search(r"\{([^}]*)\}", first_column)
    return match.group(1).split(",") if match else []


def roff(text):
    return text.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq")


def man_parts(path):
    """The hand-written parts of the page: {name: roff lines}, from `.\\" part: NAME` markers."""
    parts, name = {}, None
    for line in Path(path).read_text().splitlines():
        if line.startswith('.\\" part: '):
            name = line.split(": ", 1)[1].strip()
            parts[name] = []
        elif name is not None:
            parts[name].append(line)
    return parts


def markdown_inline(text):
    """`code` and **bold** of a Markdown table cell, as roff."""
    text = roff(text)
    text = re.sub(r"`([^`]*)`", r"\\fB\1\\fR", text)
    return re.sub(r"\*\*([^*]*)\*\*", r"\\fB\1\\fR", text)


def exit_statuses(cli_md):
    """docs/CLI.md's exit-status table, [(code, meaning)], and the paragraph right after it."""
    lines = Path(cli_md).read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if re.fullmatch(r"\| exit status \| meaning \|", l.strip()))
    rows, i = [], start + 2
    while i < len(lines) and lines[i].startswith("|"):
        cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
        rows.append((cells[0], cells[1]))
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    note = []
    while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|", "    ")):
        note.append(lines[i].strip())
        i += 1
    return rows, " ".join(note)


def help_exit_codes(top):
    """The codes the top-level --help footer lists after "Exit codes:"."""
    footer = " ".join(top.get("footer", []))
    listed = footer.split("Exit codes:", 1)[1] if "Exit codes:" in footer else ""
    return sorted({int(c) for c in re.findall(r"(?:^|[ ,])(\d{1,3}) ", listed)})


def man_page(binary, commands, parts, cli_md):
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    top = commands[0][1]
    lines = [
        f'.TH TCPKIT 1 "" "{roff(version)}" "User Commands"',
        ".SH NAME",
        "tcpkit \\- " + roff(top[""][0].split(": ", 1)[-1]),
        ".SH SYNOPSIS",
    ]
    leaves = [(w, s) for w, s in commands if w and "Subcommands" not in s]
    for words, parsed in leaves:
        usage = next((l for l in parsed[""] if l.startswith("Usage: ")), "")
        lines += [".br", "\\fB" + roff(" ".join(["tcpkit", *words])) + "\\fR " + roff(usage.split(" ", 2 + len(words))[-1])]
    lines += [".SH DESCRIPTION"] + parts.get("description", [])
    described = {"description", "output", "examples", "files", "see also"}
    examples = []
    for words, parsed in commands:
        if not words:
            continue
        key = " ".join(words)
        described.add(key)
        description = next((l for l in parsed[""] if l and not l.startswith("Usage: ")), "")
        lines += [".SS " + roff(" ".join(["tcpkit", *words]))]
        lines += parts.get(key, [roff(description)])
        # The footer: notes (unindented lines) and examples (indented command lines).
        footer = [l for l in parsed.get("footer", []) if l.strip()]
        notes = [l.strip() for l in footer if not l.startswith(" ") and not l.startswith("Example")]
        if notes:
            lines += [".PP", roff(" ".join(notes))]
        if "Subcommands" in parsed:
            continue
        options = [(f, x) for f, x in entries(parsed.get("Positionals", [])) + entries(parsed.get("Options", []))
                   if not f.startswith("-h,--help")]
        if options:
            lines += [".PP", "Arguments and options:"]
        for first, text in options:
            lines += [".TP", "\\fB" + roff(first) + "\\fR", roff(text)]
        examples += [(key, [l.strip() for l in footer if l.startswith("  ")])]
    for name in sorted(set(parts) - described):
        print(f"gen_cli_docs.py: the man page part '{name}' names no command of tcpkit --help", file=sys.stderr)
    lines += [".SH OUTPUT"] + parts.get("output", [])
    rows, note = exit_statuses(cli_md)
    lines += [".SH EXIT STATUS"]
    for code, meaning in rows:
        lines += [".TP", "\\fB" + roff(code) + "\\fR", markdown_inline(meaning)]
    if note:
        lines += [".PP", markdown_inline(note)]
    lines += [".SH EXAMPLES"] + parts.get("examples", [])
    for key, shown in examples:
        if shown:
            lines += [".PP", "\\fBtcpkit " + roff(key) + "\\fR", ".nf"] + ["  " + roff(l) for l in shown] + [".fi"]
    lines += [".SH FILES"] + parts.get("files", [])
    lines += [".SH SEE ALSO"] + parts.get("see also", ["nc(1), socat(1), iperf3(1), ss(8)"])
    return "\n".join(lines) + "\n"


def aliases(commands):
    """(prefix words, alias, name) for every subcommand alias: "sixteen, simple" -> simple."""
    found = []
    for words, parsed in commands:
        for first, _ in entries(parsed.get("Subcommands", [])):
            names = [n.strip() for n in first.split(",")]
            found += [(words, alias, names[0]) for alias in names[1:]]
    return found


def completion(commands):
    cases = []
    for words, parsed in commands:
        subs = []
        for first, _ in entries(parsed.get("Subcommands", [])):
            subs += [n.strip() for n in first.split(",")]
        opts, values = [], []
        for first, _ in entries(parsed.get("Options", [])):
            opts += option_names(first)
            if choices(first):
                values.append((option_names(first), choices(first)))
        key = " ".join(words)
        body = []
        for names, vals in values:
            body.append(f'    case "$prev" in {"|".join(names)}) COMPREPLY=($(compgen -W "{" ".join(vals)}" -- "$cur")); return;; esac')
        body.append(f'    COMPREPLY=($(compgen -W "{" ".join(subs + opts)}" -- "$cur"))')
        if not subs:
            body.append('    [[ "$cur" != -* ]] && COMPREPLY+=($(compgen -f -- "$cur"))')
        cases.append(f'  "{key}")\n' + "\n".join(body) + "\n    ;;")
    return f"""# bash completion for tcpkit, generated from its --help by scripts/gen_cli_docs.py
_tcpkit() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} path="" i word
  # The command path: the words before the cursor that name programs and roles.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    [[ "$word" == -* ]] && break
    case "$path $word" in
{chr(10).join(f'      "{" ".join(w[:-1])} {w[-1]}") path="{" ".join(w)}";;' for w, _ in commands if w)}
{chr(10).join(f'      "{" ".join(w)} {a}") path="{" ".join([*w, n])}";;' for w, a, n in aliases(commands))}
      *) break;;
    esac
  done
  path=${{path# }}
  case "$path" in
{chr(10).join(cases)}
  esac
}}
complete -F _tcpkit tcpkit
"""


def check(binary, page, docs):
    """The generated PAGE is a whole man page (every section, every command of --help, no groff
    warnings), and the --help footer lists the exit codes that docs/CLI.md's table documents."""
    problems = []
    commands = list(walk(binary))
    listed = help_exit_codes(commands[0][1])
    documented = sorted(int(code) for code, _ in exit_statuses(docs / "CLI.md")[0])
    if listed != documented:
        problems.append(f"tcpkit --help lists the exit codes {listed}, docs/CLI.md documents {documented}")
    # SPEC §2: a stopped server exits 0, only an interrupted client 130; both places say so.
    stopped = re.compile(r"server stopped by SIGINT.{0,40}exits 0", re.I | re.S)
    if not stopped.search(" ".join(commands[0][1].get("footer", []))):
        problems.append("tcpkit --help does not say that a server stopped by SIGINT/SIGTERM/SIGHUP exits 0")
    if not stopped.search(exit_statuses(docs / "CLI.md")[1]):
        problems.append("docs/CLI.md's exit statuses do not say that a server stopped by SIGINT, SIGTERM or SIGHUP exits 0")
    text = page.read_text()
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OUTPUT", "EXIT STATUS", "EXAMPLES", "FILES", "SEE ALSO"):
        if not re.search(rf"^\.SH {section}$", text, re.M):
            problems.append(f"{page} has no {section} section")
    for words, _ in commands:
        if words and not re.search(rf"^\.SS {re.escape(roff(' '.join(['tcpkit', *words])))}$", text, re.M):
            problems.append(f"{page} does not describe tcpkit {' '.join(words)}")
    if shutil.which("groff"):  # man-db's renderer; without it the page is only checked as text
        groff = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True, text=True)
        if groff.returncode != 0 or groff.stderr.strip():
            problems.append(f"groff: {groff.stderr.strip()}")
    for problem in problems:
        print("FAIL: " + problem, file=sys.stderr)
    if not problems:
        print(f"{page}: every section, {len(commands) - 1} commands; exit codes {listed} as in docs/CLI.md")
    return 1 if problems else 0


def main():
    """gen_cli_docs.py BINARY OUT_DIR: writes the page and the completion.
    gen_cli_docs.py --check BINARY PAGE: see check()."""
    docs = Path(__file__).resolve().parent.parent / "docs"
    if sys.argv[1] == "--check":
        return check(sys.argv[2], Path(sys.argv[3]), docs)
    binary, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    commands = list(walk(binary))
    (out / "tcpkit.1").write_text(man_page(binary, commands, man_parts(docs / "tcpkit.1.in"), docs / "CLI.md"))
    (out / "tcpkit.bash").write_text(completion(commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
