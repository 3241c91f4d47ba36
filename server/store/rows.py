"""Rows between the database driver and the model objects, without the ORM.

The queue's commands run a dozen statements each; going through SQLAlchemy's
ORM for them cost ten times what the database itself spent. Here a row from
the driver becomes a model object by filling its attributes directly, and a
value becomes a driver parameter in the exact form the ORM stores, so rows
written either way read back the same way.

SQLite keeps timestamps as text in UTC (`YYYY-MM-DD HH:MM:SS.ffffff`), dates
as ISO text, JSON as text and booleans as 0/1. PostgreSQL's driver hands back
aware timestamps, dates, parsed JSON and booleans itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, Boolean, Date
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import configure_mappers
from sqlmodel import SQLModel

from server.store.types import UTCDateTime

Model = TypeVar("Model", bound=SQLModel)
Convert = Callable[[Any], Any]


def _sqlite_timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _read_sqlite_timestamp(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _postgres_timestamp(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value


def _read_postgres_timestamp(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is UTC:
        return value
    return value.astimezone(UTC)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_sqlite_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _read_json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _enum_value(value: StrEnum | str | None) -> str | None:
    return None if value is None else str(value.value if isinstance(value, StrEnum) else value)


def _read_enum(kind: type[StrEnum]) -> Convert:
    def read(value: str | None) -> StrEnum | None:
        return None if value is None else kind(value)

    return read


def _read_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


# What each column kind needs on the way in and out, per dialect.
_WRITE: dict[str, dict[str, Convert | None]] = {
    "sqlite": {"timestamp": _sqlite_timestamp, "date": _sqlite_date, "json": _json,
               "enum": _enum_value, "bool": None},
    "postgresql": {"timestamp": _postgres_timestamp, "date": None, "json": _json,
                   "enum": _enum_value, "bool": None},
}
_READ: dict[str, dict[str, Convert | None]] = {
    "sqlite": {"timestamp": _read_sqlite_timestamp, "date": _read_sqlite_date,
               "json": _read_json, "bool": _read_bool},
    # psycopg parses json itself and gives back dates and booleans as they are.
    "postgresql": {"timestamp": _read_postgres_timestamp, "date": None, "json": None,
                   "bool": None},
}


def _kind(column_type: Any) -> str | None:
    if isinstance(column_type, UTCDateTime):
        return "timestamp"
    if isinstance(column_type, SAEnum):
        return "enum"
    if isinstance(column_type, JSON):
        return "json"
    if isinstance(column_type, Date):
        return "date"
    if isinstance(column_type, Boolean):
        return "bool"
    return None


class Table(Generic[Model]):
    """One model's columns, in table order, and its converters for one dialect."""

    def __init__(self, model: type[Model], dialect: str) -> None:
        configure_mappers()
        self.model = model
        self.name: str = model.__tablename__  # type: ignore[assignment]
        columns = list(model.__table__.columns)  # type: ignore[attr-defined]
        self.columns: tuple[str, ...] = tuple(c.key for c in columns)
        self.select_list = ", ".join(self.columns)
        self._new = model._sa_class_manager.new_instance  # type: ignore[attr-defined]
        self._readers: list[tuple[int, Convert]] = []
        self._reader_of: dict[str, Convert] = {}
        self._writers: dict[str, Convert] = {}
        for position, column in enumerate(columns):
            kind = _kind(column.type)
            if kind is None:
                continue
            if kind == "enum":
                reader: Convert | None = _read_enum(column.type.enum_class)
            else:
                reader = _READ[dialect][kind]
            if reader is not None:
                self._readers.append((position, reader))
                self._reader_of[column.key] = reader
            writer = _WRITE[dialect][kind]
            if writer is not None:
                self._writers[column.key] = writer

    def load(self, row: Sequence[Any]) -> Model:
        """A model object from a row of `select_list`, as if the ORM had read it."""
        values = list(row)
        for position, read in self._readers:
            values[position] = read(values[position])
        instance = self._new()
        instance.__dict__.update(zip(self.columns, values, strict=True))
        return instance  # type: ignore[no-any-return]

    def load_value(self, column: str, value: Any) -> Any:
        """One column's value as read from the driver, in the model's type."""
        read = self._reader_of.get(column)
        return value if read is None else read(value)

    def param(self, column: str, value: Any) -> Any:
        write = self._writers.get(column)
        return value if write is None else write(value)

    def params(self, instance: Model, columns: Sequence[str]) -> list[Any]:
        return [self.param(column, getattr(instance, column)) for column in columns]
