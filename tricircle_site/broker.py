"""The embedded default broker: kombu's SQLAlchemy transport, polled more often.

kombu's virtual transports sleep `polling_interval` (1 s) whenever every queue is empty, so on
the SQLite-file broker a job waited 0-1 s between being sent and being started: most of a
cross-pod L3 convergence's time in the lab, which is a chain of such jobs (README, "Performance").
kombu reads the interval from the transport options, but its SQL transport also hands every
transport option to SQLAlchemy's `create_engine`, which refuses it; hence a subclass. An empty
poll is one indexed SELECT on a local file, so ten a second per worker process cost little.

Two processes that first use a queue at the same moment (the worker's consumer and its beat, on a
first start) both insert its row; kombu catches only OperationalError there, so the loser's
IntegrityError killed its consumer and jobs waited forever (a CI run's worker log). The channel
below takes the winner's row instead.
"""

from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Channel as SQLAlchemyChannel
from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport
from sqlalchemy.exc import IntegrityError

POLLING_INTERVAL_SECONDS = 0.1


class Channel(SQLAlchemyChannel):
    def _get_or_create(self, queue: str) -> Any:
        try:
            return super()._get_or_create(queue)  # type: ignore[misc]  # not in the stubs
        except IntegrityError:
            # Another process inserted the queue's row first: use it.
            self.session.rollback()
            return self.session.query(self.queue_cls).filter(self.queue_cls.name == queue).one()


class Transport(SQLAlchemyTransport):
    Channel = Channel
    polling_interval = POLLING_INTERVAL_SECONDS


def register_embedded_transport() -> None:
    """Make `sqla+...` broker URLs (the embedded default's) use this transport."""
    TRANSPORT_ALIASES["sqla"] = f"{__name__}:Transport"
