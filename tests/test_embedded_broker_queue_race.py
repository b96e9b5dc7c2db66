"""Two processes that first use a queue at the same moment both insert its row in the embedded
broker (kombu's SQL transport); the one that loses must use the winner's row, not die (a CI run:
the worker's consumer died and jobs stayed NEW)."""

from typing import Any

from tricircle_site.celery import app


class _MissesFirstLooks:
    """The channel's session, except that its first looks for a queue row find nothing: the
    other process's insert is committed between those looks and this one's insert."""

    def __init__(self, session: Any, misses: int) -> None:
        self._session = session
        self._misses = misses

    def query(self, *entities: Any) -> Any:
        query = self._session.query(*entities)
        if self._misses:
            self._misses -= 1
            return query.filter(False)
        return query

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def test_a_queue_row_inserted_by_another_process_is_used(tmp_path):
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with app.connection_for_write(broker_url) as winner:
        winner.default_channel.queue_declare(queue="jobs")
        winner_row_id = winner.default_channel._get_or_create("jobs").id
    with app.connection_for_write(broker_url) as loser:
        channel = loser.default_channel
        channel._session = _MissesFirstLooks(channel.session, misses=2)

        assert channel._get_or_create("jobs").id == winner_row_id
        # The session still works after the refused insert: a message goes through.
        channel._put("jobs", {"body": "hello"})
        assert channel._get("jobs") == {"body": "hello"}
