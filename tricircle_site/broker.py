"""The embedded default broker: kombu's SQLAlchemy transport, polled more often.

kombu's virtual transports sleep `polling_interval` (1 s) whenever every queue is empty, so on
the SQLite-file broker a job waited 0-1 s between being sent and being started: most of a
cross-pod L3 convergence's time in the lab, which is a chain of such jobs (README, "Performance").
kombu reads the interval from the transport options, but its SQL transport also hands every
transport option to SQLAlchemy's `create_engine`, which refuses it; hence a subclass. An empty
poll is one indexed SELECT on a local file, so ten a second per worker process cost little.
"""

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport

POLLING_INTERVAL_SECONDS = 0.1


class Transport(SQLAlchemyTransport):
    polling_interval = POLLING_INTERVAL_SECONDS


def register_embedded_transport() -> None:
    """Make `sqla+...` broker URLs (the embedded default's) use this transport."""
    TRANSPORT_ALIASES["sqla"] = f"{__name__}:Transport"
