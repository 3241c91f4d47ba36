"""The office file: one TOML file that describes an office, for `antrean office`.

An office is set up by writing what it is — its name, time zone, opening
hours, services and counters — rather than Python. The file is read strictly
(an unknown key or a bad value is reported with its line), turned into the
same `SiteSpec` the admin functions use, and written back by `render`, so a
file exported from a running office applies to it without a change.
"""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from antrean.settings import file_text, parse_document
from server.admin import CounterSpec, ServiceSpec, SiteSpec
from server.engine.schedule import WEEKDAYS, Schedule, TimeRange

ZONE_NAMES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


class OfficeFileError(ValueError):
    """The office file cannot be used; the message names the line and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def normal_range(text: str) -> str:
    """A time range in the one way it is written back ("7.30–12" → "07:30-12:00")."""
    try:
        return _range_text(parse_range(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time range: write it as \"08:00-12:00\" (start before end)"
        ) from None


def _in_order(ranges: list[str]) -> list[str]:
    return sorted(ranges, key=lambda text: parse_range(text).start)


def _days(days: list[date]) -> list[date]:
    return sorted(set(days))


TimeRanges = Annotated[
    list[Annotated[str, AfterValidator(normal_range)]], AfterValidator(_in_order)
]
Days = Annotated[list[date], AfterValidator(_days)]


class Hours(_Strict):
    """Opening hours per weekday ("08:00-12:00"), breaks, closed dates and the cut-off."""

    mon: TimeRanges = Field(default_factory=list)
    tue: TimeRanges = Field(default_factory=list)
    wed: TimeRanges = Field(default_factory=list)
    thu: TimeRanges = Field(default_factory=list)
    fri: TimeRanges = Field(default_factory=list)
    sat: TimeRanges = Field(default_factory=list)
    sun: TimeRanges = Field(default_factory=list)

    def ranges(self) -> dict[str, list[TimeRange]]:
        plan = {day: [parse_range(text) for text in getattr(self, day)] for day in WEEKDAYS}
        return {day: ranges for day, ranges in plan.items() if ranges}

    def is_empty(self) -> bool:
        return not any(getattr(self, day) for day in WEEKDAYS)


class ServiceEntry(_Strict):
    code: str = Field(pattern=r"^[A-Za-z]$", description="the letter before the number")
    name: str = Field(min_length=1, max_length=120)
    requirements: str = Field(default="", max_length=2000)
    daily_quota: int | None = Field(default=None, ge=1, le=999)
    minutes: float = Field(default=10.0, gt=0, le=480, description="usual minutes per citizen")
    active: bool = True
    wait_target_minutes: int | None = Field(
        default=None, ge=1, le=600, description="the longest wait the office means to keep to"
    )
    notify_ahead: int | None = Field(
        default=None, ge=1, le=50, description="tell a citizen when this many are ahead"
    )
    hours: Hours | None = Field(
        default=None, description="the service's own sessions (default: the office's hours)"
    )
    closed_dates: Days = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _upper(cls, code: str) -> str:
        return code.upper()

    @field_validator("hours")
    @classmethod
    def _own_hours_or_none(cls, hours: Hours | None) -> Hours | None:
        # An empty table means the office's hours, as no table does.
        return None if hours is None or hours.is_empty() else hours


class CounterEntry(_Strict):
    number: int = Field(ge=1, le=999)
    name: str = Field(default="", max_length=120)
    services: list[str] = Field(min_length=1, description="service codes, most preferred first")

    @field_validator("services")
    @classmethod
    def _codes(cls, codes: list[str]) -> list[str]:
        codes = [code.strip().upper() for code in codes]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"lists {', '.join(twice)} twice")
        return codes

    @model_validator(mode="after")
    def _named(self) -> CounterEntry:
        # Named as the office would call it, so the stored name reads back the same.
        if not self.name.strip():
            self.name = f"Loket {self.number}"
        return self


class SiteEntry(_Strict):
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    name: str = Field(min_length=1, max_length=200)
    address: list[str] = Field(default_factory=list)
    timezone: str = Field(default="Asia/Jakarta", description="Asia/Jakarta, WIB, WITA, WIT…")
    public_url: str | None = Field(default=None, max_length=300)
    priority_max_in_row: int = Field(default=3, ge=1, le=20)
    announcements: list[str] = Field(default_factory=list)
    hours: Hours = Field(default_factory=Hours)
    breaks: Hours = Field(default_factory=Hours)
    closed_dates: Days = Field(default_factory=list)
    cutoff_minutes: int = Field(default=0, ge=0, le=240)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str) -> str:
        zone = ZONE_NAMES.get(zone.strip().upper(), zone.strip())
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {zone!r}: use WIB, WITA, WIT or a name such as Asia/Makassar"
            ) from None
        return zone


class OfficeFile(_Strict):
    site: SiteEntry
    services: list[ServiceEntry] = Field(min_length=1)
    counters: list[CounterEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> OfficeFile:
        codes = [s.code for s in self.services]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"service code {', '.join(twice)} is used twice")
        numbers = [c.number for c in self.counters]
        twice_n = sorted({n for n in numbers if numbers.count(n) > 1})
        if twice_n:
            raise ValueError(f"counter {', '.join(map(str, twice_n))} is listed twice")
        for counter in self.counters:
            unknown = [code for code in counter.services if code not in codes]
            if unknown:
                raise ValueError(
                    f"counter {counter.number} serves {', '.join(unknown)}, which is not among "
                    f"the services ({', '.join(codes)})"
                )
        self.schedule()  # overlapping hours are reported here, with the file's other errors
        for service in self.services:
            _service_schedule(service, self.site)
        return self

    def schedule(self) -> Schedule:
        return Schedule(
            sessions=self.site.hours.ranges(),
            breaks=self.site.breaks.ranges(),
            closed_dates=sorted(set(self.site.closed_dates)),
            cutoff_minutes=self.site.cutoff_minutes,
        )

    def to_spec(self) -> SiteSpec:
        site = self.site
        return SiteSpec(
            code=site.code,
            name=site.name,
            timezone=site.timezone,
            schedule=self.schedule(),
            address_lines=list(site.address),
            services=[
                ServiceSpec(
                    code=s.code,
                    name=s.name,
                    requirements=s.requirements,
                    daily_quota=s.daily_quota,
                    default_service_minutes=s.minutes,
                    active=s.active,
                    schedule=_service_schedule(s, site),
                    wait_target_minutes=s.wait_target_minutes,
                    notify_ahead=s.notify_ahead,
                )
                for s in self.services
            ],
            counters=[
                CounterSpec(c.number, c.name or f"Loket {c.number}", list(c.services))
                for c in self.counters
            ],
            announcements=list(site.announcements),
            public_url=site.public_url,
            priority_max_in_row=site.priority_max_in_row,
        )

    @classmethod
    def from_spec(cls, spec: SiteSpec) -> OfficeFile:
        schedule = spec.schedule
        return cls(
            site=SiteEntry(
                code=spec.code,
                name=spec.name,
                address=list(spec.address_lines),
                timezone=spec.timezone,
                public_url=spec.public_url,
                priority_max_in_row=spec.priority_max_in_row,
                announcements=list(spec.announcements),
                hours=_hours(schedule.sessions),
                breaks=_hours(schedule.breaks),
                closed_dates=list(schedule.closed_dates),
                cutoff_minutes=schedule.cutoff_minutes,
            ),
            services=[
                ServiceEntry(
                    code=s.code,
                    name=s.name,
                    requirements=s.requirements,
                    daily_quota=s.daily_quota,
                    minutes=s.default_service_minutes,
                    active=s.active,
                    wait_target_minutes=s.wait_target_minutes,
                    notify_ahead=s.notify_ahead,
                    hours=_own_hours(s.schedule),
                    closed_dates=list(s.schedule.closed_dates) if s.schedule else [],
                )
                for s in spec.services
            ],
            counters=[
                CounterEntry(number=c.number, name=c.name, services=list(c.services))
                for c in spec.counters
            ],
        )


def read_office_file(path: Path) -> OfficeFile:
    return parse_office_file(file_text(path, OfficeFileError), path)


def parse_office_file(text: str, path: Path | None = None) -> OfficeFile:
    return parse_document(OfficeFile, text, path, "the office file", OfficeFileError)


def render(office: OfficeFile) -> str:
    """The office as a TOML file that `parse_office_file` reads back to the same office."""
    site = office.site
    out = [
        "# An office for `antrean office apply`; see docs/office-file.md for every key.",
        "",
        "[site]",
        f"code = {_s(site.code)}",
        f"name = {_s(site.name)}",
        f"address = {_list(site.address)}",
        f"timezone = {_s(site.timezone)}",
    ]
    if site.public_url:
        out.append(f"public_url = {_s(site.public_url)}")
    out += [
        f"priority_max_in_row = {site.priority_max_in_row}",
        f"announcements = {_list(site.announcements)}",
        f"closed_dates = {_dates(site.closed_dates)}",
        f"cutoff_minutes = {site.cutoff_minutes}",
        "",
        "[site.hours]",
        *_hour_lines(site.hours),
        "",
        "[site.breaks]",
        *_hour_lines(site.breaks),
    ]
    for service in office.services:
        out += [
            "",
            "[[services]]",
            f"code = {_s(service.code)}",
            f"name = {_s(service.name)}",
            f"requirements = {_s(service.requirements)}",
        ]
        if service.daily_quota is not None:
            out.append(f"daily_quota = {service.daily_quota}")
        out.append(f"minutes = {_number(service.minutes)}")
        if service.wait_target_minutes is not None:
            out.append(f"wait_target_minutes = {service.wait_target_minutes}")
        if service.notify_ahead is not None:
            out.append(f"notify_ahead = {service.notify_ahead}")
        if not service.active:
            out.append("active = false")
        if service.closed_dates:
            out.append(f"closed_dates = {_dates(service.closed_dates)}")
        if service.hours is not None:
            out += ["[services.hours]", *_hour_lines(service.hours)]
    for counter in office.counters:
        out += [
            "",
            "[[counters]]",
            f"number = {counter.number}",
            f"name = {_s(counter.name)}",
            f"services = {_list(counter.services)}",
        ]
    return "\n".join(out) + "\n"


def parse_range(text: str) -> TimeRange:
    start, _, end = text.replace("–", "-").partition("-")
    return TimeRange(start=_time_of(start), end=_time_of(end))


def _time_of(text: str) -> time:
    parts = text.strip().replace(".", ":").split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a time of day: {text!r}")
    hour, minute, *rest = (int(p) for p in parts)
    return time(hour, minute, rest[0] if rest else 0)


def _own_hours(schedule: Schedule | None) -> Hours | None:
    return _hours(schedule.sessions) if schedule is not None and schedule.sessions else None


def _service_schedule(service: ServiceEntry, site: SiteEntry) -> Schedule | None:
    if service.hours is None and not service.closed_dates:
        return None
    return Schedule(
        sessions=service.hours.ranges() if service.hours else {},
        closed_dates=sorted(set(service.closed_dates)),
    )


def _hours(plan: dict[str, list[TimeRange]]) -> Hours:
    return Hours(**{day: [_range_text(r) for r in ranges] for day, ranges in plan.items()})


def _range_text(span: TimeRange) -> str:
    return f"{_clock(span.start.isoformat())}-{_clock(span.end.isoformat())}"


def _clock(iso: str) -> str:
    # 23:59:59 must survive the round trip; 08:00:00 reads better as 08:00.
    return iso[:5] if iso.endswith(":00") else iso


def _hour_lines(hours: Hours) -> list[str]:
    return [f"{day} = {_list(getattr(hours, day))}" for day in WEEKDAYS if getattr(hours, day)]


def _s(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_s(item) for item in items) + "]"


def _dates(days: list[date]) -> str:
    return "[" + ", ".join(day.isoformat() for day in days) + "]"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def spec_summary(spec: SiteSpec) -> dict[str, Any]:
    """A plain view of a spec, for comparing two of them."""
    summary: dict[str, Any] = json.loads(OfficeFile.from_spec(spec).model_dump_json())
    return summary
