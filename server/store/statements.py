"""The repository's SQL, written once per dialect.

Plain statements for the driver: SQLite and PostgreSQL share almost all of
them; PostgreSQL adds the row locks that keep concurrent writers apart
(SQLite serialises writers with `BEGIN IMMEDIATE` and has no row locks).
Placeholders are written `?` and turned into `%s` for psycopg.
"""

from __future__ import annotations

from dataclasses import dataclass

from antrean.vocabulary import TicketStatus
from server.store.models import (
    Counter,
    Device,
    Event,
    RequestRecord,
    Service,
    Site,
    Ticket,
    User,
    UserToken,
)

OPEN_STATUSES = (
    TicketStatus.WAITING,
    TicketStatus.CALLED,
    TicketStatus.SERVING,
    TicketStatus.NO_SHOW,
)
_OPEN = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
_AT_COUNTER = f"'{TicketStatus.CALLED.value}', '{TicketStatus.SERVING.value}'"
_WAITING = f"'{TicketStatus.WAITING.value}'"
_DONE = f"'{TicketStatus.DONE.value}'"


def _columns(model: type) -> str:
    return ", ".join(c.key for c in model.__table__.columns)  # type: ignore[attr-defined]


def _insert(model: type) -> str:
    keys = [c.key for c in model.__table__.columns if c.key != "id"]  # type: ignore[attr-defined]
    marks = ", ".join("?" for _ in keys)
    return f"INSERT INTO {model.__tablename__} ({', '.join(keys)}) VALUES ({marks}) RETURNING id"  # type: ignore[attr-defined]


SITE, SERVICE, COUNTER = _columns(Site), _columns(Service), _columns(Counter)
TICKET, EVENT, REQUEST = _columns(Ticket), _columns(Event), _columns(RequestRecord)
DEVICE, USER, USER_TOKEN = _columns(Device), _columns(User), _columns(UserToken)


@dataclass(frozen=True)
class Statements:
    site_by_code: str
    site_by_id: str
    services_of_site: str
    service_by_id: str
    counters_of_site: str
    counter_by_id: str
    services_per_counter: str
    lock_counter: str
    issued_last: str
    allocate_number: str
    waiting: str
    places: str
    claim: str
    ticket: str
    ticket_locked: str
    at_counter: str
    at_counter_locked: str
    unfinished: str
    busy_counters: str
    service_durations: str
    recent_calls: str
    next_seq: str
    insert_event: str
    insert_ticket: str
    events_since: str
    claim_request: str
    earlier_request: str
    answer_request: str
    device_by_token: str
    user_token_by_token: str
    user_by_id: str


