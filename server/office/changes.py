"""What applying an office file would change, in words an administrator reads.

The comparison is between two `OfficeFile`s — the office as stored, exported,
and the office as written — so `--dry-run` and the real run agree on what
they show, and an unchanged file shows nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.office.file import CounterEntry, OfficeFile, ServiceEntry


@dataclass(frozen=True)
class Change:
    """One difference: `what` names the thing, `before`/`after` its values (None: absent)."""

    what: str
    before: Any
    after: Any

    def describe(self) -> str:
        if self.before is None:
            return f"+ {self.what}: {_show(self.after)}"
        if self.after is None:
            return f"- {self.what}: {_show(self.before)}"
        return f"~ {self.what}: {_show(self.before)} → {_show(self.after)}"


def changes(current: OfficeFile | None, wanted: OfficeFile) -> list[Change]:
    """Every difference between the stored office (None: new) and the file."""
    if current is None:
        return [
            Change(f"office {wanted.site.code}", None, wanted.site.name),
            *(Change(f"service {s.code}", None, s.name) for s in wanted.services),
            *(Change(f"counter {c.number}", None, c.name) for c in wanted.counters),
        ]
    found = _fields("office", current.site.model_dump(mode="json"),
                    wanted.site.model_dump(mode="json"))
    found += _entries(
        "service", {s.code: s for s in current.services}, {s.code: s for s in wanted.services}
    )
    found += _entries(
        "counter",
        {c.number: c for c in current.counters},
        {c.number: c for c in wanted.counters},
    )
    return found


def _entries(
    kind: str,
    current: dict[Any, ServiceEntry] | dict[Any, CounterEntry],
    wanted: dict[Any, ServiceEntry] | dict[Any, CounterEntry],
) -> list[Change]:
    found: list[Change] = []
    for key, entry in wanted.items():
        before = current.get(key)
        if before is None:
            found.append(Change(f"{kind} {key}", None, entry.name))
        else:
            found += _fields(
                f"{kind} {key}", before.model_dump(mode="json"), entry.model_dump(mode="json")
            )
    for key, entry in current.items():
        if key not in wanted:
            found.append(Change(f"{kind} {key}", entry.name, None))
    return found


def _fields(prefix: str, before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    return [
        Change(f"{prefix} {name}", before.get(name), after.get(name))
        for name in after
        if before.get(name) != after.get(name)
    ]


def _show(value: Any) -> str:
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if v}
        return ", ".join(f"{k} {_show(v)}" for k, v in shown.items()) or "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
