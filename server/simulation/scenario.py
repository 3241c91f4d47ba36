"""The scenario file: an office and the day's citizens, officers and breaks, in TOML.

A scenario names its office the way `antrean office apply` reads it, either
by path (`office = "kecamatan.toml"`, relative to the scenario file) or
written out in place (`[office.site]`, `[[office.services]]`,
`[[office.counters]]`). The rest describes the day: arrivals per hour and
the time at the counter for each service, the share of priority citizens and
of no-shows, walking time, how long an officer waits for a no-show, counter
breaks and how many counters are staffed when. Read strictly, like the
office file: an unknown key or a bad value is reported with its line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from antrean.settings import file_text, parse_document
from server.office.file import OfficeFile, OfficeFileError, read_office_file

SHIPPED = resources.files("server.simulation") / "scenarios"


class ScenarioError(ValueError):
    """The scenario cannot be used; the message names the file, the line and the field."""


def _clock_text(text: str) -> str:
    parse_clock(text)
    return text


def parse_clock(text: str) -> time:
    """'19:30' (or '19.30') as a time of day."""
    parts = text.strip().replace(".", ":").split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text!r} is not a time of day: write it as \"19:30\"")
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute)


Clock = Annotated[str, AfterValidator(_clock_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class About(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    day: date = Field(
        alias="date", description="the office's own date simulated; its weekday sets the hours"
    )
    seeds: int = Field(default=30, ge=1, le=10_000, description="days simulated by default")


class Arrivals(_Strict):
    """One service's citizens: when they come and how long they take at the counter."""

    service: str = Field(pattern=r"^[A-Za-z]$")
    per_hour: dict[str, float] = Field(
        min_length=2,
        description="citizens per hour from each time until the next; the last rate is 0",
    )
    minutes: float = Field(gt=0, le=480, description="mean minutes at the counter")
    spread: float = Field(
        ge=0, le=480, description="standard deviation of the minutes (lognormal)"
    )

    @field_validator("per_hour")
    @classmethod
    def _profile(cls, per_hour: dict[str, float]) -> dict[str, float]:
        rates = sorted((parse_clock(k), v) for k, v in per_hour.items())
        if any(rate < 0 or not math.isfinite(rate) for _, rate in rates):
            raise ValueError("arrivals per hour cannot be negative")
        if rates[-1][1] != 0:
            raise ValueError(
                "end per_hour with the time arrivals stop and a rate of 0, "
                "e.g. \"21:00\" = 0"
            )
        return per_hour

    def profile(self) -> list[tuple[time, float]]:
        """(from, citizens per hour) in time order."""
        return sorted(((parse_clock(k), v) for k, v in self.per_hour.items()))

    @property
    def code(self) -> str:
        return self.service.upper()


class Citizens(_Strict):
    priority_share: float = Field(
        default=0.1, ge=0, le=1, description="elderly, disabled, pregnant, with small children"
    )
    no_show_share: float = Field(default=0.05, ge=0, le=1, description="never come when called")
    walk_seconds: tuple[float, float] = Field(
        default=(20, 60), description="from seat to counter: uniform between the two"
    )

    @model_validator(mode="after")
    def _walk(self) -> Citizens:
        low, high = self.walk_seconds
        if not 0 <= low <= high <= 600:
            raise ValueError("walk_seconds is [shortest, longest], within 0–600 seconds")
        return self


class Officers(_Strict):
    recall_after_minutes: float = Field(
        default=1.0, ge=0, le=30, description="a second call for a citizen who has not come"
    )
    no_show_after_minutes: float = Field(
        default=3.0, gt=0, le=30, description="waited before marking a citizen absent"
    )

    @model_validator(mode="after")
    def _order(self) -> Officers:
        if self.recall_after_minutes >= self.no_show_after_minutes:
            raise ValueError("the recall must come before the no-show is marked")
        return self


class CounterBreak(_Strict):
    """An officer leaves the counter (pauses it) at `at`, or after the citizen at the
    counter then, and comes back `minutes` later."""

    counter: int = Field(ge=1, le=999)
    at: Clock
    minutes: float = Field(gt=0, le=240)


class ScenarioFile(_Strict):
    scenario: About
    office: OfficeFile | str = Field(
        description="the office file's path (relative to the scenario) or the office itself"
    )
    citizens: Citizens = Field(default_factory=Citizens)
    officers: Officers = Field(default_factory=Officers)
    arrivals: list[Arrivals] = Field(min_length=1)
    breaks: list[CounterBreak] = Field(default_factory=list)
    staffing: dict[str, int] | None = Field(
        default=None,
        description="counters open from each time: the first N that serve the day's services",
    )

    @field_validator("staffing")
    @classmethod
    def _times(cls, staffing: dict[str, int] | None) -> dict[str, int] | None:
        for key in staffing or {}:
            parse_clock(key)
        return staffing


