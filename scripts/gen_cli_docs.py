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


def value_type(first_column):
    """What an option holds, as --help names it ("PORT", "FILE", "naive|threads|async"); None for a flag."""
    tokens = first_column.split()
    if len(tokens) > 1 and not tokens[1].endswith(":"):
        return tokens[1]
    return None


def choices(first_column):
    kind = value_type(first_column)
    return kind.split("|") if kind and "|" in kind else []


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
    footer = top.get("footer", [])
    values = [l for l in footer if l.startswith("Numbers are decimal")]
    if values:
        lines += [".SH VALUES", roff(" ".join(values)),
                  "Durations are seconds (10, 0.5, 1e3), more than 0 and at most 1000000. "
                  "A value that breaks these rules is a usage error (exit 2) that names the option and the value; "
                  "docs/CLI.md has the whole table."]
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


# What the completion offers for a value or a positional, by what --help says it holds. Counts,
# sizes, seconds, ports and text get nothing: offering file names there only misleads.
LISTEN_ADDRESSES = "0.0.0.0 :: 127.0.0.1 ::1"


def completer(kind, words):
    if kind in ("FILE", "TRACE"):
        return 'COMPREPLY=($(compgen -f -- "$cur"))'
    if kind and "|" in kind:
        return f'COMPREPLY=($(compgen -W "{" ".join(kind.split("|"))}" -- "$cur"))'
    if kind == "HOST":
        if words and words[-1] == "server":
            return f'COMPREPLY=($(compgen -W "{LISTEN_ADDRESSES}" -- "$cur"))'
        return 'COMPREPLY=($(compgen -A hostname -- "$cur"))'
    return "COMPREPLY=()"


def positionals(parsed, words):
    """The positionals of a command, in order, from its usage line: ["HOST", "BYTECOUNT"]."""
    usage = next((l for l in parsed[""] if l.startswith("Usage: ")), "")
    rest = usage.split("[OPTIONS]", 1)[-1] if "[OPTIONS]" in usage else ""
    return [t.strip("[]") for t in rest.split() if t.strip("[]") and t.strip("[]") != "SUBCOMMAND"]


def command_case(words, parsed):
    """The completion of one command: its options, the values they take, its positionals."""
    subs, opts, valued, value_cases = [], [], [], []
    for first, _ in entries(parsed.get("Subcommands", [])):
        subs += [n.strip() for n in first.split(",")]
    for first, _ in entries(parsed.get("Options", [])):
        names = option_names(first)
        opts += names
        kind = value_type(first)
        if kind:
            valued += names
            value_cases.append(f'      {"|".join(names)}) {completer(kind, words)};;')
    body = [f'    opts="{" ".join(subs + opts)}" valued="{" ".join(valued)}"',
            '    [[ -z "$option" && " $valued " == *" $prev "* ]] && option=$prev']
    if value_cases:
        body += ['    case "$option" in'] + value_cases + ['      *) COMPREPLY=();;', "    esac"]
    else:
        body.append("    COMPREPLY=()")
    body.append('    [[ -n "$option" ]] && return')
    if subs:
        body.append('    COMPREPLY=($(compgen -W "$opts" -- "$cur")); return')
    else:
        body.append('    [[ "$cur" == -* ]] && { COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; }')
        body.append("    case $(_tcpkit_positional \"$first\" \"$valued\") in")
        for index, kind in enumerate(positionals(parsed, words)):
            body.append(f"      {index}) {completer(kind, words)};;")
        body.append("      *) COMPREPLY=();;")
        body.append("    esac")
    return f'  "{" ".join(words)}")\n' + "\n".join(body) + "\n    ;;"


def completion(commands):
    cases = [command_case(words, parsed) for words, parsed in commands]
    paths = [f'      "{" ".join(w[:-1])} {w[-1]}") path="{" ".join(w)}";;' for w, _ in commands if w]
    paths += [f'      "{" ".join(w)} {a}") path="{" ".join([*w, n])}";;' for w, a, n in aliases(commands)]
    nl = "\n"
    return f"""# bash completion for tcpkit, generated from its --help by scripts/gen_cli_docs.py

# Which positional the word at COMP_CWORD is: words from $1 on, less options and their values
# (the options in $2 take one; --opt=value is three words, bash splits at '=').
_tcpkit_positional() {{
  local i n=0 word
  for ((i = $1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    if [[ "$word" == -* ]]; then
      if [[ "${{COMP_WORDS[i+1]}}" == "=" ]]; then ((i += 2))
      elif [[ " $2 " == *" $word "* ]]; then ((i += 1)); fi
      continue
    fi
    ((n += 1))
  done
  echo "$n"
}}

_tcpkit() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} path="" option="" opts valued i word first
  # The command path: the words before the cursor that name programs and roles.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    [[ "$word" == -* ]] && break
    case "$path $word" in
{nl.join(paths)}
      *) break;;
    esac
  done
  first=$i
  path=${{path# }}
  # The option whose value is being typed: "--strategy=<TAB>", "--strategy=a<TAB>"; each command
  # below adds "-p <TAB>" for the options it knows take a value.
  if [[ "$cur" == "=" ]]; then option=$prev cur=""
  elif [[ "$prev" == "=" ]]; then option=${{COMP_WORDS[COMP_CWORD-2]}}
  fi
  case "$path" in
{nl.join(cases)}
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
