"""bench_l3's CPU profile names each process of the lab machine by the part it belongs to, from
its command line, and a window's CPU is what each part used within it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_l3 import CpuWindow  # noqa: E402
from bench.procstat import machine_part  # noqa: E402

VENV = "/root/.cache/tricircle-lab/venv-x/bin"
ETC = "/root/.local/share/tricircle-lab/etc"


@pytest.mark.parametrize(
    ("command_line", "part"),
    [
        ("pod3-neutron-api-uWSGI worker 1", "pod3-neutron-api"),
        ("keystone-uWSGI worker 2", "keystone"),
        (
            f"neutron-server: rpc worker ({VENV}/python {VENV}/neutron-rpc-server "
            f"--config-file {ETC}/pod2/neutron/neutron.conf)",
            "pod2-neutron daemons",
        ),
        (
            f"{VENV}/python {VENV}/nova-compute --config-file {ETC}/pod1/nova/nova.conf",
            "pod1-nova daemons",
        ),
        (
            f"{VENV}/python {VENV}/glance-api --config-file {ETC}/glance/glance-api.conf",
            "glance daemons",
        ),
        (
            "/work/main/.venv/bin/python -m celery -A tricircle_site worker --beat",
            "Tricircle celery",
        ),
        (
            "/work/main/.venv/bin/gunicorn tricircle_site.wsgi:application --bind 127.0.0.1:19999",
            "Tricircle gunicorn",
        ),
        ("/usr/sbin/mariadbd", "MariaDB"),
        ("/usr/lib/erlang/erts-13.1.5/bin/beam.smp -W w", "RabbitMQ"),
        ("postgres: 15/main: checkpointer", "PostgreSQL"),
        ("/usr/sbin/sshd -D", "other"),
    ],
)
def test_each_process_is_named_by_its_part(command_line, part):
    assert machine_part(os.getpid() + 1, command_line) == part


def test_this_process_is_the_benchmark():
    assert machine_part(os.getpid(), "python bench/bench_l3.py") == "this benchmark"


def test_a_window_reports_the_cpu_used_within_it(capsys):
    window = CpuWindow()
    window.start()
    deadline = os.times().elapsed + 0.3
    while os.times().elapsed < deadline:  # busy: this process uses CPU within the window
        pass
    window.report("a busy loop")
    printed = capsys.readouterr().out
    assert "CPU during a busy loop:" in printed
    benchmark = printed.split("this benchmark ")[1].split(",")[0]
    assert float(benchmark) >= 0.2
