"""Opening hours: sessions per weekday, breaks, closed dates and the cut-off.

All times here are the office's local wall-clock times; the caller converts.
Issuing is allowed during a break (the citizen takes a number and waits for the
counters to reopen) but not after the cut-off or outside every session.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from antrean.refusals import ClosedReason

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 21


class TimeRange(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end <= self.start:
            raise ValueError(f"a time range must end after it starts ({self.start}–{self.end})")
        return self

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Read "08:00-15:00"."""
        start, _, end = text.replace("–", "-").partition("-")
        return cls(start=time.fromisoformat(start.strip()), end=time.fromisoformat(end.strip()))


Weekday = Annotated[str, Field(pattern="^(mon|tue|wed|thu|fri|sat|sun)$")]


class Schedule(BaseModel):
    """A weekly plan. Missing weekdays have no session (closed)."""

    model_config = ConfigDict(frozen=True)

    sessions: dict[Weekday, list[TimeRange]] = Field(default_factory=dict)
    breaks: dict[Weekday, list[TimeRange]] = Field(default_factory=dict)
    closed_dates: list[date] = Field(default_factory=list)
    cutoff_minutes: int = Field(default=0, ge=0, le=240)

    @field_validator("sessions", "breaks")
    @classmethod
    def _sorted_without_overlap(
        cls, plan: dict[str, list[TimeRange]]
    ) -> dict[str, list[TimeRange]]:
        for day, ranges in plan.items():
            ordered = sorted(ranges, key=lambda r: r.start)
            for earlier, later in itertools.pairwise(ordered):
                if later.start < earlier.end:
                    raise ValueError(f"overlapping times on {day}: {earlier} and {later}")
            plan[day] = ordered
        return plan

    @classmethod
    def every_day(cls, start: str = "00:00", end: str = "23:59") -> Schedule:
        span = [TimeRange.parse(f"{start}-{end}")]
        return cls(sessions={day: span for day in WEEKDAYS})


@dataclass(frozen=True)
class Opening:
    """Whether tickets may be issued at one local instant, and why not."""

    accepting: bool
    reason: ClosedReason | None
    on_break: bool
    session_end: datetime | None
    break_end: datetime | None
    next_open: datetime | None


def effective(site: Schedule, service: Schedule | None) -> Schedule:
    """A service with its own sessions keeps the site's breaks and closed dates; a
    service's own closed dates add to the site's, with or without its own sessions."""
    if service is None or not (service.sessions or service.closed_dates):
        return site
    return Schedule(
        sessions=service.sessions or site.sessions,
        breaks=site.breaks,
        closed_dates=sorted({*site.closed_dates, *service.closed_dates}),
        cutoff_minutes=service.cutoff_minutes or site.cutoff_minutes,
    )


def _at(day: date, moment: time, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def issuing_windows(
    schedule: Schedule, day: date, tz: tzinfo | None
) -> list[tuple[datetime, datetime]]:
    """The local intervals of one day in which tickets may be issued."""
    if day in schedule.closed_dates:
        return []
    windows = []
    for session in schedule.sessions.get(WEEKDAYS[day.weekday()], []):
        start = _at(day, session.start, tz)
        last_issue = _at(day, session.end, tz) - timedelta(minutes=schedule.cutoff_minutes)
        if last_issue > start:
            windows.append((start, last_issue))
    return windows


def opening(schedule: Schedule, now: datetime) -> Opening:
    """The opening state at `now`, an aware datetime in the office's time zone."""
    tz = now.tzinfo
    today = now.date()
    sessions = schedule.sessions.get(WEEKDAYS[today.weekday()], [])
    on_break, break_end = False, None
    for pause in schedule.breaks.get(WEEKDAYS[today.weekday()], []):
        if pause.start <= now.time() < pause.end:
            on_break, break_end = True, _at(today, pause.end, tz)

    for start, last_issue in issuing_windows(schedule, today, tz):
        if start <= now < last_issue:
            session_end = last_issue + timedelta(minutes=schedule.cutoff_minutes)
            return Opening(True, None, on_break, session_end, break_end, None)

    next_open = _next_open(schedule, now)
    if today in schedule.closed_dates:
        reason = ClosedReason.CLOSED_DATE
    elif not sessions:
        reason = ClosedReason.NO_SESSION_TODAY
    elif now.time() < sessions[0].start:
        reason = ClosedReason.BEFORE_OPENING
    elif any(
        now < _at(today, s.end, tz) and now >= _at(today, s.end, tz) - timedelta(
            minutes=schedule.cutoff_minutes
        )
        for s in sessions
    ):
        reason = ClosedReason.AFTER_CUTOFF
    elif now.time() < sessions[-1].end:
        reason = ClosedReason.BETWEEN_SESSIONS
    else:
        reason = ClosedReason.AFTER_CLOSING
    return Opening(False, reason, on_break, None, break_end, next_open)


def _next_open(schedule: Schedule, now: datetime) -> datetime | None:
    tz = now.tzinfo
    for offset in range(SEARCH_DAYS):
        day = now.date() + timedelta(days=offset)
        for start, _ in issuing_windows(schedule, day, tz):
            if start > now:
                return start
    return None
