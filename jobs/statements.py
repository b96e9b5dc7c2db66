"""Single statements for the job engine's hot path: each claim, finish and request is one round
trip to the database where it can be, with no BEGIN and COMMIT around it (a statement in
autocommit is its own transaction)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.sql import UpdateQuery

from jobs.models import Job, JobStatus

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


# --- the worker's two statements, written once ----------------------------------------------
# A claim and a finish run for every job. Built through the ORM (Q objects, Case/When, the
# compiler) they cost a worker more CPU than their round trips (bench/bench_jobs.py under
# py-spy: half of a worker's time). Their text never changes, so it is written once per
# database; a call only prepares its values through the model's fields, so both databases get
# them as the ORM would give them. Django's cursors take %s placeholders on SQLite too.


def _sql_names(using: str) -> Callable[[str], str]:
    """The quoted column of a Job field, or the quoted table for "table"."""
    quote = connections[using].ops.quote_name

    def name(field: str) -> str:
        if field == "table":
            return quote(Job._meta.db_table)
        column = Job._meta.get_field(field)
        assert isinstance(column, models.Field) and column.column  # every Job field has one
        return quote(column.column)

    return name


@functools.cache
def _claim_sql(using: str) -> str:
    n = _sql_names(using)
    return (
        f"UPDATE {n('table')} SET {n('status')} = %s, {n('worker')} = %s,"
        f" {n('lease_expires_at')} = %s, {n('attempts')} = {n('attempts')} + 1,"
        f" {n('started_at')} = %s, {n('finished_at')} = NULL, {n('updated_at')} = %s"
        f" WHERE {n('id')} = %s AND ({n('status')} = %s"
        f" OR ({n('status')} = %s AND {n('next_run_at')} <= %s)"
        f" OR ({n('status')} = %s AND {n('lease_expires_at')} < %s AND {n('attempts')} < %s))"
        " RETURNING *"
    )


def claim_returning(
    job_id: Any, worker: str, now: datetime, lease_until: datetime, max_attempts: int, using: str
) -> list[Job]:
    """The job RUNNING for `worker`, if it is claimable: NEW, FAIL with its retry due, or
    RUNNING under an expired lease with attempts left."""
    time = _prepared(using, "started_at")
    params = [
        JobStatus.RUNNING,
        worker,
        time(lease_until),
        time(now),
        time(now),
        _prepared(using, "id")(job_id),
        JobStatus.NEW,
        JobStatus.FAIL,
        time(now),
        JobStatus.RUNNING,
        time(now),
        max_attempts,
    ]
    return list(Job.objects.using(using).raw(_claim_sql(using), params))


@functools.cache
def _finish_sql(using: str, succeeded: bool) -> str:
    """A failure updates the job's row only; a success also the older failures it settles, which
    keep every column but next_run_at (NULL for both) and updated_at."""
    n = _sql_names(using)

    def the_job(table: str) -> str:
        # The job as its worker holds it: still RUNNING, by it, since its claim.
        return (
            f"{table}.{n('id')} = %s AND {table}.{n('status')} = %s"
            f" AND {table}.{n('worker')} = %s AND {table}.{n('started_at')} = %s"
        )

    def own(column: str, value: str) -> str:
        if not succeeded:
            return f"{n(column)} = {value}"
        return f"{n(column)} = CASE WHEN {n('id')} = %s THEN {value} ELSE {n(column)} END"

    sql = (
        f"UPDATE {n('table')} SET {own('status', '%s')}, {own('last_error', '%s')},"
        f" {own('worker', '%s')}, {own('lease_expires_at', 'NULL')},"
        f" {own('finished_at', '%s')}, {n('updated_at')} = %s,"
        f" {n('next_run_at')} = {'NULL' if succeeded else '%s'}"
        f" WHERE ({the_job(n('table'))})"
    )
    if succeeded:
        sql += (
            f" OR (EXISTS (SELECT 1 FROM {n('table')} AS mine WHERE {the_job('mine')})"
            f" AND {n('type')} = %s AND {n('resource_key')} = %s AND {n('status')} = %s"
            f" AND {n('created_at')} <= %s AND {n('next_run_at')} IS NOT NULL)"
        )
    return sql + (
        f" RETURNING *, (SELECT waiting.{n('id')} FROM {n('table')} AS waiting"
        f" WHERE waiting.{n('type')} = %s AND waiting.{n('resource_key')} = %s"
        f" AND waiting.{n('status')} = %s LIMIT 1) AS waiting_id"
    )


def finish_returning(
    job: Job, error: str, next_run_at: datetime | None, now: datetime, using: str
) -> list[Job]:
    """The job's result written (SUCCESS without `error`, else FAIL retried at `next_run_at`),
    if the job is still its worker's; on SUCCESS, the older failures of the same work (created
    before the job started) not retried any more. Each row returned carries `waiting_id`: the
    NEW job for the same work, read before the update."""
    time, job_id = _prepared(using, "started_at"), _prepared(using, "id")(job.pk)
    succeeded = not error
    # In the order of the SET clause: status, last_error, worker, lease_expires_at,
    # finished_at, updated_at (and next_run_at for a failure); a success's CASEs name the job.
    if succeeded:
        params: list[Any] = [job_id, JobStatus.SUCCESS, job_id, "", job_id, "", job_id]
        params += [job_id, time(now), time(now)]
    else:
        params = [JobStatus.FAIL, error, "", time(now), time(now), time(next_run_at)]
    held = [job_id, JobStatus.RUNNING, job.worker, time(job.started_at)]
    params += held
    if succeeded:
        params += [*held, job.type, job.resource_key, JobStatus.FAIL, time(job.started_at)]
    params += [job.type, job.resource_key, JobStatus.NEW]
    return list(Job.objects.using(using).raw(_finish_sql(using, succeeded), params))


def _prepared(using: str, field_name: str) -> Callable[[Any], Any]:
    """A value as the database takes it for this Job field (a UUID as SQLite's hex text, a time
    in UTC as SQLite's text)."""
    field = Job._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    connection = connections[using]
    return lambda value: field.get_db_prep_value(value, connection, prepared=False)
