"""pods.fanout.run_all: calls at once in pool threads, in the caller's context, the results in
order, every call run to its end before the first failure is raised; in the caller's thread
when running them elsewhere would be wrong (inside a transaction, inside a thread of the
last pool)."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from pods import fanout
from tricircle_site import request_ids

TIMEOUT = 5.0


def test_the_calls_run_at_once_in_the_callers_context():
    barrier = threading.Barrier(3, timeout=TIMEOUT)
    token = request_ids.current.set("req-of-the-caller")
    try:

        def call(index: int) -> tuple[int, str, str]:
            barrier.wait()  # breaks unless all three run at once
            return index, request_ids.current.get(), threading.current_thread().name

        results = fanout.each([0, 1, 2], call)
    finally:
        request_ids.current.reset(token)
    assert [index for index, _, _ in results] == [0, 1, 2]
    assert {request_id for _, request_id, _ in results} == {"req-of-the-caller"}
    assert threading.current_thread().name not in {thread for _, _, thread in results}


def test_every_call_ends_before_the_first_failure_is_raised():
    done: list[int] = []

    def call(index: int) -> None:
        if index in (1, 2):
            raise ValueError(f"failed {index}")
        done.append(index)

    with pytest.raises(ValueError, match="failed 1"):
        fanout.each([0, 1, 2, 3], call)
    assert sorted(done) == [0, 3]


@pytest.mark.django_db
def test_inside_a_transaction_the_calls_run_in_the_callers_thread():
    with transaction.atomic():
        threads = fanout.each([0, 1], lambda _: threading.current_thread().name)
    assert set(threads) == {threading.current_thread().name}


def test_a_pool_thread_fans_out_into_the_second_pool_whose_threads_run_their_own_fan_outs():
    barrier = threading.Barrier(4, timeout=TIMEOUT)

    def innermost(_: int) -> str:
        return threading.current_thread().name

    def inner(_: int) -> tuple[str, list[str]]:
        barrier.wait()  # breaks unless both inner calls of both outer calls run at once
        return threading.current_thread().name, fanout.each([0, 1], innermost)

    def outer(_: int) -> tuple[str, list[tuple[str, list[str]]]]:
        return threading.current_thread().name, fanout.each([0, 1], inner)

    for outer_thread, inners in fanout.each([0, 1], outer):
        assert outer_thread.startswith("fanout0")
        for inner_thread, innermost_threads in inners:
            assert inner_thread.startswith("fanout1")
            assert innermost_threads == [inner_thread, inner_thread]
