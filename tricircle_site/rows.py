"""Model rows read by SQL written once, for the few lookups every gateway request makes (the pod
list, a resource's pod). Built through the ORM, such a query costs more CPU to compile than to
run (0.5 ms or more of a request that should cost 3 ms in all); its text never changes, so it is
written once per database and the rows are made instances with the ORM's own converters, so
both databases give what the ORM would give."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models

M = TypeVar("M", bound=models.Model)
Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def sql_names(model: type[models.Model], using: str) -> Callable[[str], str]:
    """The quoted column of one of the model's fields, or its quoted table for "table"."""
    quote = connections[using].ops.quote_name

    def name(field: str) -> str:
        if field == "table":
            return quote(model._meta.db_table)
        column = model._meta.get_field(field)
        assert isinstance(column, models.Field) and column.column
        return f"{quote(model._meta.db_table)}.{quote(column.column)}"

    return name


@functools.cache
def _reader(
    model: type[models.Model], using: str
) -> tuple[str, list[str], list[tuple[Any, list[Converter]]]]:
    """The SELECT list of the model's columns, their attribute names and, per column, the
    converters the ORM applies to its values on this database."""
    connection = connections[using]
    name = sql_names(model, using)
    fields = list(model._meta.concrete_fields)
    converters = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        converters.append((column, found))
    select = ", ".join(name(field.name) for field in fields)
    return select, [field.attname for field in fields], converters


def select(
    model: type[M], where: str, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS
) -> list[M]:
    """`SELECT <the model's columns> FROM <its table> <where>` as instances of the model;
    `where` is written with sql_names and %s placeholders."""
    columns, attnames, converters = _reader(model, using)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {sql_names(model, using)('table')} {where}", params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for index, (column, column_converters) in enumerate(converters):
            for convert in column_converters:
                values[index] = convert(values[index], column, connection)
        found.append(model.from_db(using, attnames, values))
    return found
