"""The request id of the call being served: kept in a context variable so that every pod call
made for it carries it (as X-OpenStack-Request-ID, which the pods' oslo middleware takes as
the global request id) and every log line written for it names it."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEADER = "X-OpenStack-Request-ID"
current: ContextVar[str] = ContextVar("request_id", default="")


def given_or_new(given: str) -> str:
    """The caller's id when it has OpenStack's form (`req-<uuid>`), else a new one."""
    return given if REQUEST_ID.match(given) else f"req-{uuid.uuid4()}"


def headers() -> dict[str, str]:
    """What a call to a pod carries for the request being served (nothing outside one)."""
    request_id = current.get()
    return {HEADER: request_id} if request_id else {}


class RequestIdFilter(logging.Filter):
    """Gives every log record the request id it was written for (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get() or "-"
        return True
