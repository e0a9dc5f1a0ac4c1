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
              "Every program has a server and a client role; \\fBtcpkit bench\\fR loads any server of them."]
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
    values = [l for l in footer if l.startswith("Numbers are decimal")]
    if values:
        lines += [".SH VALUES", roff(" ".join(values)),
                  "Durations are seconds (10, 0.5, 1e3), more than 0 and at most 1000000. "
                  "A value that breaks these rules is a usage error (exit 2) that names the option and the value; "
                  "docs/CLI.md has the whole table."]
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


def main():
    binary, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    commands = list(walk(binary))
    (out / "tcpkit.1").write_text(man_page(binary, commands))
    (out / "tcpkit.bash").write_text(completion(commands))


if __name__ == "__main__":
    main()
