"""ensure_bottom makes a bottom resource at most once, however many callers race."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from pods.clients import ServiceError, ServiceFailed
from routing.models import ResourceRouting
from routing.services import CLAIM_STALE_SECONDS, ensure_bottom
from tests.factories import PodFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_callers_create_one_bottom_resource():
    pod = PodFactory()
    created: list[str] = []
    results: list[str] = []
    errors: list[BaseException] = []

    def create() -> str:
        time.sleep(0.3)
        created.append("b")
        return f"bottom-{len(created)}"

    def worker() -> None:
        try:
            results.append(ensure_bottom("top-1", pod, "network", "p", create, lambda: None))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert created == ["b"]
    assert results == ["bottom-1"] * 8
    assert ResourceRouting.objects.get(top_id="top-1").bottom_id == "bottom-1"


def test_a_failed_creation_releases_the_claim():
    pod = PodFactory()

    def fail() -> str:
        raise RuntimeError("pod refused")

    with pytest.raises(RuntimeError):
        ensure_bottom("top-1", pod, "network", "p", fail, lambda: None)
    assert not ResourceRouting.objects.exists()
    assert ensure_bottom("top-1", pod, "network", "p", lambda: "b1", lambda: None) == "b1"


def test_a_stale_claim_is_taken_over_and_adopts_what_its_creator_made():
    pod = PodFactory()
    claim = ResourceRouting.objects.create(
        top_id="top-1", pod=pod, resource_type="network", project_id="p"
    )
    stale = timezone.now() - timedelta(seconds=CLAIM_STALE_SECONDS + 1)
    ResourceRouting.objects.filter(pk=claim.pk).update(updated_at=stale)

    def create() -> str:
        raise AssertionError("must adopt, not create")

    assert ensure_bottom("top-1", pod, "network", "p", create, lambda: "made-before") == (
        "made-before"
    )


def _never_adopt() -> str | None:
    raise AssertionError("a new claim must not look by name before the pod refuses")


def test_a_new_claim_creates_at_once_when_the_pod_would_refuse_a_second_copy():
    pod = PodFactory()
    made = ensure_bottom(
        "top-1", pod, "network", "p", lambda: "b1", _never_adopt, refused_if_made=True
    )
    assert made == "b1"
    assert ResourceRouting.objects.get(top_id="top-1").bottom_id == "b1"


def _refused() -> str:
    raise ServiceError(409, "The tunnel ID 7540 is in use.", "Neutron of Pod1")


def test_a_refused_creation_adopts_a_copy_the_routing_table_did_not_know():
    """A table restored from a backup, a fresh Tricircle in front of pods that keep copies."""
    pod = PodFactory()
    made = ensure_bottom("top-1", pod, "network", "p", _refused, lambda: "b0", refused_if_made=True)
    assert made == "b0"
    assert ResourceRouting.objects.get(top_id="top-1").bottom_id == "b0"


def test_a_refused_creation_with_no_copy_to_adopt_releases_the_claim():
    pod = PodFactory()
    with pytest.raises(ServiceError):
        ensure_bottom("top-1", pod, "network", "p", _refused, lambda: None, refused_if_made=True)
    assert not ResourceRouting.objects.exists()


@pytest.mark.parametrize("failure", [ServiceFailed, RuntimeError])
def test_a_creation_that_failed_otherwise_is_adopted_by_the_next_caller(failure):
    """A 5xx, an interruption: the pod may have made it; the next caller looks by name at once."""
    pod = PodFactory()

    def failed() -> str:
        raise failure("the pod failed", None) if failure is ServiceFailed else failure("lost")

    with pytest.raises(failure):
        ensure_bottom("top-1", pod, "network", "p", failed, _never_adopt, refused_if_made=True)
    assert ResourceRouting.objects.get(top_id="top-1").bottom_id == ""

    def create() -> str:
        raise AssertionError("must adopt, not create")

    adopted = ensure_bottom(
        "top-1", pod, "network", "p", create, lambda: "made", refused_if_made=True
    )
    assert adopted == "made"
