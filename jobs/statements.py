"""Single statements for the job engine's hot path: each claim, finish and request is one round
trip to the database where it can be, with no BEGIN and COMMIT around it (a statement in
autocommit is its own transaction)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.sql import UpdateQuery

M = TypeVar("M", bound=models.Model)


def one_statement(using: str = DEFAULT_DB_ALIAS) -> AbstractContextManager[Any]:
    """Around one statement that may fail (an IntegrityError from a unique index): a savepoint
    when a transaction is open, so that the failure does not break the caller's transaction;
    nothing otherwise, the statement being its own transaction."""
    if connections[using].in_atomic_block:
        return transaction.atomic(using=using)
    return nullcontext()


def update_returning(
    queryset: models.QuerySet[M],
    values: dict[str, Any],
    extra: dict[str, models.QuerySet[Any]] | None = None,
) -> list[M]:
    """`queryset.update(**values)` as one `UPDATE ... RETURNING` (PostgreSQL, SQLite >= 3.35):
    the updated rows as they are after the update, as model instances. `extra` adds columns to
    what is returned: name -> a one-value subquery (read in the same statement, so it sees the
    rows as they were before it), set as an attribute of each instance, unconverted."""
    query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))
    query.add_update_values(values)
    sql, params = query.get_compiler(queryset.db).as_sql()
    returning = ["*"]
    params = list(params)
    for name, subquery in (extra or {}).items():
        sub_sql, sub_params = subquery.query.get_compiler(queryset.db).as_sql()
        returning.append(f"({sub_sql}) AS {connections[queryset.db].ops.quote_name(name)}")
        params += sub_params
    raw = queryset.model._default_manager.raw(
        f"{sql} RETURNING {', '.join(returning)}", params, using=queryset.db
    )
    return list(raw)
