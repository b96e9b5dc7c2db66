"""bench/chaos.py without the lab: how it classifies answers, which faults it picks for the
lab's pods, and that its fault injector always undoes a fault (the lab command and the worker
are stand-ins here)."""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

CHAOS = Path(__file__).resolve().parents[1] / "bench" / "chaos.py"


@pytest.fixture(scope="module")
def chaos() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_chaos", CHAOS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def body(outer: str, message: str, **more: Any) -> str:
    return json.dumps({outer: {"message": message, **more}})


@pytest.mark.parametrize(
    ("status", "text", "kind"),
    [
        (202, '{"server": {"id": "x"}}', "success"),
        (204, "", "success"),
        (404, body("itemNotFound", "Server x could not be found.", code=404), "clean 4xx"),
        (409, body("NeutronError", "Port in use.", type="Conflict"), "clean 4xx"),
        (503, body("serviceUnavailable", "Nova of Pod2 is not answering.", code=503), "503"),
        (503, body("NeutronError", "The central Neutron is not answering."), "503"),
        (503, body("serviceUnavailable", "No pod is available in az2.", code=503), "503"),
        (503, body("serviceUnavailable", "No pod is available.", code=503), "other"),
        (503, body("serviceUnavailable", "Pod27 is down.", code=503), "other"),
        (500, body("computeFault", "Unexpected error.", code=500), "other"),
        (502, "<html>Bad Gateway</html>", "other"),
        (400, "not json", "other"),
        (400, '{"detail": "x", "code": "bad_request"}', "other"),
        (302, "", "other"),
    ],
)
def test_answers_are_classified(chaos: ModuleType, status: int, text: str, kind: str) -> None:
    classifier = chaos.Classifier(["Pod1", "Pod2"], ["az1", "az2"])
    expected = "503 naming a pod" if kind == "503" else kind
    assert classifier.classify(status, text) == expected


def test_the_tally_keeps_each_other_answer_and_the_503_messages(chaos: ModuleType) -> None:
    tally = chaos.Tally(chaos.Classifier(["Pod1"], ["az1"]))
    tally.add("GET", "/compute/v2.1/servers/detail", 200, "{}")
    tally.add("POST", "/compute/v2.1/servers", 500, "Internal   Server\nError")
    tally.add("DELETE", "/networking/v2.0/networks/n", 0, "", error="ReadTimeout: 90 s")
    tally.add("POST", "/volume/v3/p/volumes", 503, body("badRequest", "Cinder of Pod1 failed."))
    assert tally.calls == 4
    assert tally.counts["success"] == 1 and tally.counts["503 naming a pod"] == 1
    assert tally.others == [
        "POST /compute/v2.1/servers: HTTP 500 'Internal Server Error'",
        "DELETE /networking/v2.0/networks/n: ReadTimeout: 90 s",
    ]
    assert tally.unavailable == {"Cinder of Pod1 failed.": 1}


def test_faults_are_each_pods_apis_and_the_whole_pod(chaos: ModuleType) -> None:
    lab = {"pods": [{"region_name": "Pod1"}, {"region_name": "Pod2"}]}
    running = [
        "central-neutron-api",
        "keystone",
        *(f"{key}-{name}" for key in ("pod1", "pod2") for name in ("nova-api", "neutron-api")),
        *(f"{key}-{name}" for key in ("pod1", "pod2") for name in ("neutron-rpc", "cinder-api")),
        "pod2-nova-compute",
    ]
    faults = dict(chaos.pod_faults(lab, running))
    assert faults["Pod1 Nova API"] == ["pod1-nova-api"]
    assert faults["Pod2 Neutron server"] == ["pod2-neutron-api", "pod2-neutron-rpc"]
    assert faults["Pod1 Cinder API"] == ["pod1-cinder-api"]
    assert "central-neutron-api" not in faults["all of Pod1"]
    assert set(faults["all of Pod2"]) == {
        "pod2-nova-api",
        "pod2-neutron-api",
        "pod2-neutron-rpc",
        "pod2-cinder-api",
        "pod2-nova-compute",
    }
    # A service the lab does not run is never asked to stop.
    assert "Pod1 Nova API" not in dict(chaos.pod_faults(lab, ["pod2-nova-api"]))


class FakeServer:
    """The parts of TricircleServer the injector uses, with a real process as the worker."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.process_groups: list[int] = []
        self.shared: dict[str, Any] = {"process_groups": []}
        self.spawned = 0

    def spawn_worker(self) -> int:
        process = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(120)", "celery"],
            start_new_session=True,
        )
        self.processes.append(process)
        self.process_groups.append(process.pid)
        self.spawned += 1
        deadline = time.monotonic() + 10  # until it runs its own command line
        while b"celery" not in Path(f"/proc/{process.pid}/cmdline").read_bytes():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        return process.pid

    def share(self) -> Any:
        server = self

        class Share:
            def __enter__(self) -> dict[str, Any]:
                return server.shared

            def __exit__(self, *exc: object) -> None:
                return None

        return Share()


@pytest.fixture
def lab_calls(chaos: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(chaos, "lab_command", lambda *args: calls.append(args))
    return calls


def test_a_stopped_service_is_started_again_when_the_run_is_interrupted(
    chaos: ModuleType, lab_calls: list[tuple[str, ...]]
) -> None:
    stop = threading.Event()
    began = time.monotonic()
    injector = chaos.Injector(
        FakeServer(),
        [("Pod2 Nova API", ["pod2-nova-api"])],
        random.Random(1),
        5.0,
        began,
        began + 3600,
        stop,
    )
    injector.worker_at = began + 3600  # a service first, not the worker
    injector.start()
    deadline = time.monotonic() + 30
    while not lab_calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lab_calls == [("stop", "pod2-nova-api")]
    stop.set()  # what the first Ctrl-C does
    injector.join(timeout=30)
    assert not injector.is_alive()
    assert lab_calls == [("stop", "pod2-nova-api"), ("up",)]
    assert injector.not_undone == 0 and injector.errors == []
    assert [fault.what for fault in injector.done] == ["Pod2 Nova API"]


def test_the_killed_worker_is_started_again_and_recorded(
    chaos: ModuleType, lab_calls: list[tuple[str, ...]]
) -> None:
    server = FakeServer()
    first = server.spawn_worker()
    server.shared["process_groups"] = [4242424, first]  # gunicorn's and the worker's
    server.process_groups.insert(0, 4242424)
    injector = chaos.Injector(
        server,
        [],
        random.Random(1),
        45.0,
        time.monotonic(),
        time.monotonic() + 60,
        threading.Event(),
    )
    try:
        injector.kill_worker()
        assert injector.not_undone == 1
        assert server.process_groups == [4242424]
        assert server.shared["process_groups"] == [4242424]
        assert server.processes == []  # the killed one was reaped
        injector.restore()
        injector.restore()  # once is enough
        assert server.spawned == 2 and injector.not_undone == 0
        assert server.shared["process_groups"] == server.process_groups
        assert server.process_groups[0] == 4242424 and server.process_groups[1] != first
        assert lab_calls == []
    finally:
        for process in server.processes:
            process.kill()
            process.wait()
