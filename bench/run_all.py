"""Every benchmark in one command, and one table of their figures beside the goals.

    .venv/bin/python bench/run_all.py [--only gateway,load] [--timeout 600] [--markdown]
                                      [--from-logs]

Runs bench_jobs, bench_gateway, bench_l3, bench_load, bench_scale and bench_pod_client one
after the other as subprocesses (the lab ones each start their own Tricircle on
127.0.0.1:19999, so they cannot overlap), each bounded by --timeout seconds, with arguments
that keep the whole run to about fifteen minutes. Each one's own output goes to
bench/logs/<name>.log in the lab's data folder; the table takes its figures from the lines each
benchmark prints, and gives every figure that has a goal (GOALS, from the performance issue)
the goal and whether it was met. A benchmark that fails or times out gets a row saying so, and
the others still run. `--from-logs` makes the table from the logs of an earlier run instead of
running (e.g. bench_l3 run with the lab at 5 pods, the others at 2). `--markdown` prints the
table as the README's. Needs the lab
(`python3.11 tests/lab/lab.py up`), except bench_jobs (PostgreSQL and RabbitMQ on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NUMBER = r"([\d.]+)"
CLEANUP_SECONDS = 300  # what a benchmark interrupted for its time gets to clean up
SIGNED = r"(-?[\d.]+)"


@dataclass
class Row:
    figure: str
    value: str  # through Tricircle, or the figure itself
    reference: str = ""  # directly, or what the figure is compared with
    ratio: str = ""
    goal: str = ""
    met: str = ""  # yes, no, "not measured"; empty without a goal


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else ""


def parse_jobs(output: str) -> list[Row]:
    setup = ""
    found = re.search(r"^broker: (.*?)\s+database: (.*)$", output, re.M)
    if found:
        broker = "embedded SQLite" if "sqlite" in found.group(1).lower() else "RabbitMQ"
        database = "SQLite" if "sqlite" in found.group(2).lower() else "PostgreSQL"
        setup = f", {database} + {broker}"
    pattern = rf"^(\d+) worker\(s\): (\d+)/(\d+) jobs in {NUMBER}s = {NUMBER} jobs/s"
    rows: list[Row] = []
    one = None
    for workers, done, total, _, rate in re.findall(pattern, output, re.M):
        row = Row(f"jobs/s, no-op jobs, {workers} worker(s){setup} ({done}/{total} done)", rate)
        if workers == "1":
            one = float(rate)
        elif one is not None:  # the reference: one worker's rate
            row.reference, row.ratio = str(one), ratio(float(rate), one)
        rows.append(row)
    # The same lines go on with the database statements per job.
    pattern = rf"(\d+) worker\(s\):.*; {NUMBER} queries/job in workers, {NUMBER} per request"
    for workers, in_workers, per_request in re.findall(pattern, output):
        name = f"DB queries per job, {workers} worker(s): in workers (per request)"
        rows.append(Row(name, f"{in_workers} ({per_request})"))
    # Where the time goes: each part's CPU per job, and the rate the cores allow at that cost.
    pattern = (
        rf"^(\d+) worker\(s\): CPU ms per job over \d+ jobs: (.+?); total {NUMBER}; "
        r"(\d+) cores allow at most (\d+) jobs/s"
    )
    for workers, parts, total, cores, bound in re.findall(pattern, output, re.M):
        name = f"CPU ms per job, {workers} worker(s): {parts}; ref: jobs/s {cores} cores allow"
        rows.append(Row(name, total, bound))
    return rows


def parse_gateway(output: str) -> list[Row]:
    rows = [
        Row(name, through, direct, ratio_)
        for name, through, direct, ratio_ in re.findall(
            rf"^(GET .+?)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", output, re.M
        )
    ]
    pattern = rf"^own time, (.+?)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$"
    for call, answers, p50, p99, pods in re.findall(pattern, output, re.M):
        figure = f"Tricircle's own time, {call}, p50 (p99) ms over {answers}; ref: pods' p50"
        rows.append(Row(figure, f"{p50} ({p99})", pods))
    pattern = rf"^(boot to ACTIVE, .+?)\s+{NUMBER}\s+{NUMBER}\s+{SIGNED}$"
    for name, through, direct, minus in re.findall(pattern, output, re.M):
        figure = f"{name}: through Tricircle minus directly (s); ref: through - direct"
        rows.append(Row(figure, minus, f"{through} - {direct}"))
    return rows


def parse_l3(output: str) -> list[Row]:
    rows: list[Row] = []
    setups = {
        int(pods): float(seconds)
        for pods, seconds in re.findall(
            rf"^(\d+) pods; first setup converged in {NUMBER} s", output, re.M
        )
    }
    skipped = dict(re.findall(r"^(\d+) pods: skipped, (.+)$", output, re.M))
    for pods in sorted({*setups, *map(int, skipped)}):
        figure = f"L3 first setup, {pods} pods (s)" + ("; ref: 2 pods" if pods != 2 else "")
        if pods in setups:
            row = Row(figure, f"{setups[pods]:.2f}")
            if pods != 2 and 2 in setups:
                row.reference, row.ratio = f"{setups[2]:.2f}", ratio(setups[pods], setups[2])
        else:
            row = Row(figure, f"skipped: {skipped[str(pods)]}")
        rows.append(row)
    # Where a first setup's time goes: the CPU the machine's parts used meanwhile.
    profile = (
        rf"^(\d+) pods; first setup converged in .*\n"
        rf"  CPU during the first setup: {NUMBER} s over {NUMBER} s wall = (\d+)% of the (\d+)"
        r" cores\n  by pod \(API \+ daemons\): (.*)$"
    )
    for pods, cpu, _, share, cores, by_pod in re.findall(profile, output, re.M):
        figure = f"CPU s used during the L3 first setup, {pods} pods; ref: share of {cores} cores"
        rows.append(Row(figure, cpu, f"{share}%"))
        rows.append(Row(f"CPU s by pod (Neutron API + daemons), that setup, {pods} pods", by_pod))
    pattern = rf"^(\d+) pods: median {NUMBER} s, min {NUMBER} s, max {NUMBER} s over (\d+)"
    rows += [
        Row(f"L3 convergence, add subnet, {pods} pods, median of {rounds} (s)", median)
        for pods, median, _, _, rounds in re.findall(pattern, output, re.M)
    ]
    return rows


def parse_load(output: str) -> list[Row]:
    rows: list[Row] = []
    pattern = rf"^(GET \S+)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+(\d+)\s+(\d+)$"
    for call, clients, through, direct, ratio_, errors, direct_errors in re.findall(
        pattern, output, re.M
    ):
        name = f"{call} req/s, {clients} clients ({errors} errors, {direct_errors} direct)"
        rows.append(Row(name, through, direct, ratio_))
    pattern = rf"^latency (GET \S+)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$"
    for call, clients, p50, p99, direct_p50, direct_p99, ratio_ in re.findall(
        pattern, output, re.M
    ):
        name = f"{call} latency p50 (p99) ms, {clients} clients; ratio of the p99s"
        rows.append(Row(name, f"{p50} ({p99})", f"{direct_p50} ({direct_p99})", ratio_))
    pattern = rf"^cpu (GET \S+)\s+(\d+)\s+{NUMBER}$"
    for call, clients, per_request in re.findall(pattern, output, re.M):
        name = f"{call} CPU ms of Tricircle's gunicorn per request, {clients} clients"
        rows.append(Row(name, per_request))
    pattern = rf"^machine (GET \S+)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}  (.*)$"
    for call, clients, through, direct, allows, parts in re.findall(pattern, output, re.M):
        name = (
            f"{call} CPU ms of the whole machine per request, {clients} clients; ratio: the"
            f" share of the direct rate the cores allow (through/direct by part: {parts})"
        )
        rows.append(Row(name, through, direct, allows))
    pattern = rf"^(gunicorn|celery) (master|worker)\s+(\d+)\s+(\S+)\s+{NUMBER}$"
    for group, role, pid, before, after in re.findall(pattern, output, re.M):
        name = f"RSS MiB of {group} {role} (pid {pid}) after load; ref: before"
        rows.append(Row(name, after, before))
    pattern = rf"^(gunicorn|celery) total\s+(\d+)\s+{NUMBER}\s+{NUMBER}$"
    for group, processes, before, after in re.findall(pattern, output, re.M):
        name = f"RSS MiB of {group}, all {processes} processes, after load; ref: before"
        rows.append(Row(name, after, before))
    return rows


def parse_scale(output: str) -> list[Row]:
    rows: list[Row] = []
    pattern = rf"^\s*(\d+)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+(\d+)$"
    for pods, items, p50, p95, own50, own99, waited, rss in re.findall(pattern, output, re.M):
        name = f"simulated pods: list of {pods} pods ({items} servers)"
        rows.append(Row(f"{name}, p50 (p95) ms", f"{p50} ({p95})"))
        rows.append(
            Row(
                f"{name}, Tricircle's own time p50 (p99) ms; ref: pods' p50",
                f"{own50} ({own99})",
                waited,
            )
        )
        rows.append(Row(f"{name}, RSS MiB of the process", rss))
    return rows


def parse_pod_client(output: str) -> list[Row]:
    pattern = rf"^client (\S+): CPU {NUMBER} ms/call, wall {NUMBER} ms/call"
    return [
        Row(
            f"CPU ms per call to a pod (Pod1's Nova, in one process), {name}; ref: wall ms",
            cpu,
            wall,
        )
        for name, cpu, wall in re.findall(pattern, output, re.M)
    ]


def first_number(text: str) -> float:
    """The first number of a cell ("1.9 (3.1)" -> 1.9); ValueError when there is none."""
    found = re.match(r"\s*(-?[\d.]+)", text)
    if not found:
        raise ValueError(text)
    return float(found.group(1))


@dataclass(frozen=True)
class Goal:
    bench: str
    figure: str  # a regular expression searched in the row's figure
    text: str  # shown in the goal column
    check: Callable[[Row], bool]  # ValueError: nothing to compare (not measured)


def value_at_most(limit: float) -> Callable[[Row], bool]:
    return lambda row: first_number(row.value) <= limit


def ratio_at_most(limit: float) -> Callable[[Row], bool]:
    return lambda row: first_number(row.ratio) <= limit


def ratio_at_least(limit: float) -> Callable[[Row], bool]:
    return lambda row: first_number(row.ratio) >= limit


def rate_kept_without_errors(row: Row) -> bool:
    errors = re.search(r"\((\d+) errors", row.figure)
    return first_number(row.ratio) >= 0.95 and errors is not None and errors.group(1) == "0"


# The performance issue's goals, each beside the figure it is about.
GOALS = (
    Goal(
        "jobs", r"^jobs/s.* 1 worker\(s\)", ">= 200 jobs/s", lambda r: first_number(r.value) >= 200
    ),
    Goal("jobs", r"^jobs/s.* 2 worker\(s\)", "ratio >= 1.8 (of 1 worker)", ratio_at_least(1.8)),
    Goal("gateway", r"^GET /servers/\{id\} p50", "ratio <= 1.05", ratio_at_most(1.05)),
    Goal("gateway", r"^GET /servers/\{id\} p99", "ratio <= 1.15", ratio_at_most(1.15)),
    Goal("gateway", r"own time, GET /servers/\{id\},", "p50 <= 3 ms", value_at_most(3)),
    Goal(
        "gateway",
        r"own time, GET /servers/detail, 2 pods,",
        "p50 <= 5 ms (100 servers)",
        value_at_most(5),
    ),
    Goal("gateway", r"^boot to ACTIVE, first boot", "<= 1.5 s", value_at_most(1.5)),
    Goal("gateway", r"^boot to ACTIVE, later boot", "<= 0.5 s", value_at_most(0.5)),
    Goal("l3", r"^L3 convergence, add subnet, 2 pods", "<= 3 s", value_at_most(3)),
    Goal("l3", r"^L3 first setup, 5 pods", "ratio <= 1.5 (of 2 pods)", ratio_at_most(1.5)),
    Goal(
        "load",
        r"^GET \S+ req/s, (16|64) clients",
        "ratio >= 0.95, 0 errors",
        rate_kept_without_errors,
    ),
    Goal("load", r"^RSS MiB of gunicorn worker", "<= 150 MiB", value_at_most(150)),
    Goal(
        "scale",
        r"list of 128 pods .*Tricircle's own time",
        "p50 <= 25 ms",
        value_at_most(25),
    ),
)


def judge(bench: str, rows: list[Row]) -> None:
    """Puts each goal beside the rows it is about."""
    for row in rows:
        for goal in GOALS:
            if goal.bench == bench and re.search(goal.figure, row.figure):
                row.goal = goal.text
                try:
                    row.met = "yes" if goal.check(row) else "no"
                except ValueError:
                    row.met = "not measured"


@dataclass(frozen=True)
class Bench:
    name: str
    args: tuple[str, ...]
    parse: Callable[[str], list[Row]]


BENCHES = (
    Bench(
        "jobs",
        # Preloaded: the workers' own rate, not the one process sending the requests.
        ("--jobs", "1000", "--timeout", "120", "--workers", "1,2,4", "--preload"),
        parse_jobs,
    ),
    Bench(
        "gateway",
        ("--requests", "100", "--list-servers", "100", "--first-boots", "3", "--later-boots", "4"),
        parse_gateway,
    ),
    Bench("l3", ("--pods", "2,5", "--rounds", "3"), parse_l3),
    Bench("load", ("--clients", "1,16,64", "--seconds", "5", "--rounds", "4"), parse_load),
    Bench("scale", ("--pods", "2,8,32,128", "--rounds", "20"), parse_scale),
    Bench("pod_client", ("--calls", "100", "--rounds", "5"), parse_pod_client),
)

COLUMNS = ("bench", "figure", "tricircle / value", "direct / ref", "ratio", "goal", "met")


def render(table: list[tuple[str, Row]], markdown: bool) -> list[str]:
    cells = [
        (name, row.figure, row.value, row.reference, row.ratio, row.goal, row.met)
        for name, row in table
    ]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        return lines + [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in cells
        ]
    widths = [max(len(row[n]) for row in [COLUMNS, *cells]) for n in range(len(COLUMNS))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [COLUMNS, *cells]
    ]


def run(bench: Bench, logs: Path, timeout: float) -> tuple[str, str | None]:
    """The benchmark's output, and what went wrong (None: nothing). One that runs out of time
    is interrupted (SIGINT) so that its cleanup runs (servers, quotas, its Tricircle), and
    killed if that takes more than CLEANUP_SECONDS."""
    argv = [sys.executable, str(REPO / "bench" / f"bench_{bench.name}.py"), *bench.args]
    started = time.monotonic()
    problem: str | None = None
    process = subprocess.Popen(
        argv,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        output, errors = process.communicate(timeout=timeout)
        if process.returncode != 0:
            problem = f"exit {process.returncode}"
    except subprocess.TimeoutExpired:
        problem = f"timed out after {timeout:g} s"
        process.send_signal(signal.SIGINT)
        try:
            output, errors = process.communicate(timeout=CLEANUP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            output, errors = process.communicate()
            problem += f", killed after {CLEANUP_SECONDS} s more of cleanup"
    (logs / f"{bench.name}.log").write_text(output + errors)
    elapsed = time.monotonic() - started
    print(f"bench_{bench.name}: {elapsed:.0f} s{', ' + problem if problem else ''}", flush=True)
    return output, problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated names: " + ", ".join(bench.name for bench in BENCHES),
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per benchmark")
    parser.add_argument("--markdown", action="store_true", help="the table in Markdown")
    parser.add_argument(
        "--from-logs", action="store_true", help="the table from the last run's logs, no run"
    )
    args = parser.parse_args()
    # Here, not at the top: the parsers are imported by tests/test_bench_run_all_parsing.py.
    from tests.lab.lab import lab_paths

    chosen = [b for b in BENCHES if not args.only or b.name in args.only.split(",")]
    logs = lab_paths().root / "bench" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    table: list[tuple[str, Row]] = []
    sources = []
    for bench in chosen:
        log = logs / f"{bench.name}.log"
        if args.from_logs:
            if not log.exists():
                table.append((bench.name, Row(f"NOT RUN: no {log}", "")))
                continue
            output, problem = log.read_text(), None
            written = time.localtime(log.stat().st_mtime)
            sources.append(f"{bench.name} {time.strftime('%Y-%m-%d %H:%M', written)}")
        else:
            output, problem = run(bench, logs, args.timeout)
        rows = bench.parse(output)
        judge(bench.name, rows)
        if problem or not rows:
            rows.append(Row(f"FAILED: {problem or 'no figures'}, see {log}", ""))
        table += [(bench.name, row) for row in rows]

    command = shlex.join([".venv/bin/python", "bench/run_all.py", *sys.argv[1:]])
    made = f"logs of {', '.join(sources)}" if args.from_logs else "this run"
    print(
        f"\nTricircle benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}, `{command}` "
        f"(figures from {made})\n"
    )
    print("\n".join(render(table, args.markdown)))
    missed = [(name, row) for name, row in table if row.met in {"no", "not measured"}]
    met = sum(row.met == "yes" for _, row in table)
    # Goals of the benchmarks run that no row of theirs is about (a benchmark failed, say).
    names = {bench.name for bench in chosen}
    absent = [
        goal
        for goal in GOALS
        if goal.bench in names
        and not any(
            name == goal.bench and re.search(goal.figure, row.figure) for name, row in table
        )
    ]
    print(
        f"\nGoals: {met} met, {len(missed)} not met or not measured, "
        f"{len(absent)} without a figure."
    )
    for name, row in missed:
        print(f"- {name}: {row.figure}: {row.value} (goal {row.goal}, {row.met})")
    for goal in absent:
        print(f"- {goal.bench}: no figure matching /{goal.figure}/ (goal {goal.text})")


if __name__ == "__main__":
    main()
