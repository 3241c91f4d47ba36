"""How each kind of object is kept in its table: fields to columns and back.

Values reach this module already converted by their column types (see
`compiled.py`): timestamps aware and in UTC, enums as enums, JSON parsed.
What remains is the difference between an engine object and its row, such as
a site's schedule, which the row keeps as a JSON document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Table

from server.engine.model import Counter, Service, Site, Ticket
from server.engine.schedule import Schedule
from server.store.statements import COUNTERS, SERVICES, SITES, TICKETS

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Obj = TypeVar("Obj", bound="DataclassInstance")
Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class Stored:
    """A field kept in a column, with conversions where the two differ."""

    field: str
    column: str
    load: Convert | None = None
    dump: Convert | None = None


class Shape(Generic[Obj]):
    """One kind of object and its table."""

    def __init__(
        self,
        kind: type[Obj],
        table: Table,
        special: Sequence[Stored] = (),
        not_stored: Sequence[str] = (),
    ) -> None:
        self.kind = kind
        self.table = table
        by_column = {s.column: s for s in special}
        # Fields in the table's column order, so a `SELECT table.*` row lines up.
        self.stored: tuple[Stored, ...] = tuple(
            by_column.get(column.key) or Stored(column.key, column.key) for column in table.columns
        )
        names = {f.name for f in fields(kind)}
        missing = names - {s.field for s in self.stored} - set(not_stored)
        extra = {s.field for s in self.stored} - names
        if missing or extra:
            raise TypeError(
                f"{kind.__name__} and table {table.name} differ: "
                f"fields without a column {sorted(missing)}, "
                f"columns without a field {sorted(extra)}"
            )
        self.fields = tuple(s.field for s in self.stored)
        # What a change is looked for in: the stored fields and those kept elsewhere.
        self.tracked = (*self.fields, *not_stored)
        self._loaders = tuple((s.field, s.load) for s in self.stored if s.load)
        self._dumpers = {s.field: s.dump for s in self.stored if s.dump}
        self._column = {s.field: s.column for s in self.stored}
        self.values: Callable[[Obj], tuple[Any, ...]] = attrgetter(*self.tracked)

    def load(self, row: Sequence[Any]) -> Obj:
        """An object from a row of all the table's columns, in table order."""
        values = dict(zip(self.fields, row, strict=True))
        for name, load in self._loaders:
            values[name] = load(values[name])
        return self.kind(**values)

    def columns(self, obj: Obj, names: Sequence[str] | None = None) -> dict[str, Any]:
        """Column values of some fields (all by default), ready to bind by column name."""
        chosen = self.fields if names is None else names
        found: dict[str, Any] = {}
        for name in chosen:
            value = getattr(obj, name)
            dump = self._dumpers.get(name)
            found[self._column[name]] = dump(value) if dump else value
        return found

    def changed(self, before: tuple[Any, ...], obj: Obj) -> tuple[str, ...]:
        """The tracked fields whose values differ from `before` (a `values()` taken earlier)."""
        now = self.values(obj)
        if now == before:
            return ()
        return tuple(
            name for name, old, new in zip(self.tracked, before, now, strict=True) if old != new
        )

    def column_names(self, names: Sequence[str]) -> tuple[str, ...]:
        return tuple(self._column[name] for name in names)


def _schedule(plan: Mapping[str, Any]) -> Schedule:
    return Schedule.model_validate(plan)


def _plan(schedule: Schedule | None) -> dict[str, Any] | None:
    return None if schedule is None else schedule.model_dump(mode="json")


def _optional_schedule(plan: Mapping[str, Any] | None) -> Schedule | None:
    return None if plan is None else Schedule.model_validate(plan)


SITE = Shape(
    Site,
    SITES,
    [
        Stored("schedule", "schedule_plan", _schedule, _plan),
        Stored("address_lines", "address_lines", tuple, list),
        Stored("announcements", "announcements", tuple, list),
    ],
)
SERVICE = Shape(Service, SERVICES, [Stored("schedule", "schedule_plan", _optional_schedule, _plan)])
# Which services a counter serves is kept in counter_services (see unit_of_work.py).
COUNTER = Shape(Counter, COUNTERS, not_stored=["service_ids"])
TICKET = Shape(Ticket, TICKETS, [Stored("history", "history", tuple, list)])
