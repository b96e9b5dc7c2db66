import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], timeout: float = 60, interval: float = 1) -> bool:
    """True as soon as check() is; False if it never is within timeout (asynchronous work)."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
