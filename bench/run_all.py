"""Every benchmark in one command, and one table of their figures.

    .venv/bin/python bench/run_all.py [--only gateway,load] [--timeout 600]

Runs bench_jobs, bench_gateway, bench_l3, bench_load and bench_scale one after the other as
subprocesses (the lab ones each start their own Tricircle on 127.0.0.1:19999, so they cannot
overlap), each bounded by --timeout seconds, with arguments that keep the whole run to about ten
minutes. Each one's own output goes to bench/logs/<name>.log in the lab's data folder; the table
takes its figures from the lines each benchmark prints. A benchmark that fails or times out gets
a row saying so, and the others still run. Needs the lab (`python3.11 tests/lab/lab.py up`).
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lab.lab import lab_paths  # noqa: E402

# (figure, through Tricircle or the value, reference or "", ratio or "")
Row = tuple[str, str, str, str]
NUMBER = r"([\d.]+)"


def parse_jobs(output: str) -> list[Row]:
    pattern = rf"(\d+) worker\(s\): (\d+)/(\d+) jobs in {NUMBER}s = {NUMBER} jobs/s"
    rows: list[Row] = [
        (f"jobs/s, no-op jobs, {workers} worker(s) ({done}/{total} done)", rate, "", "")
        for workers, done, total, _, rate in re.findall(pattern, output)
    ]
    # The same lines go on with the database statements per job (bench_jobs since it counts).
    pattern = rf"(\d+) worker\(s\):.*; {NUMBER} queries/job in workers, {NUMBER} per request"
    for workers, in_workers, per_request in re.findall(pattern, output):
        name = f"DB queries per job, {workers} worker(s): in workers (per request)"
        rows.append((name, f"{in_workers} ({per_request})", "", ""))
    return rows


def parse_gateway(output: str) -> list[Row]:
    pattern = rf"^(GET .+?|boot to ACTIVE.+?)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$"
    return [tuple(match) for match in re.findall(pattern, output, re.MULTILINE)]


def parse_l3(output: str) -> list[Row]:
    pattern = rf"(\d+) pods: median {NUMBER} s, min {NUMBER} s, max {NUMBER} s over (\d+)"
    return [
        (f"L3 convergence, add subnet, {pods} pods, median of {rounds} (s)", median, "", "")
        for pods, median, _, _, rounds in re.findall(pattern, output)
    ]


def parse_load(output: str) -> list[Row]:
    rows: list[Row] = []
    pattern = rf"^(GET \S+)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+(\d+)$"
    for call, clients, through, direct, ratio, errors in re.findall(pattern, output, re.MULTILINE):
        name = f"{call} req/s, {clients} clients ({errors} errors)"
        rows.append((name, through, direct, ratio))
    pattern = rf"^(gunicorn|celery)\s+(\d+)\s+{NUMBER}\s+{NUMBER}$"
    for group, procs, before, after in re.findall(pattern, output, re.MULTILINE):
        # the reference column holds the same group's RSS before the load
        rows.append(
            (f"RSS MiB of {group} ({procs} processes), after / before load", after, before, "")
        )
    return rows


def parse_scale(output: str) -> list[Row]:
    pattern = rf"^\s*(\d+)\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+(\d+)$"
    rows: list[Row] = []
    for pods, items, p50, p95, rss in re.findall(pattern, output, re.MULTILINE):
        name = f"simulated pods: list of {pods} pods ({items} servers)"
        rows.append((f"{name}, p50 (p95) ms", f"{p50} ({p95})", "", ""))
        rows.append((f"{name}, RSS MiB of the process", rss, "", ""))
    return rows


@dataclass(frozen=True)
class Bench:
    name: str
    args: tuple[str, ...]
    parse: Callable[[str], list[Row]]


BENCHES = (
    Bench("jobs", ("--jobs", "300", "--timeout", "120"), parse_jobs),
    Bench("gateway", ("--requests", "50"), parse_gateway),
    Bench("l3", ("--rounds", "3"), parse_l3),
    Bench("load", ("--clients", "1,4,16", "--seconds", "5"), parse_load),
    Bench("scale", ("--pods", "2,8,32,128", "--rounds", "20"), parse_scale),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated names: " + ", ".join(bench.name for bench in BENCHES),
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per benchmark")
    args = parser.parse_args()
    chosen = [b for b in BENCHES if not args.only or b.name in args.only.split(",")]
    logs = lab_paths().root / "bench" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    table: list[tuple[str, Row]] = []
    for bench in chosen:
        argv = [sys.executable, str(REPO / "bench" / f"bench_{bench.name}.py"), *bench.args]
        started = time.monotonic()
        try:
            result = subprocess.run(
                argv,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=args.timeout,
                stdin=subprocess.DEVNULL,
            )
            output, failed = result.stdout, result.returncode != 0
            problem = f"exit {result.returncode}"
            (logs / f"{bench.name}.log").write_text(result.stdout + result.stderr)
        except subprocess.TimeoutExpired as exc:
            # subprocess.run kills the child; a lab bench's Tricircle is its own process
            # group and is left running only if the bench's finally did not get to run.
            output = exc.stdout if isinstance(exc.stdout, str) else ""
            failed, problem = True, f"timed out after {args.timeout:g} s"
        elapsed = time.monotonic() - started
        print(f"bench_{bench.name}: {elapsed:.0f} s{', ' + problem if failed else ''}", flush=True)
        rows = bench.parse(output)
        if failed or not rows:
            rows.append((f"FAILED: {problem}, see {logs / (bench.name + '.log')}", "", "", ""))
        table += [(bench.name, row) for row in rows]

    command = shlex.join([".venv/bin/python", "bench/run_all.py", *sys.argv[1:]])
    print(f"\nTricircle benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}, `{command}`\n")
    width = max(len(row[0]) for _, row in table)
    print(f"| bench | {'figure':<{width}} | tricircle / value | direct / ref | ratio |")
    print(f"|---|{'-' * (width + 2)}|---|---|---|")
    for name, (figure, value, reference, ratio) in table:
        print(f"| {name} | {figure:<{width}} | {value} | {reference} | {ratio} |")


if __name__ == "__main__":
    main()