@dataclass(frozen=True)
class Scenario:
    """A scenario with its office read: what a simulated day needs."""

    about: About
    office: OfficeFile
    citizens: Citizens
    officers: Officers
    arrivals: tuple[Arrivals, ...]
    breaks: tuple[CounterBreak, ...]
    staffing: tuple[tuple[time, int], ...]
    source: str

    @property
    def name(self) -> str:
        return self.about.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.office.site.timezone)

    @property
    def site_code(self) -> str:
        return self.office.site.code

    @property
    def counter_numbers(self) -> list[int]:
        return [c.number for c in self.office.counters]

    @property
    def staffable(self) -> list[int]:
        """The counters that serve someone on this day, in the office file's order:
        staffing N opens the first N of them."""
        return _staffable(self.office, self.arrivals)

    def midnight(self) -> datetime:
        """The start of the simulated day, in the office's zone."""
        return datetime.combine(self.about.day, time(0), tzinfo=self.zone)

    def seconds(self, moment: time) -> float:
        """A local time of the simulated day as seconds after its midnight."""
        here = datetime.combine(self.about.day, moment, tzinfo=self.zone)
        return (here - self.midnight()).total_seconds()

    def instant(self, seconds: float) -> datetime:
        return self.midnight() + timedelta(seconds=seconds)

    def default_minutes(self, service: str) -> float:
        return next(s.minutes for s in self.office.services if s.code == service)

    def serves(self, counter: int) -> list[str]:
        return next(c.services for c in self.office.counters if c.number == counter)

    def with_staffing(self, staffing: list[tuple[time, int]]) -> Scenario:
        return Scenario(
            self.about, self.office, self.citizens, self.officers, self.arrivals,
            self.breaks, tuple(sorted(staffing)), self.source,
        )


def read_scenario(path: Path) -> Scenario:
    return parse_scenario(file_text(path, ScenarioError), path)


def parse_scenario(text: str, path: Path | None = None) -> Scenario:
    where = str(path) if path else "the scenario"
    parsed = parse_document(ScenarioFile, text, path, "the scenario", ScenarioError)
    if isinstance(parsed.office, str):
        office_path = Path(parsed.office)
        if not office_path.is_absolute():
            office_path = (path.parent if path else Path.cwd()) / office_path
        try:
            office = read_office_file(office_path)
        except OfficeFileError as error:
            raise ScenarioError(f"{where}: its office: {error}") from None
    else:
        office = parsed.office
    return _checked(parsed, office, where)


def _checked(parsed: ScenarioFile, office: OfficeFile, where: str) -> Scenario:
    codes = {s.code for s in office.services}
    numbers = [c.number for c in office.counters]
    problems = []
    seen: set[str] = set()
    for entry in parsed.arrivals:
        if entry.code not in codes:
            problems.append(
                f"arrivals for service {entry.code}, which the office does not have "
                f"({', '.join(sorted(codes))})"
            )
        if entry.code in seen:
            problems.append(f"arrivals for service {entry.code} are given twice")
        seen.add(entry.code)
        if not any(entry.code in c.services for c in office.counters):
            problems.append(f"no counter of the office serves service {entry.code}")
    for pause in parsed.breaks:
        if pause.counter not in numbers:
            problems.append(f"a break at counter {pause.counter}, which the office does not have")
    staffing = sorted((parse_clock(k), v) for k, v in (parsed.staffing or {}).items())
    useful = _staffable(office, parsed.arrivals)
    for moment, count in staffing:
        if not 0 <= count <= len(useful):
            problems.append(
                f"staffing at {moment:%H:%M} asks for {count} counters; "
                f"{len(useful)} of the office's counters serve the day's services"
            )
    if problems:
        raise ScenarioError(f"{where}: " + "; ".join(problems))
    if not staffing:
        first = min(entry.profile()[0][0] for entry in parsed.arrivals)
        staffing = [(first, len(useful))]
    return Scenario(
        about=parsed.scenario,
        office=office,
        citizens=parsed.citizens,
        officers=parsed.officers,
        arrivals=tuple(parsed.arrivals),
        breaks=tuple(parsed.breaks),
        staffing=tuple(staffing),
        source=where,
    )


def _staffable(office: OfficeFile, arrivals: Sequence[Arrivals]) -> list[int]:
    codes = {entry.code for entry in arrivals}
    return [c.number for c in office.counters if codes.intersection(c.services)]


def shipped_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml") for entry in SHIPPED.iterdir()
        if entry.name.endswith(".toml")
    )


def load_scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name ('night-service') or a scenario file by path."""
    if name_or_path in shipped_names():
        with resources.as_file(SHIPPED / f"{name_or_path}.toml") as path:
            return read_scenario(path)
    path = Path(name_or_path)
    if not path.exists():
        raise ScenarioError(
            f"no scenario {name_or_path!r}: give a file or one of {', '.join(shipped_names())}"
        )
    return read_scenario(path)
