"""What applying an office file would change, in words an administrator reads.

The comparison is between two `OfficeFile`s — the office as stored, exported,
and the office as written — so `--dry-run` and the real run agree on what
they show, and an unchanged file shows nothing.

A service the file leaves out is not deleted (its tickets stay in the
reports): it becomes inactive, which shows as `~ service X active: True →
False`, and a service already inactive that the file leaves out is no
change at all. A counter the file leaves out is retired (`- counter N`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.office.file import OfficeFile


@dataclass(frozen=True)
class Change:
    """One difference: `what` names the thing, `before`/`after` its values (None: absent).

    `kind` is "office", "service" or "counter" and `key` the code or number of
    the service or counter it concerns (None for the office)."""

    what: str
    before: Any
    after: Any
    kind: str = "office"
    key: str | int | None = None

    def describe(self) -> str:
        if self.before is None:
            return f"+ {self.what}: {show_value(self.after)}"
        if self.after is None:
            return f"- {self.what}: {show_value(self.before)}"
        return f"~ {self.what}: {show_value(self.before)} → {show_value(self.after)}"


def changes(current: OfficeFile | None, wanted: OfficeFile) -> list[Change]:
    """Every difference between the stored office (None: new) and the file."""
    if current is None:
        return [
            Change(f"office {wanted.site.code}", None, wanted.site.name),
            *(Change(f"service {s.code}", None, s.name, "service", s.code)
              for s in wanted.services),
            *(Change(f"counter {c.number}", None, c.name, "counter", c.number)
              for c in wanted.counters),
        ]
    found = [
        Change(f"office {name}", before, after)
        for name, before, after in _fields(
            current.site.model_dump(mode="json"), wanted.site.model_dump(mode="json")
        )
    ]
    found += _services(current, wanted)
    found += _counters(current, wanted)
    return found


def _services(current: OfficeFile, wanted: OfficeFile) -> list[Change]:
    found: list[Change] = []
    stored = {s.code: s for s in current.services}
    written = {s.code for s in wanted.services}
    for entry in wanted.services:
        before = stored.get(entry.code)
        if before is None:
            found.append(Change(f"service {entry.code}", None, entry.name, "service", entry.code))
            continue
        for name, old, new in _fields(
            before.model_dump(mode="json"), entry.model_dump(mode="json")
        ):
            found.append(Change(f"service {entry.code} {name}", old, new, "service", entry.code))
    for entry in current.services:
        if entry.code not in written and entry.active:
            found.append(
                Change(f"service {entry.code} active", True, False, "service", entry.code)
            )
    kept_order = [s.code for s in current.services if s.code in written]
    wanted_order = [s.code for s in wanted.services if s.code in stored]
    if kept_order != wanted_order:
        found.append(
            Change("service order", ", ".join(kept_order), ", ".join(wanted_order), "service")
        )
    return found


def _counters(current: OfficeFile, wanted: OfficeFile) -> list[Change]:
    found: list[Change] = []
    stored = {c.number: c for c in current.counters}
    for entry in wanted.counters:
        before = stored.get(entry.number)
        what = f"counter {entry.number}"
        if before is None:
            found.append(Change(what, None, entry.name, "counter", entry.number))
            continue
        for name, old, new in _fields(
            before.model_dump(mode="json"), entry.model_dump(mode="json")
        ):
            found.append(Change(f"{what} {name}", old, new, "counter", entry.number))
    written = {c.number for c in wanted.counters}
    for entry in current.counters:
        if entry.number not in written:
            found.append(Change(f"counter {entry.number}", entry.name, None, "counter",
                                entry.number))
    return found


def _fields(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Differing fields; a table in both (opening hours) is compared day by day."""
    found: list[tuple[str, Any, Any]] = []
    for name in after:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            found += [
                (f"{name}.{key}", old.get(key) or None, new.get(key) or None)
                for key in new
                if old.get(key) != new.get(key)
            ]
        else:
            found.append((name, old, new))
    return found


def show_value(value: Any) -> str:
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if v}
        return ", ".join(f"{k} {show_value(v)}" for k, v in shown.items()) or "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
