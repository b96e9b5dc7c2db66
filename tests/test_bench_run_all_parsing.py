"""bench/run_all.py reads the figures from what each benchmark prints and puts the performance
issue's goals beside them: its parsers and its verdicts, on sample outputs of each benchmark."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUN_ALL = Path(__file__).resolve().parents[1] / "bench" / "run_all.py"


@pytest.fixture(scope="module")
def run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run_all", RUN_ALL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def judged(run_all: ModuleType, bench: str, output: str) -> dict[str, object]:
    parse = {b.name: b.parse for b in run_all.BENCHES}[bench]
    rows = parse(output)
    run_all.judge(bench, rows)
    return {row.figure: row for row in rows}


JOBS = """\
broker: RabbitMQ (127.0.0.1:5672//)  database: PostgreSQL (127.0.0.1:5432/tricircle_bench_jobs_1)
1 worker(s): 300/300 jobs in 1.20s = 250.0 jobs/s
2 worker(s): 300/300 jobs in 0.75s = 400.0 jobs/s
4 worker(s): 290/300 jobs in 1.00s = 290.0 jobs/s
"""


def test_jobs_rates_with_the_one_worker_rate_as_reference(run_all):
    rows = judged(run_all, "jobs", JOBS)
    one = rows["jobs/s, no-op jobs, 1 worker(s), PostgreSQL + RabbitMQ (300/300 done)"]
    assert (one.value, one.goal, one.met) == ("250.0", ">= 200 jobs/s", "yes")
    two = rows["jobs/s, no-op jobs, 2 worker(s), PostgreSQL + RabbitMQ (300/300 done)"]
    assert (two.value, two.reference, two.ratio, two.met) == ("400.0", "250.0", "1.60", "no")
    four = rows["jobs/s, no-op jobs, 4 worker(s), PostgreSQL + RabbitMQ (290/300 done)"]
    assert (four.ratio, four.goal, four.met) == ("1.16", "", "")


GATEWAY = """\
100 servers booted directly for the list (4 there before) in 61 s

Gateway overhead, 100 requests, 2026-12-01
call                                                        tricircle     direct   ratio
GET /servers/{id} p50 (ms)                                       74.1       71.0    1.04
GET /servers/{id} p99 (ms)                                      120.5       99.0    1.22
GET /servers/detail, 2 pods, 100 servers p50 vs slowest pod (ms)     310.2      250.0    1.24

Tricircle's own time (Server-Timing tricircle;dur) and the pods' (pod;dur), ms
call                                                       answers  own p50  own p99  pods p50
own time, POST /servers, first boot in a pod                     2     45.3     50.1    900.2
own time, POST /servers, later boot                              4     20.0     22.0    700.0
own time, GET /servers/{id}                                    100      2.1      3.9     70.5
own time, GET /servers/detail, 2 pods, 100 servers              25      6.2      8.0    240.1

Boot to ACTIVE (s): through Tricircle, directly (a port made in the pod, then
a boot with it), and through Tricircle minus directly; medians of the pairs
boot                                                        tricircle     direct   minus
boot to ACTIVE, first boot in Pod1 (network made there)          8.40       7.10    1.30
boot to ACTIVE, later boot in Pod1, 2 pairs                      7.60       7.00    0.60
boot to ACTIVE, later boot in Pod2, 2 pairs                      6.90       7.00   -0.10
"""


def test_gateway_ratios_own_times_and_boot_differences(run_all):
    rows = judged(run_all, "gateway", GATEWAY)
    p50 = rows["GET /servers/{id} p50 (ms)"]
    assert (p50.value, p50.reference, p50.ratio, p50.goal, p50.met) == (
        "74.1",
        "71.0",
        "1.04",
        "ratio <= 1.05",
        "yes",
    )
    assert rows["GET /servers/{id} p99 (ms)"].met == "no"
    listed = rows["GET /servers/detail, 2 pods, 100 servers p50 vs slowest pod (ms)"]
    assert (listed.ratio, listed.goal) == ("1.24", "")

    prefix = "Tricircle's own time, "
    suffix = "; ref: pods' p50"
    show = rows[f"{prefix}GET /servers/{{id}}, p50 (p99) ms over 100{suffix}"]
    assert (show.value, show.reference, show.goal, show.met) == (
        "2.1 (3.9)",
        "70.5",
        "p50 <= 3 ms",
        "yes",
    )
    detail = rows[f"{prefix}GET /servers/detail, 2 pods, 100 servers, p50 (p99) ms over 25{suffix}"]
    assert (detail.value, detail.met) == ("6.2 (8.0)", "no")
    boot_post = rows[f"{prefix}POST /servers, later boot, p50 (p99) ms over 4{suffix}"]
    assert (boot_post.value, boot_post.goal) == ("20.0 (22.0)", "")

    minus = "through Tricircle minus directly (s); ref: through - direct"
    first = rows[f"boot to ACTIVE, first boot in Pod1 (network made there): {minus}"]
    assert (first.value, first.reference, first.goal, first.met) == (
        "1.30",
        "8.40 - 7.10",
        "<= 1.5 s",
        "yes",
    )
    assert rows[f"boot to ACTIVE, later boot in Pod1, 2 pairs: {minus}"].met == "no"
    later2 = rows[f"boot to ACTIVE, later boot in Pod2, 2 pairs: {minus}"]
    assert (later2.value, later2.met) == ("-0.10", "yes")


L3 = """\
2 pods; first setup converged in 6.80 s
round 1: add subnet -> all 2 pods converged in 2.90 s (removal converged in 2.70 s)
2 pods: median 2.90 s, min 2.90 s, max 2.90 s over 1 rounds
5 pods; first setup converged in 9.52 s
  CPU during the first setup: 16.20 s over 9.52 s wall = 85% of the 2 cores
  by pod (API + daemons): central 2.84, pod1 1.94, pod2 1.95, pod3 2.44, pod4 2.41, pod5 2.36
  by part: pod3-neutron-api 2.30, central-neutron-api 2.20
round 1: add subnet -> all 5 pods converged in 5.91 s (removal converged in 4.50 s)
5 pods: median 5.91 s, min 5.91 s, max 5.91 s over 1 rounds
"""


def test_l3_first_setups_against_two_pods_and_add_subnet(run_all):
    rows = judged(run_all, "l3", L3)
    two = rows["L3 first setup, 2 pods (s)"]
    assert (two.value, two.goal) == ("6.80", "")
    five = rows["L3 first setup, 5 pods (s); ref: 2 pods"]
    assert (five.value, five.reference, five.ratio, five.goal, five.met) == (
        "9.52",
        "6.80",
        "1.40",
        "ratio <= 1.5 (of 2 pods)",
        "yes",
    )
    add = rows["L3 convergence, add subnet, 2 pods, median of 1 (s)"]
    assert (add.value, add.goal, add.met) == ("2.90", "<= 3 s", "yes")
    assert rows["L3 convergence, add subnet, 5 pods, median of 1 (s)"].goal == ""


def test_l3_first_setup_cpu_profile_beside_its_time(run_all):
    rows = judged(run_all, "l3", L3)
    cpu = rows["CPU s used during the L3 first setup, 5 pods; ref: share of 2 cores"]
    assert (cpu.value, cpu.reference, cpu.goal) == ("16.20", "85%", "")
    by_pod = rows["CPU s by pod (Neutron API + daemons), that setup, 5 pods"]
    assert by_pod.value.startswith("central 2.84, pod1 1.94,")
    assert not any(figure.startswith("CPU") and "2 pods" in figure for figure in rows)


def test_l3_a_pod_count_the_lab_lacks_is_not_measured(run_all):
    output = (
        "5 pods: skipped, the lab holds 2 pods "
        "(`python3.11 tests/lab/lab.py up --pods 5` for more)\n" + L3.split("5 pods;")[0]
    )
    rows = judged(run_all, "l3", output)
    five = rows["L3 first setup, 5 pods (s); ref: 2 pods"]
    assert five.value.startswith("skipped: the lab holds 2 pods")
    assert (five.goal, five.met) == ("ratio <= 1.5 (of 2 pods)", "not measured")
    assert rows["L3 first setup, 2 pods (s)"].value == "6.80"


LOAD = """\

Requests per second, 5 s per run, 2026-12-01
call                       clients  tricircle     direct   ratio tri err dir err
GET /servers/{id}                1        8.9       13.0    0.68       0       0
GET /servers/{id}               16       12.0       12.2    0.98       0       0
GET /servers/{id}               64       11.9       12.1    0.98       3       0
GET /networks                   16       29.0       32.5    0.89       0       0

Latency under load (ms), through Tricircle and directly
latency                    clients  tri p50  tri p99  dir p50  dir p99 p99 ratio
latency GET /servers/{id}       16   1300.0   1900.0   1250.0   1800.0      1.06

machine                    clients  through   direct  allows  parts
machine GET /networks           16    31.20    27.10    0.87  Tricircle gunicorn 4.6/0.0

process                        pid  RSS MiB before  after load
gunicorn master               3001              60          61
gunicorn worker               3007              95         120
gunicorn worker               3099               -         160
gunicorn total                   3             155         341
celery master                 3010             110         112
celery worker                 3020              80          81
celery total                     2             190         193
"""


def test_load_rates_latency_and_memory_per_worker(run_all):
    rows = judged(run_all, "load", LOAD)
    one = rows["GET /servers/{id} req/s, 1 clients (0 errors, 0 direct)"]
    assert (one.value, one.reference, one.ratio, one.goal) == ("8.9", "13.0", "0.68", "")
    sixteen = rows["GET /servers/{id} req/s, 16 clients (0 errors, 0 direct)"]
    assert (sixteen.goal, sixteen.met) == ("ratio >= 0.95, 0 errors", "yes")
    assert rows["GET /servers/{id} req/s, 64 clients (3 errors, 0 direct)"].met == "no"
    machine = next(
        row
        for figure, row in rows.items()
        if figure.startswith("GET /networks CPU ms of the whole")
    )
    assert (machine.value, machine.reference, machine.ratio, machine.goal) == (
        "31.20",
        "27.10",
        "0.87",
        "",
    )
    assert "Tricircle gunicorn 4.6/0.0" in machine.figure
    assert rows["GET /networks req/s, 16 clients (0 errors, 0 direct)"].met == "no"
    latency = rows["GET /servers/{id} latency p50 (p99) ms, 16 clients; ratio of the p99s"]
    assert (latency.value, latency.reference, latency.ratio) == (
        "1300.0 (1900.0)",
        "1250.0 (1800.0)",
        "1.06",
    )
    worker = rows["RSS MiB of gunicorn worker (pid 3007) after load; ref: before"]
    assert (worker.value, worker.reference, worker.goal, worker.met) == (
        "120",
        "95",
        "<= 150 MiB",
        "yes",
    )
    assert rows["RSS MiB of gunicorn worker (pid 3099) after load; ref: before"].met == "no"
    assert rows["RSS MiB of gunicorn master (pid 3001) after load; ref: before"].goal == ""
    total = rows["RSS MiB of celery, all 2 processes, after load; ref: before"]
    assert (total.value, total.reference) == ("193", "190")


SCALE = """\
128 simulated pods in 4 processes (95 MiB RSS), 5 servers each; fan-out 16 threads, 2026-12-01
 pods  items   p50 ms   p95 ms  own p50  own p99  pods p50  RSS MiB
    2     10      3.8      4.6      0.6      1.1       3.0       91
  128    640    253.3    281.3     13.6     24.6     242.0      102
"""


def test_scale_list_time_own_time_and_memory(run_all):
    rows = judged(run_all, "scale", SCALE)
    name = "simulated pods: list of 128 pods (640 servers)"
    assert rows[f"{name}, p50 (p95) ms"].value == "253.3 (281.3)"
    own = rows[f"{name}, Tricircle's own time p50 (p99) ms; ref: pods' p50"]
    assert (own.value, own.reference, own.goal, own.met) == (
        "13.6 (24.6)",
        "242.0",
        "p50 <= 25 ms",
        "yes",
    )
    two = rows[
        "simulated pods: list of 2 pods (10 servers), Tricircle's own time p50 (p99) ms; "
        "ref: pods' p50"
    ]
    assert two.goal == ""
    assert rows[f"{name}, RSS MiB of the process"].value == "102"


POD_CLIENT = """\
GET http://127.0.0.1:8774/v2.1/flavors/detail from one process, 100 calls per round
client tricircle: CPU 1.24 ms/call, wall 9.80 ms/call (median of 5 rounds of 100 calls)
client http.client: CPU 0.46 ms/call, wall 8.10 ms/call (median of 5 rounds of 100 calls)
"""


def test_pod_client_cpu_per_call_by_client(run_all):
    rows = judged(run_all, "pod_client", POD_CLIENT)
    figure = "CPU ms per call to a pod (Pod1's Nova, in one process), {}; ref: wall ms"
    assert list(rows) == [figure.format("tricircle"), figure.format("http.client")]
    tricircle = rows[figure.format("tricircle")]
    assert (tricircle.value, tricircle.reference, tricircle.goal) == ("1.24", "9.80", "")


def test_the_tables_markdown_and_plain(run_all):
    rows = judged(run_all, "l3", L3)
    table = [("l3", row) for row in rows.values()]
    markdown = run_all.render(table, markdown=True)
    assert (
        markdown[0] == "| bench | figure | tricircle / value | direct / ref | ratio | goal | met |"
    )
    assert markdown[1] == "|---|---|---|---|---|---|---|"
    assert (
        "| l3 | L3 convergence, add subnet, 2 pods, median of 1 (s) | 2.90 |  |  | <= 3 s | yes |"
        in markdown
    )
    plain = run_all.render(table, markdown=False)
    assert plain[0].split() == [
        "bench",
        "figure",
        "tricircle",
        "/",
        "value",
        "direct",
        "/",
        "ref",
        "ratio",
        "goal",
        "met",
    ]
    assert len({line.index("2.90") for line in plain if "2 pods, median" in line}) == 1
    assert all("|" not in line for line in plain)


def test_no_figures_no_rows(run_all):
    for bench in run_all.BENCHES:
        assert bench.parse("Traceback (most recent call last):\n  boom\n") == []


def test_queries_per_job_are_read_beside_the_rates(run_all):
    output = (
        "broker: 127.0.0.1:5672//  database: 127.0.0.1:5432/tricircle_bench_jobs_1\n"
        "1 worker(s): 300/300 jobs in 3.50s = 85.7 jobs/s; requests 3.40s; workers busy 3.45s"
        " = 86.9 jobs/s; 3.00 queries/job in workers, 3.00 per request\n"
        "2 worker(s): 299/300 jobs in 2.00s = 149.5 jobs/s\n"
    )
    rows = {row.figure: row for row in run_all.parse_jobs(output)}
    one = rows["jobs/s, no-op jobs, 1 worker(s), PostgreSQL + RabbitMQ (300/300 done)"]
    assert one.value == "85.7"
    two = rows["jobs/s, no-op jobs, 2 worker(s), PostgreSQL + RabbitMQ (299/300 done)"]
    assert (two.value, two.reference, two.ratio) == ("149.5", "85.7", "1.74")
    queries = rows["DB queries per job, 1 worker(s): in workers (per request)"]
    assert queries.value == "3.00 (3.00)"
