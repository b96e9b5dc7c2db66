"""Stopping lab services for fault tests, and bringing them back."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LAB_TOOL = Path(__file__).resolve().parent / "lab.py"


def lab_command(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, str(LAB_TOOL), *args], capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        raise AssertionError(f"lab.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")


@contextmanager
def stopped(*services: str) -> Iterator[None]:
    """The services are down inside the block and up again after it, whatever happens."""
    lab_command("stop", *services)
    try:
        yield
    finally:
        lab_command("up")
