"""SQLAlchemy Core statements, compiled once per dialect and run on the driver.

A statement is written once with Core (`statements.py`). The first time a
database of some dialect runs it, it is compiled for that dialect and the
result kept: the SQL text, the order of its parameters, and the converters
of its column types (`TypeEngine.bind_processor` / `result_processor`, the
same ones SQLAlchemy itself applies). Running it is then one driver call and
those converters, without SQLAlchemy's per-execution work, which costs
several times what SQLite spends on the statement itself (see
docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import TypeEngine

Convert = Callable[[Any], Any]
Build = Callable[[str], ClauseElement]
"""Makes the Core construct; given the dialect's name, for constructs that differ
(each dialect's own upsert)."""


def _bind_converter(type_: TypeEngine[Any], dialect: Dialect) -> Convert | None:
    converter: Convert | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return converter


def _result_converter(type_: TypeEngine[Any], dialect: Dialect, code: Any) -> Convert | None:
    # `code` is the driver's type of the column (some converters depend on it).
    converter: Convert | None = type_.dialect_impl(dialect).result_processor(dialect, code)
    return converter


@dataclass
class Compiled:
    """One statement compiled for one dialect, ready for its driver."""

    sql: str
    # Parameter names in the order the driver takes them, with their converters.
    names: tuple[str, ...]
    converters: tuple[Convert | None, ...]
    # Values the statement carries itself (e.g. a status it filters on), converted.
    constants: Mapping[str, Any]
    positional: bool
    dialect: Dialect
    # The types of the result columns; their converters are settled on the first
    # result, once the driver has said what it sends.
    result_types: tuple[TypeEngine[Any], ...]
    _read: Callable[[Sequence[Any]], list[Any]] | None = None

    @classmethod
    def of(cls, construct: ClauseElement, dialect: Dialect) -> Compiled:
        compiler = construct.compile(dialect=dialect)
        assert isinstance(compiler, SQLCompiler)
        binds = {name: bind for bind, name in compiler.bind_names.items()}
        positional = compiler.positiontup is not None
        names = tuple(compiler.positiontup or binds)
        converters = tuple(_bind_converter(binds[name].type, dialect) for name in names)
        constants = {}
        for name, converter in zip(names, converters, strict=True):
            bind = binds[name]
            if bind.value is not None and not bind.required:
                constants[name] = converter(bind.value) if converter else bind.value
        result_types = tuple(c.type for c in getattr(construct, "exported_columns", ()))
        return cls(str(compiler), names, converters, constants, positional, dialect, result_types)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for `values` (by bind name), converted by column type."""
        given = []
        for name, converter in zip(self.names, self.converters, strict=True):
            if name in values:
                value = values[name]
                given.append(converter(value) if converter is not None else value)
            else:
                given.append(self.constants[name])
        return given if self.positional else dict(zip(self.names, given, strict=True))

    def reader(self, cursor: Any) -> Callable[[Sequence[Any]], list[Any]]:
        """Converts result rows, each value by its column type. Settled on the first
        result from the cursor's description: (name, driver type, …) per column."""
        if self._read is None:
            readers = []
            for position, (type_, column) in enumerate(
                zip(self.result_types, cursor.description, strict=True)
            ):
                converter = _result_converter(type_, self.dialect, column[1])
                if converter is not None:
                    readers.append((position, converter))

            def read(row: Sequence[Any]) -> list[Any]:
                values = list(row)
                for position, converter in readers:
                    values[position] = converter(values[position])
                return values

            self._read = read
        return self._read


class Statement:
    """A Core statement with its compiled form kept per dialect."""

    def __init__(self, name: str, build: Build) -> None:
        self.name = name
        self._build = build
        self._compiled: dict[str, Compiled] = {}

    def construct(self, dialect_name: str) -> ClauseElement:
        """The Core construct as written, for one dialect."""
        return self._build(dialect_name)

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = Compiled.of(self.construct(dialect.name), dialect)
            self._compiled[dialect.name] = found
        return found

    def __repr__(self) -> str:
        return f"Statement({self.name!r})"
