"""The job types. Each declares the fields of its resource, its handler and how to tell that a
resource belongs to a project. Adding a type is one small module:

    from jobs.models import Job
    from jobs.registry import job_type
    from routing.services import routed_resources_belong

    @job_type(
        "network_cleanup",
        resource_fields=("network_id", "pod_id"),
        belongs_to=routed_resources_belong,
    )
    def network_cleanup(job: Job) -> None:
        ...  # converge: safe to run twice, a resource already gone is done

Apps keep their types in a `job_types.py` module, imported by JobsConfig.ready(); the setting
JOBS_TYPE_MODULES (env TRICIRCLE_JOBS_TYPE_MODULES) names more modules, e.g. the tests' types.

Resource values are ids: non-empty strings. Ownership: every type gives
`belongs_to(project_id, resource)`, the check a request for it must pass. The engine knows no
resource's owner: the app declaring the type injects the check (networking and gateway use
routing.services.routed_resources_belong, which reads the routing table)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from tricircle_site.exceptions import BadRequest

if TYPE_CHECKING:
    from jobs.models import Job

Handler = Callable[["Job"], None]
OwnershipCheck = Callable[[str, Mapping[str, str]], bool]

MAX_VALUE_LENGTH = 255


@dataclass(frozen=True)
class JobType:
    name: str
    resource_fields: tuple[str, ...]
    handler: Handler
    belongs_to: OwnershipCheck

    @property
    def description(self) -> str:
        return (self.handler.__doc__ or "").strip().split("\n\n")[0]


_TYPES: dict[str, JobType] = {}


def job_type(
    name: str, resource_fields: tuple[str, ...], belongs_to: OwnershipCheck
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of job type `name`; a request for it
    must pass `belongs_to(project_id, resource)`."""
    if not name or len(name) > 64:
        raise ImproperlyConfigured(f"Job type name {name!r} must be 1 to 64 characters.")
    if not resource_fields or len(set(resource_fields)) != len(resource_fields):
        raise ImproperlyConfigured(f"Job type {name} needs distinct resource fields.")

    def register(handler: Handler) -> Handler:
        known = _TYPES.get(name)
        if known is not None and _qualname(known.handler) != _qualname(handler):
            raise ImproperlyConfigured(
                f"Job type {name} is registered twice: {_qualname(known.handler)} and "
                f"{_qualname(handler)}."
            )
        _TYPES[name] = JobType(
            name=name,
            resource_fields=tuple(resource_fields),
            handler=handler,
            belongs_to=belongs_to,
        )
        return handler

    return register


def _qualname(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def get(name: str) -> JobType:
    job_type_ = _TYPES.get(name)
    if job_type_ is None:
        known = ", ".join(sorted(_TYPES)) or "none"
        raise BadRequest(f"Unknown job type {name!r}; known types: {known}.")
    return job_type_


def all_types() -> list[JobType]:
    return [_TYPES[name] for name in sorted(_TYPES)]


def clean_resource(job_type_: JobType, resource: Any) -> dict[str, str]:
    """The resource if it has exactly the type's fields, each a non-empty id; BadRequest naming
    what is wrong otherwise."""
    if not isinstance(resource, dict):
        raise BadRequest("resource must be an object of ids.")
    declared = set(job_type_.resource_fields)
    missing = [field for field in job_type_.resource_fields if field not in resource]
    extra = sorted(set(resource) - declared)
    problems = []
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    if extra:
        problems.append(f"unknown: {', '.join(extra)}")
    if problems:
        raise BadRequest(
            f"Job type {job_type_.name} takes resource fields "
            f"{', '.join(job_type_.resource_fields)}; {'; '.join(problems)}."
        )
    for field in job_type_.resource_fields:
        value = resource[field]
        if not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
            raise BadRequest(
                f"resource.{field} must be a non-empty id of at most {MAX_VALUE_LENGTH} characters."
            )
    return {field: resource[field] for field in job_type_.resource_fields}


def resource_key(type_name: str, resource: Mapping[str, str]) -> str:
    """One canonical string per (type, resource): sorted keys, no spaces."""
    return f"{type_name}:{json.dumps(dict(resource), sort_keys=True, separators=(',', ':'))}"
