#!/usr/bin/env python3
"""Generates the man page tcpkit(1) and the bash completion from the CLI's own --help output.

One source: the option definitions in cli/. Whatever `tcpkit ... --help` says, the man page and
the completion say too, so they cannot drift apart from the program.

    gen_cli_docs.py PATH/TO/tcpkit OUT_DIR     -> OUT_DIR/tcpkit.1, OUT_DIR/tcpkit.bash
"""
import re
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


def man_page(binary, commands):
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
    lines += [".SH DESCRIPTION",
              "tcpkit runs the classic TCP client/server lessons: the sixteen\\-octet exchange, the uppercase "
              "service whose naive client deadlocks, and a server that reads a socket like a file. "
              "Every program has a server and a client role; \\fBtcpkit bench\\fR loads any server of them, "
              "and \\fBtcpkit proxy\\fR forwards connections to one while it slices, delays, throttles, "
              "half\\-closes or resets each direction on purpose."]
    lines += [".SH COMMANDS"]
    for words, parsed in leaves:
        description = next((l for l in parsed[""] if l and not l.startswith("Usage: ")), "")
        lines += [".SS " + roff(" ".join(["tcpkit", *words])), roff(description)]
        for first, text in entries(parsed.get("Positionals", [])) + entries(parsed.get("Options", [])):
            if first.startswith("-h,--help"):
                continue
            lines += [".TP", "\\fB" + roff(first) + "\\fR", roff(text)]
        # A role's footer: notes (unindented lines) and examples (indented command lines).
        footer = [l for l in parsed.get("footer", []) if l.strip()]
        notes = [l.strip() for l in footer if not l.startswith(" ") and not l.startswith("Example")]
        examples = [l.strip() for l in footer if l.startswith("  ")]
        if notes:
            lines += [".PP", roff(" ".join(notes))]
        if examples:
            lines += [".PP", "Examples:", ".nf"] + ["    " + roff(l) for l in examples] + [".fi"]
    footer = top.get("footer", [])
    codes = [l for l in footer if "Exit codes" in l or l.startswith("            ")]
    if codes:
        lines += [".SH EXIT STATUS", ".nf"] + [roff(l.replace("Exit codes: ", "").strip()) for l in codes] + [".fi"]
    lines += [".SH SEE ALSO", "nc(1), socat(1), iperf3(1), ss(8)"]
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


def main():
    binary, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    commands = list(walk(binary))
    (out / "tcpkit.1").write_text(man_page(binary, commands))
    (out / "tcpkit.bash").write_text(completion(commands))


if __name__ == "__main__":
    main()
