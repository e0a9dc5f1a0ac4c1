#!/usr/bin/env python3
"""Turns bench/run.sh's measurements into docs/BENCHMARKS.md and a gnuplot script.

Only the part of the document between the markers <!-- bench:begin --> and <!-- bench:end -->
is replaced; the prose around it (what the numbers mean, what was changed) is kept. Values
measured several times are shown as the median, with every run listed.
"""
import argparse
import os
import statistics

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"

# (key of ours, key of the reference, what, reference's name, target ratio)
RATIO_TARGETS = [
    ("upper_pipeline_ours", "iperf3", "uppercase pipeline, our async client + our server",
     "iperf3 single stream (one direction)", 0.45),
    ("upper_pipeline_ours", "upper_pipeline_c", "the same pipeline",
     "the C yardstick pair", 1.0),
    ("upper_server_ours", "upper_server_python", "our uppercase server, same client (tcpkit bench)",
     "the seeds' Python server", 5.0),
    ("upper_server_ours", "upper_server_socat", "our uppercase server, same client (tcpkit bench)",
     "socat + tr", 3.0),
    ("sixteen64_ours", "sixteen64_epoll", "sixteen exchanges/s, 64 concurrent",
     "the epoll C yardstick", 0.9),
    ("lines_ours", "lines_python", "lines server, output to a file (MB/s)",
     "the Python makefile() server", 20.0),
]

# Issue 17's CPU targets, lower is better: (key of ours, key of the reference, column, what,
# reference's name, the largest ratio allowed). The figure is the median CPU per exchange.
CPU_TARGETS = [
    ("sixteen64_ours", "sixteen64_graceful", "server_cpu_s", "sixteen server CPU per exchange, 64 concurrent",
     "the graceful epoll C server (sixteen_graceful_epoll)", 1.15),
    ("sixteen_load_ours", "sixteen_load_c", "client_cpu_s", "`tcpkit bench sixteen` client CPU per exchange",
     "the C epoll load client (sixteen_load_epoll)", 1.1),
]

# 10,000 concurrent uppercase streams: the largest server peak RSS allowed (issue 17).
MANY_RSS_LIMIT_MB = 64

