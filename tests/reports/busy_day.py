"""A believable day at the demo office, played through the queue rules with a set clock.

Citizens arrive through the morning (a peak around 09.00 WITA), four counters
call, start and finish them, some never come when called, a few are sent on
to another service, some rate their visit. Seeded, so every run is the same
day. Used for the report pages' pictures and their browser test.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from antrean.vocabulary import Priority, Role, Satisfaction
from server.admin import add_user
from server.engine import commands
from server.engine.commands import Actor, find_site
from server.engine.errors import QueueError
from server.store.database import Database

TARGETS = {"A": 30, "B": 45, "C": 20, "D": 60, "E": 15}
SERVICE_MINUTES = {"A": 8, "B": 12, "C": 6, "D": 15, "E": 5}
WEIGHTS = {"A": 40, "B": 18, "C": 25, "D": 7, "E": 10}
OFFICERS = [
    ("siti", "Siti Aminah"), ("budi", "Budi Santoso"), ("rina", "Rina Wulandari"),
    ("agus", "Agus Pratama"),
]


@dataclass(frozen=True)
class PlayedDay:
    day: date
    opened: datetime
    closed: datetime
    officers: dict[int, int]  # counter number → user id


def play(
    db: Database, day: date, tickets: int = 110, seed: int = 7, hours: float = 7
) -> PlayedDay:
    """Play `day` (local, WITA) at the demo office from 08.00 for `hours` hours."""
    rng = random.Random(seed)
    opened = datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)  # 08.00 WITA
    closed = opened + timedelta(hours=hours)
    officers: dict[int, int] = {}
    with db.writing() as work:
        site = find_site(work, "demo")
        for service in work.services(site.id):
            service.wait_target_minutes = TARGETS.get(service.code)
            work.save(service)
        for number, (username, name) in enumerate(OFFICERS, start=1):
            user = add_user(work, f"{username}{day:%m%d}", "rahasia123", Role.OFFICER, "demo", name)
            officers[number] = user.id
    arrivals = sorted(
        opened + timedelta(minutes=max(0.0, min(400.0, rng.gauss(150, 100))))
        for _ in range(tickets)
    )
    codes = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    # (moment, order, what, details): arrivals and counters' free moments.
    agenda: list[tuple[datetime, int, str, int]] = []
    for n, moment in enumerate(arrivals):
        heapq.heappush(agenda, (moment, n, "arrive", n))
    for number in officers:
        start = opened + timedelta(minutes=5 + number)
        heapq.heappush(agenda, (start, 10_000 + number, "free", number))
    order = 20_000
    while agenda:
        moment, _, what, value = heapq.heappop(agenda)
        if moment > closed:
            break
        with db.writing() as work:
            site = find_site(work, "demo")
            if what == "arrive":
                service = rng.choices(codes, weights)[0]
                priority = Priority.ELDERLY if rng.random() < 0.08 else Priority.NONE
                commands.issue_ticket(work, site, service, moment, priority=priority)
                continue
            actor = Actor(f"user:{officers[value]}", user_id=officers[value])
            try:
                ticket = commands.call_next(work, site, value, moment, actor)
            except QueueError:
                ticket = None
        if ticket is None:
            order += 1
            heapq.heappush(agenda, (moment + timedelta(minutes=2), order, "free", value))
            continue
        service_code = ticket.code[0]
        walk = moment + timedelta(seconds=rng.uniform(20, 90))
        with db.writing() as work:
            if rng.random() < 0.06:
                commands.no_show(work, ticket.id, walk, actor)
                busy_until = walk
            else:
                commands.start(work, ticket.id, walk, actor)
                minutes = max(1.5, rng.gauss(SERVICE_MINUTES[service_code], 3))
                busy_until = walk + timedelta(minutes=minutes)
                if rng.random() < 0.04 and service_code in "AC":
                    commands.transfer(work, ticket.id, "B", busy_until, actor, "berkas akta")
                else:
                    commands.finish(work, ticket.id, busy_until, actor)
                    if rng.random() < 0.5:
                        answer = rng.choices(list(Satisfaction), [45, 40, 10, 5])[0]
                        commands.rate(work, ticket.id, answer, busy_until + timedelta(seconds=20))
        order += 1
        heapq.heappush(agenda, (busy_until + timedelta(seconds=30), order, "free", value))
    return PlayedDay(day, opened, closed, officers)
