"""A small day at the demo office, played event by event, with its figures known.

Tuesday 24 November 2026 in WITA; minute 0 is 10:00 (02:00 UTC). Service A's
wait target is 10 minutes. Counters 1 and 2 work; 3 and 4 are closed.

| ticket | what happens (minutes) | wait | service time |
| --- | --- | --- | --- |
| A001 | issued 0; called 5 to counter 1 by Siti; started 6; finished 16 (next call) | 5 | 10 |
| A002 | issued 1; called 16 to counter 1 by Siti; finished 20 (never started) | 15 | 4 |
| A003 | issued 2, elderly; called 20 to counter 2 by Budi; no-show 22 | 18 | – |
| B001 | issued 3; called 23 to counter 2 by Budi; finished 33; rated "satisfied" | 20 | 10 |
| A004 | issued 4; cancelled 8 (went home) | – | – |
| C001 | issued 5; sent on to B at 6; called 34 to counter 2 by Budi; finished 40 | 28 (B) | 6 |
| A005 | issued 50; still waiting when the report is made (minute 60) | – | – |
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from antrean.vocabulary import CounterState, Priority, Role, Satisfaction
from server.admin import add_user
from server.engine import commands
from server.engine.commands import Actor, find_site
from server.store.database import Database

DAY = date(2026, 11, 24)
START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def live_day(db: Database) -> dict[str, int]:
    """Play the day; the ticket ids by code, and the officers' user ids."""
    with db.writing() as work:
        siti = add_user(work, "loket1", "rahasia123", Role.OFFICER, "demo", "Siti Aminah")
        budi = add_user(work, "loket2", "rahasia123", Role.OFFICER, "demo", "Budi Santoso")
        site = find_site(work, "demo")
        for service in work.services(site.id):
            if service.code == "A":
                service.wait_target_minutes = 10
                work.save(service)
        for number in (3, 4):
            commands.set_counter_state(work, site, number, CounterState.CLOSED, at(0))
    one = Actor(f"user:{siti.id}", user_id=siti.id)
    two = Actor(f"user:{budi.id}", user_id=budi.id)
    ids = {"siti": siti.id, "budi": budi.id}

    def issue(code: str, minute: float, priority: Priority = Priority.NONE) -> None:
        with db.writing() as work:
            site = find_site(work, "demo")
            ticket = commands.issue_ticket(work, site, code, at(minute), priority=priority)
            ids[ticket.code] = ticket.id

    def call(code: str, counter: int, minute: float, actor: Actor) -> None:
        with db.writing() as work:
            site = find_site(work, "demo")
            commands.call_ticket(work, site, ids[code], counter, at(minute), actor)

    def step(action: str, code: str, minute: float, actor: Actor, *args: object) -> None:
        with db.writing() as work:
            getattr(commands, action)(work, ids[code], *args, at(minute), actor)

    issue("A", 0)
    issue("A", 1)
    issue("A", 2, Priority.ELDERLY)
    issue("B", 3)
    issue("A", 4)
    issue("C", 5)
    call("A001", 1, 5, one)
    step("start", "A001", 6, one)
    with db.writing() as work:
        commands.transfer(work, ids["C001"], "B", at(6), one)
    with db.writing() as work:
        commands.cancel(work, ids["A004"], at(8), one, "pulang")
    call("A002", 1, 16, one)
    step("finish", "A002", 20, one)
    call("A003", 2, 20, two)
    step("no_show", "A003", 22, two)
    call("B001", 2, 23, two)
    step("finish", "B001", 33, two)
    with db.writing() as work:
        commands.rate(work, ids["B001"], Satisfaction.SATISFIED, at(33.5))
    call("C001", 2, 34, two)
    step("finish", "C001", 40, two)
    issue("A", 50)
    return ids