def _statements(postgres: bool) -> Statements:
    # Row locks exist only on PostgreSQL; on SQLite the write lock is the whole file.
    lock = " FOR UPDATE" if postgres else ""
    # Whole microseconds, exact on both databases, so the estimate comes out the
    # same as from the in-memory repository. SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff`.
    began = "COALESCE(started_at, last_called_at)"
    microseconds = (
        f"CAST(EXTRACT(EPOCH FROM finished_at - {began}) * 1000000 AS BIGINT)"
        if postgres
        else f"(strftime('%s', finished_at) - strftime('%s', {began})) * 1000000 "
        f"+ CAST(substr(finished_at, 21) AS INTEGER) - CAST(substr({began}, 21) AS INTEGER)"
    )
    skip_locked = " FOR UPDATE SKIP LOCKED" if postgres else ""
    at_counter = (
        f"SELECT {TICKET} FROM tickets WHERE counter_id = ? AND status IN ({_AT_COUNTER}) "
        "ORDER BY id DESC"
    )
    raw = Statements(
        site_by_code=f"SELECT {SITE} FROM sites WHERE code = ?",
        site_by_id=f"SELECT {SITE} FROM sites WHERE id = ?",
        services_of_site=f"SELECT {SERVICE} FROM services WHERE site_id = ? ORDER BY id",
        service_by_id=f"SELECT {SERVICE} FROM services WHERE id = ?",
        counters_of_site=f"SELECT {COUNTER} FROM counters WHERE site_id = ? ORDER BY id",
        counter_by_id=f"SELECT {COUNTER} FROM counters WHERE id = ?",
        services_per_counter=(
            "SELECT cs.counter_id, cs.service_id FROM counter_services cs "
            "JOIN counters c ON c.id = cs.counter_id WHERE c.site_id = ? "
            "ORDER BY cs.counter_id, cs.preference, cs.service_id"
        ),
        # NO KEY UPDATE, not UPDATE: a plain FOR UPDATE would also block the
        # foreign-key checks of events that name this counter, and their writers
        # may hold the site row that the locking transaction is about to wait for.
        lock_counter=(
            f"SELECT {COUNTER} FROM counters WHERE id = ?"
            + (" FOR NO KEY UPDATE" if postgres else "")
        ),
        issued_last="SELECT last_number FROM daily_numbers WHERE service_id = ? AND local_day = ?",
        allocate_number=(
            "INSERT INTO daily_numbers (service_id, local_day, last_number) VALUES (?, ?, ?) "
            "ON CONFLICT (service_id, local_day) "
            "DO UPDATE SET last_number = daily_numbers.last_number + 1 RETURNING last_number"
        ),
        waiting=(
            f"SELECT {TICKET} FROM tickets WHERE site_id = ? AND local_day = ? "
            f"AND status = {_WAITING} ORDER BY queued_at, id"
        ),
        places=(
            "SELECT id, service_id, priority, queued_at FROM tickets WHERE site_id = ? "
            f"AND local_day = ? AND status = {_WAITING} AND service_id IN ({{marks}}) "
            "ORDER BY queued_at, id"
        ),
        # Another counter holding this row is calling it: skip, try the next.
        claim=f"SELECT {TICKET} FROM tickets WHERE id = ? AND status = {_WAITING}{skip_locked}",
        ticket=f"SELECT {TICKET} FROM tickets WHERE id = ?",
        ticket_locked=f"SELECT {TICKET} FROM tickets WHERE id = ?{lock}",
        at_counter=at_counter,
        at_counter_locked=at_counter + lock,
        unfinished=(
            f"SELECT {TICKET} FROM tickets WHERE site_id = ? AND local_day < ? "
            f"AND status IN ({_OPEN}) ORDER BY id{skip_locked}"
        ),
        busy_counters=(
            "SELECT DISTINCT counter_id FROM tickets WHERE site_id = ? AND local_day = ? "
            f"AND status IN ({_AT_COUNTER}) AND counter_id IS NOT NULL"
        ),
        # Durations worked out by the database, not whole tickets: this runs for
        # every ticket issued. Service begins when it starts, or else at the call.
        service_durations=(
            f"SELECT {microseconds} FROM tickets "
            f"WHERE service_id = ? AND local_day = ? AND status = {_DONE} "
            "AND finished_at IS NOT NULL AND COALESCE(started_at, last_called_at) IS NOT NULL "
            "ORDER BY finished_at DESC LIMIT ?"
        ),
        # A requeued or transferred ticket left its counter: no longer a call to show.
        recent_calls=(
            f"SELECT {TICKET} FROM tickets WHERE site_id = ? AND local_day = ? "
            "AND last_called_at IS NOT NULL AND counter_id IS NOT NULL "
            "ORDER BY last_called_at DESC LIMIT ?"
        ),
        # The UPDATE holds the site row until commit, so events commit in seq order.
        next_seq="UPDATE sites SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
        insert_event=_insert(Event),
        insert_ticket=_insert(Ticket),
        events_since=(
            f"SELECT {EVENT} FROM events WHERE site_id = ? AND seq > ? ORDER BY seq LIMIT ?"
        ),
        # Inserts the request id unless it is there already; on PostgreSQL a
        # concurrent twin waits on it until the first commits.
        claim_request=(
            "INSERT INTO request_log (caller, request_id, status_code, response, created_at) "
            "VALUES (?, ?, 0, '{}', ?) ON CONFLICT (caller, request_id) DO NOTHING RETURNING id"
        ),
        earlier_request=f"SELECT {REQUEST} FROM request_log WHERE caller = ? AND request_id = ?",
        answer_request="UPDATE request_log SET status_code = ?, response = ? WHERE id = ?",
        # Who sends a command, inside its own transaction (tokens are kept as digests).
        device_by_token=f"SELECT {DEVICE} FROM devices WHERE token_hash = ?",
        user_token_by_token=f"SELECT {USER_TOKEN} FROM user_tokens WHERE token_hash = ?",
        user_by_id=f"SELECT {USER} FROM users WHERE id = ?",
    )
    if not postgres:
        return raw
    return Statements(**{
        name: value.replace("?", "%s") for name, value in raw.__dict__.items()
    })


STATEMENTS = {"sqlite": _statements(postgres=False), "postgresql": _statements(postgres=True)}