PLOT_PANELS = [
    ("Uppercase, one connection: MB/s of payload (higher is better)", [
        ("iperf3", "iperf3 one-way\\n(ceiling)"),
        ("upper_pipeline_c", "C client +\\nC server"),
        ("upper_pipeline_ours", "tcpkit client +\\ntcpkit server"),
        ("upper_server_ours", "tcpkit server\\n(bench client)"),
        ("upper_server_c", "C server\\n(bench client)"),
        ("upper_server_socat", "socat + tr\\n(bench client)"),
        ("upper_server_python", "seed Python\\n(bench client)"),
    ]),
    ("Sixteen, 64 concurrent clients: exchanges/s (higher is better)", [
        ("sixteen64_ours", "tcpkit -q"),
        ("sixteen64_ours_threads2", "tcpkit -q\\n--threads 2"),
        ("sixteen64_ours_logging", "tcpkit, logging"),
        ("sixteen64_epoll", "epoll C"),
        ("sixteen64_python", "seed Python"),
    ]),
    ("Lines to a file, one connection: MB/s (higher is better)", [
        ("lines_ours", "tcpkit lines server"),
        ("lines_python", "Python makefile()"),
    ]),
]


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def load_rows(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def load_machine(path):
    machine = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            machine[key] = value
    return machine


def group(rows):
    """Rows by key, in first-seen order."""
    groups = {}
    for row in rows:
        groups.setdefault(row["key"], []).append(row)
    return groups


def median_value(rows):
    values = [number(r["value"]) for r in rows]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def total_failures(rows):
    return sum(int(r["failures"]) for r in rows if r["failures"].isdigit())


def fmt_value(value, unit=""):
    if value is None:
        return "—"
    text = f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def values_cell(rows):
    unit = next((r["unit"] for r in rows if r["unit"] not in ("", "-")), "")
    median = median_value(rows)
    if median is None:
        return rows[0]["value"] + (f" ({rows[0]['command']})" if rows[0]["value"] == "not run" else "")
    cell = fmt_value(median, unit)
    if len(rows) > 1:
        cell += " (runs: " + ", ".join(fmt_value(number(r["value"])) for r in rows) + ")"
    return cell


def target_rows(groups):
    lines = ["| what | tcpkit | against | ratio | target | |", "| --- | ---: | --- | ---: | ---: | --- |"]
    for ours_key, ref_key, what, ref_name, target in RATIO_TARGETS:
        ours, ref = groups.get(ours_key, []), groups.get(ref_key, [])
        ours_v, ref_v = median_value(ours), median_value(ref)
        unit = next((r["unit"] for r in ours + ref if r["unit"] not in ("", "-")), "")
        if ours_v is None or ref_v is None or ref_v == 0:
            missing = [r for r in ours + ref if r["value"] == "not run"]
            why = f"not run: {missing[0]['command']}" if missing else "not measured (see the log)"
            lines.append(f"| {what} | {fmt_value(ours_v, unit)} | {ref_name}: {fmt_value(ref_v, unit)} | — | "
                         f"≥ {target:g}× | {why} |")
            continue
        ratio = ours_v / ref_v
        failures = total_failures(ours)
        verdict = "met" if ratio >= target and failures == 0 else "**not met**"
        if failures:
            verdict += f" ({failures} failures)"
        lines.append(f"| {what} | {fmt_value(ours_v, unit)} | {ref_name}: {fmt_value(ref_v, unit)} | "
                     f"{ratio:.2f}× | ≥ {target:g}× | {verdict} |")

    lines += cpu_target_rows(groups)

    # Rows whose target is not a ratio.
    many = groups.get("upper_many_ours", [])
    for key, what in (("sixteen1000_ours", "sixteen at 1000 concurrent clients"),):
        rows = groups.get(key, [])
        if not rows or median_value(rows) is None:
            lines.append(f"| {what} | — | | | zero failures, p99 | not measured |")
            continue
        failures = total_failures(rows)
        p99 = rows[0]["p99_ms"]
        verdict = "met" if failures == 0 else "**not met**"
        lines.append(f"| {what} | {fmt_value(median_value(rows), rows[0]['unit'])}, p99 {p99} ms, "
                     f"{failures} failures | | | zero failures, p99 reported | {verdict} |")
    if many and median_value(many) is not None:
        failures = total_failures(many)
        rss = max((number(r["rss_mb"]) for r in many if number(r["rss_mb"]) is not None), default=None)
        verdict = "met" if failures == 0 and rss is not None and rss <= MANY_RSS_LIMIT_MB else "**not met**"
        lines.append(f"| {many[0]['load']}, every byte verified | {fmt_value(median_value(many), 'MB/s')}, "
                     f"{failures} failures, server peak RSS {fmt_value(rss, 'MB')} | | | "
                     f"all verified, RSS ≤ {MANY_RSS_LIMIT_MB} MB | {verdict} |")
    else:
        reason = many[0]["command"] if many and many[0]["value"] == "not run" else "not measured"
        lines.append(f"| concurrent uppercase streams of 1 MB | — | | | all verified, RSS ≤ {MANY_RSS_LIMIT_MB} MB | "
                     f"{reason} |")
    return lines


def cpu_per_exchange_us(rows, column):
    """The median over runs of CPU µs per exchange in `column`; None if no run has it."""
    costs = [number(r[column]) * 1e6 / number(r["amount"]) for r in rows
             if number(r[column]) is not None and number(r["amount"])]
    return statistics.median(costs) if costs else None


def cpu_target_rows(groups):
    """Rows for CPU_TARGETS: ours against the reference, both in µs per exchange."""
    lines = []
    for ours_key, ref_key, column, what, ref_name, limit in CPU_TARGETS:
        ours, ref = groups.get(ours_key, []), groups.get(ref_key, [])
        ours_v, ref_v = cpu_per_exchange_us(ours, column), cpu_per_exchange_us(ref, column)
        if ours_v is None or not ref_v:
            lines.append(f"| {what} | — | {ref_name} | — | ≤ {limit:g}× | not measured |")
            continue
        ratio = ours_v / ref_v
        failures = total_failures(ours) + total_failures(ref)
        verdict = "met" if ratio <= limit and failures == 0 else "**not met**"
        if failures:
            verdict += f" ({failures} failures)"
        lines.append(f"| {what} | {ours_v:.1f} µs/exchange ({fmt_value(median_value(ours), 'exchanges/s')}) | "
                     f"{ref_name}: {ref_v:.1f} µs/exchange ({fmt_value(median_value(ref), 'exchanges/s')}) | "
                     f"{ratio:.2f}× | ≤ {limit:g}× | {verdict} |")
    return lines


def cpu_cost(rows, column):
    """CPU time per unit of work, the median over runs: µs per exchange, or s per GB moved."""
    costs = []
    for row in rows:
        cpu, amount = number(row[column]), number(row["amount"])
        if cpu is None or not amount:
            continue
        costs.append(cpu * 1e6 / amount if row["unit"] == "exchanges/s" else cpu / (amount / 1e9))
    if not costs:
        return ""
    unit = "µs/exchange" if rows[0]["unit"] == "exchanges/s" else "s/GB"
    return f"{statistics.median(costs):.2f} {unit}" if statistics.median(costs) < 10 else \
        f"{statistics.median(costs):.0f} {unit}"


def median_row(rows):
    """The run whose value is the median (latencies are shown from that run)."""
    median = median_value(rows)
    measured = [r for r in rows if number(r["value"]) is not None]
    if median is None or not measured:
        return rows[0]
    return min(measured, key=lambda r: abs(number(r["value"]) - median))


def failure_notes(groups):
    notes = []
    for rows in groups.values():
        for row in rows:
            if row.get("failure_note", "-") not in ("", "-"):
                notes.append(f"- {row['contender']}, {row['load']}: {row['failure_note']}")
    return notes


def measurement_rows(groups):
    lines = ["| load | contender | result | failures | p50 | p99 | p99.9 | server CPU | client CPU | server peak RSS |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for rows in groups.values():
        first = median_row(rows)
        ms = lambda k: f"{first[k]} ms" if number(first[k]) is not None else ""
        rss_values = [number(r["rss_mb"]) for r in rows if number(r["rss_mb"]) is not None]
        rss = f"{max(rss_values):.0f} MB" if rss_values else ""
        failures = str(total_failures(rows)) if any(r["failures"].isdigit() for r in rows) else ""
        lines.append(f"| {first['load']} | {first['contender']} | {values_cell(rows)} | {failures} | "
                     f"{ms('p50_ms')} | {ms('p99_ms')} | {ms('p999_ms')} | {cpu_cost(rows, 'server_cpu_s')} | "
                     f"{cpu_cost(rows, 'client_cpu_s')} | {rss} |")
    return lines


def command_lines(rows):
    seen = []
    for row in rows:
        if row["value"] == "not run":
            continue
        for command in row["command"].split(" ; "):
            if command not in seen:
                seen.append(command)
    return seen


def write_plot(groups, plot_path, data_dir):
    panels = []
    for title, entries in PLOT_PANELS:
        data = [(label, median_value(groups.get(key, []))) for key, label in entries]
        data = [(label, value) for label, value in data if value is not None]
        if data:
            panels.append((title, data))
    script = [
        f'set terminal svg size 900,{330 * max(len(panels), 1)} dynamic font "sans,11" background "white"',
        f'set output "{plot_path}"',
        'set style fill solid 0.8 border -1',
        'set boxwidth 0.6',
        'set grid ytics',
        'set yrange [0:*]',
        'set offsets 0, 0, graph 0.12, 0',  # room above the tallest bar for its label
        'unset key',
        f'set multiplot layout {max(len(panels), 1)},1',
    ]
    for index, (title, data) in enumerate(panels):
        path = os.path.join(data_dir, f"plot{index}.dat")
        with open(path, "w") as f:
            for i, (label, value) in enumerate(data):
                color = 0x4477AA if "tcpkit" in label else 0xAAAAAA  # ours blue, the others grey
                f.write(f'{i} "{label}" {value:.1f} {color}\n')
        script += [
            f'set title "{title}"',
            f'set xrange [-0.6:{len(data) - 0.4}]',
            f'plot "{path}" using 1:3:4:xtic(2) with boxes lc rgb variable, '
            f'"" using 1:3:(sprintf("%.0f", $3)) with labels offset 0,0.7',
        ]
    script.append('unset multiplot')
    with open(os.path.join(data_dir, "benchmarks.gp"), "w") as f:
        f.write("\n".join(script) + "\n")


def busy_warning(machine):
    """A line saying the machine was busy, when its load average says so; else nothing."""
    try:
        load = max(float(x) for x in machine.get("load_average", "").replace(",", " ").split()
                   if x.replace(".", "", 1).isdigit())
        cores = int(machine.get("nproc", "1"))
    except ValueError:
        return ""
    if load <= cores / 2:
        return ""
    return (f"**Other work loaded the machine during this run (load average up to {load:g} on {cores} "
            "cores): rates are lower and noisier than on an idle machine; the ratios and the CPU per unit "
            "hold better.**")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--machine", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--plot", required=True)
    parser.add_argument("--plot-data", required=True)
    args = parser.parse_args()

    rows = load_rows(args.results)
    machine = load_machine(args.machine)
    groups = group(rows)

    out = [BEGIN,
           "<!-- Generated by bench/run.sh: everything between these markers is replaced on the next run. -->",
           "",
           f"### Run of {machine.get('date', '?')} (`{machine.get('command', 'bench/run.sh')}`)",
           "",
           f"Machine: {machine.get('nproc', '?')} × {machine.get('cpu', '?')}, {machine.get('memory', '?')}, "
           f"{machine.get('kernel', '?')}; {machine.get('compiler', '?')}, Asio {machine.get('asio', '?')}, "
           f"{machine.get('python', '?')}, socat {machine.get('socat', '?') or '—'}, "
           f"{machine.get('iperf3', '?') or 'iperf3 —'}. Load average (1, 5, 15 min): {machine.get('load_average', '?')}.",
           "Everything ran on 127.0.0.1 in this one run; a ratio compares two figures of this run. "
           "Where a load was run several times (alternating with its reference), the median counts.",
           busy_warning(machine),
           "",
           "#### Targets (issues 6 and 17)",
           ""]
    out += target_rows(groups)
    out += ["", "#### Every measurement", ""]
    out += measurement_rows(groups)
    notes = failure_notes(groups)
    if notes:
        out += ["", "Failures, by kind, with the first message:", ""] + notes
    out += ["",
            "Latencies are per exchange, connect included; for uppercase and lines streams, which all "
            "connect first and then start together, per stream from that common start. "
            "CPU is user + system time, from `/proc/PID/stat` for the server (its reaped children "
            "included: socat forks) and from the shell's `times` for the client, per exchange or per GB "
            "of payload: unlike a rate, it hardly moves when other work shares the machine. "
            "Server peak RSS is `VmHWM` from `/proc/PID/status` after the run (for a server kept "
            "across runs, the peak so far).",
            "",
            "#### Commands",
            "",
            "Servers listened on free ports chosen at run time (`PORT`); `BUILD` is the Release build, "
            "`SEEDS` is `../shared/seeds/py`, `WORK` a temporary folder. Our servers ran with `-q` "
            "(no per-connection log) unless the row says otherwise; the Python servers' output went to "
            "a file or `/dev/null`.",
            "",
            "```"]
    out += command_lines(rows)
    out += ["```", "", f"![benchmarks plot]({os.path.basename(args.plot)})", "", END]
    generated = "\n".join(out)

    if os.path.exists(args.output):
        with open(args.output) as f:
            document = f.read()
    else:
        document = ""
    if BEGIN in document and END in document:
        head, _, rest = document.partition(BEGIN)
        _, _, tail = rest.partition(END)
        document = head + generated + tail
    else:
        document = ("# Benchmarks\n\nProduced by `bench/run.sh` (one command; `--quick` for a short run).\n\n"
                    + generated + "\n" + document)
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    with open(args.output, "w") as f:
        f.write(document)
    write_plot(groups, args.plot, args.plot_data)


if __name__ == "__main__":
    main()
