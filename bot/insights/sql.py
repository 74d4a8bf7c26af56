"""SQL expressions the insights' loaders compute in the database, the same numbers on SQLite and
PostgreSQL, so only numbers (not datetimes) leave it:

- ``micros_between(start, end)``: whole microseconds from ``start`` to ``end`` (None if either is),
  exactly what ``(end - start)`` is in Python (``/ 1_000_000`` gives ``total_seconds()``);
- ``seconds_between(start, end)``: the same in seconds, a double;
- ``epoch_micros(at)``: whole microseconds since 1970 (``at`` is UTC);
- ``month_of(at)``: the UTC month, ``YYYY-MM``.

SQLite keeps an instant as naive UTC text (``2026-01-31 23:59:59.123456``, what SQLAlchemy
writes); PostgreSQL as ``timestamp``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Float, SQLColumnExpression, String, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class micros_between(FunctionElement[int]):  # noqa: N801 - used like a SQL function
    type = BigInteger()
    name = "micros_between"
    inherit_cache = True


def seconds_between(
    start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]
) -> ColumnElement[float]:
    """``micros_between / 1e6`` as a double: the float Python's ``total_seconds()`` gives (an
    integer below 2**53 divided by a million, correctly rounded, in both databases)."""
    return cast(micros_between(start, end), Float()) / literal(1_000_000.0, Float())


class epoch_micros(FunctionElement[int]):  # noqa: N801
    type = BigInteger()
    name = "epoch_micros"
    inherit_cache = True


class month_of(FunctionElement[str]):  # noqa: N801
    type = String()
    name = "month_of"
    inherit_cache = True


def _arguments(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    clauses: list[ColumnElement[Any]] = list(element.clauses)
    return [compiler.process(clause, **kw) for clause in clauses]


def _sqlite_epoch(text: str) -> str:
    return f"CAST(strftime('%s', {text}) AS INTEGER)"


@compiles(micros_between, "sqlite")
def _micros_sqlite(element: micros_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _arguments(element, compiler, **kw)
    # Whole seconds, then the microseconds written after the 20th character (none: zero).
    return (
        f"(({_sqlite_epoch(end)} - {_sqlite_epoch(start)}) * 1000000"
        f" + CAST(substr({end}, 21, 6) AS INTEGER) - CAST(substr({start}, 21, 6) AS INTEGER))"
    )


@compiles(micros_between)
def _micros(element: micros_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _arguments(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({end}) - ({start})) * 1000000 AS BIGINT)"


@compiles(epoch_micros, "sqlite")
def _epoch_sqlite(element: epoch_micros, compiler: SQLCompiler, **kw: Any) -> str:
    (at,) = _arguments(element, compiler, **kw)
    return f"({_sqlite_epoch(at)} * 1000000 + CAST(substr({at}, 21, 6) AS INTEGER))"


@compiles(epoch_micros)
def _epoch(element: epoch_micros, compiler: SQLCompiler, **kw: Any) -> str:
    (at,) = _arguments(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM {at}) * 1000000 AS BIGINT)"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (at,) = _arguments(element, compiler, **kw)
    return f"substr({at}, 1, 7)"


@compiles(month_of)
def _month(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (at,) = _arguments(element, compiler, **kw)
    return f"to_char({at}, 'YYYY-MM')"
