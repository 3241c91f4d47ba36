"""Every statement the store runs, written once with SQLAlchemy Core.

Both databases share them. Row locks are written once too:
`with_for_update` renders PostgreSQL's `FOR UPDATE` (and `SKIP LOCKED`, `NO
KEY UPDATE`) and nothing on SQLite, which serialises writers with `BEGIN
IMMEDIATE` instead. Upserts use each dialect's own `INSERT … ON CONFLICT`.
Compiling happens once per dialect, on first use (`compiled.py`).

A new query goes here, as a `Statement`, and is run by the store module of
its noun (`unit_of_work.py`, `requests.py`, `accounts.py`, `pairings.py`,
`monitoring.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy import insert as generic_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import (
    BindParameter,
    ClauseElement,
    ColumnElement,
    FunctionElement,
    Select,
)
from sqlmodel import SQLModel

import server.store.models  # noqa: F401  (defines the tables)
from antrean.vocabulary import TicketStatus
from server.engine.model import AT_COUNTER, OPEN_STATUSES
from server.store.compiled import Statement

_TABLES = SQLModel.metadata.tables
SITES: Table = _TABLES["sites"]
SERVICES: Table = _TABLES["services"]
COUNTERS: Table = _TABLES["counters"]
COUNTER_SERVICES: Table = _TABLES["counter_services"]
DAILY_NUMBERS: Table = _TABLES["daily_numbers"]
TICKETS: Table = _TABLES["tickets"]
EVENTS: Table = _TABLES["events"]
USERS: Table = _TABLES["users"]
USER_TOKENS: Table = _TABLES["user_tokens"]
DEVICES: Table = _TABLES["devices"]
REQUEST_LOG: Table = _TABLES["request_log"]
DISPLAY_PAIRINGS: Table = _TABLES["display_pairings"]
SURVEY_RESPONSES: Table = _TABLES["survey_responses"]
REPORT_NOTES: Table = _TABLES["report_notes"]
USER_SITES: Table = _TABLES["user_sites"]
AUDIT_LOG: Table = _TABLES["audit_log"]
SLIDES: Table = _TABLES["slides"]


def _value(name: str, column: ColumnElement[Any]) -> BindParameter[Any]:
    """A parameter with the column's type, so values convert the way the column stores them."""
    return bindparam(name, type_=column.type)


def new(column: str) -> str:
    """The parameter that carries a column's new value in an INSERT or UPDATE.

    Not the column's own name: SQLAlchemy keeps those for itself when it runs
    such a statement, and these must stay plain Core that SQLAlchemy can run."""
    return f"new_{column}"


def new_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Column values as the parameters of `insert_row` and `update_columns`."""
    return {new(column): value for column, value in values.items()}


def _one_of(column: ColumnElement[Any], values: frozenset[TicketStatus]) -> ColumnElement[bool]:
    """`column IN (…)` with one parameter per value: a list parameter would only be
    spelled out when run, and these statements are compiled once."""
    return column.in_([literal(value, column.type) for value in sorted(values)])


def _statement(build: Any) -> Statement:
    return Statement(build.__name__, build)


def _insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT, which knows its ON CONFLICT clause."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


class microseconds_between(FunctionElement[int]):
    """Whole microseconds from one timestamp column to another, exact on both databases."""

    type = BigInteger()
    inherit_cache = True


@compiles(microseconds_between, "postgresql")
def _microseconds_postgresql(
    element: microseconds_between, compiler: SQLCompiler, **kw: Any
) -> str:
    began, ended = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM {ended} - {began}) * 1000000 AS BIGINT)"


@compiles(microseconds_between, "sqlite")
def _microseconds_sqlite(
    element: microseconds_between, compiler: SQLCompiler, **kw: Any
) -> str:
    # SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff`: whole seconds, then the digits after the dot.
    began, ended = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"((strftime('%s', {ended}) - strftime('%s', {began})) * 1000000 "
        f"+ CAST(substr({ended}, 21) AS INTEGER) - CAST(substr({began}, 21) AS INTEGER))"
    )


# --- sites, services, counters -------------------------------------------------------


@_statement
def site_by_code(dialect: str) -> ClauseElement:
    return select(SITES).where(SITES.c.code == _value("code", SITES.c.code))


@_statement
def site_by_id(dialect: str) -> ClauseElement:
    return select(SITES).where(SITES.c.id == _value("id", SITES.c.id))


@_statement
def all_sites(dialect: str) -> ClauseElement:
    return select(SITES).order_by(SITES.c.code)


@_statement
def lock_site(dialect: str) -> ClauseElement:
    # An administrator's change reads the office and writes it back: a second
    # change to the same office waits for the first (SQLite: the write lock).
    return (
        select(SITES.c.id)
        .where(SITES.c.id == _value("id", SITES.c.id))
        .with_for_update(key_share=True)
    )


@_statement
def services_of_site(dialect: str) -> ClauseElement:
    return (
        select(SERVICES)
        .where(SERVICES.c.site_id == _value("site_id", SERVICES.c.site_id))
        .order_by(SERVICES.c.id)
    )


@_statement
def service_by_id(dialect: str) -> ClauseElement:
    return select(SERVICES).where(SERVICES.c.id == _value("id", SERVICES.c.id))


def _counters_with_services(where: ColumnElement[bool]) -> Select[Any]:
    """Counters, each row followed by one of its services (or NULL), most preferred first."""
    links = COUNTER_SERVICES
    return (
        select(COUNTERS, links.c.service_id)
        .outerjoin(links, links.c.counter_id == COUNTERS.c.id)
        .where(where)
        .order_by(COUNTERS.c.id, links.c.preference, links.c.service_id)
    )


@_statement
def counters_of_site(dialect: str) -> ClauseElement:
    return _counters_with_services(COUNTERS.c.site_id == _value("site_id", COUNTERS.c.site_id))


@_statement
def counter_by_id(dialect: str) -> ClauseElement:
    return _counters_with_services(COUNTERS.c.id == _value("id", COUNTERS.c.id))


@_statement
def lock_counter(dialect: str) -> ClauseElement:
    # NO KEY UPDATE, not UPDATE: a plain FOR UPDATE would also block the
    # foreign-key checks of events that name this counter, and their writers
    # may hold the site row that the locking transaction is about to wait for.
    return (
        select(COUNTERS)
        .where(COUNTERS.c.id == _value("id", COUNTERS.c.id))
        .with_for_update(key_share=True)
    )


# --- numbers ---------------------------------------------------------------------


@_statement
def last_numbers(dialect: str) -> ClauseElement:
    numbers = DAILY_NUMBERS
    return (
        select(numbers.c.service_id, numbers.c.last_number)
        .join_from(numbers, SERVICES, SERVICES.c.id == numbers.c.service_id)
        .where(
            SERVICES.c.site_id == _value("site_id", SERVICES.c.site_id),
            numbers.c.local_day == _value("local_day", numbers.c.local_day),
        )
    )


@_statement
def allocate_number(dialect: str) -> ClauseElement:
    numbers = DAILY_NUMBERS
    return (
        _insert(dialect, numbers)
        .values(
            service_id=_value("service", numbers.c.service_id),
            local_day=_value("day", numbers.c.local_day),
            last_number=_value("first_number", numbers.c.last_number),
        )
        .on_conflict_do_update(
            index_elements=[numbers.c.service_id, numbers.c.local_day],
            set_={"last_number": numbers.c.last_number + 1},
        )
        .returning(numbers.c.last_number)
    )


# --- tickets ---------------------------------------------------------------------


def _of_day(status: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(
        TICKETS.c.site_id == _value("site_id", TICKETS.c.site_id),
        TICKETS.c.local_day == _value("local_day", TICKETS.c.local_day),
        status,
    )


@_statement
def waiting(dialect: str) -> ClauseElement:
    return (
        select(TICKETS)
        .where(_of_day(TICKETS.c.status == TicketStatus.WAITING))
        .order_by(TICKETS.c.queued_at, TICKETS.c.id)
    )


@cache
def places(count: int) -> Statement:
    """Places in line for `count` services (one compiled statement per count)."""

    def build(dialect: str) -> ClauseElement:
        services = [_value(f"service_{n}", TICKETS.c.service_id) for n in range(count)]
        return (
            select(TICKETS.c.id, TICKETS.c.service_id, TICKETS.c.priority, TICKETS.c.queued_at)
            .where(
                _of_day(TICKETS.c.status == TicketStatus.WAITING),
                TICKETS.c.service_id.in_(services),
            )
            .order_by(TICKETS.c.queued_at, TICKETS.c.id)
        )

    return Statement(f"places_{count}", build)


def _ticket_by_id() -> Select[Any]:
    return select(TICKETS).where(TICKETS.c.id == _value("id", TICKETS.c.id))


@_statement
def ticket(dialect: str) -> ClauseElement:
    return _ticket_by_id()


@_statement
def ticket_locked(dialect: str) -> ClauseElement:
    return _ticket_by_id().with_for_update()


@_statement
def claim(dialect: str) -> ClauseElement:
    # Another counter holding this row is calling it: skip it, try the next.
    return (
        _ticket_by_id()
        .where(TICKETS.c.status == TicketStatus.WAITING)
        .with_for_update(skip_locked=True)
    )


def _at_counter() -> Select[Any]:
    return (
        select(TICKETS)
        .where(
            TICKETS.c.counter_id == _value("counter_id", TICKETS.c.counter_id),
            _one_of(TICKETS.c.status, AT_COUNTER),
        )
        .order_by(TICKETS.c.id.desc())
    )


@_statement
def at_counter(dialect: str) -> ClauseElement:
    return _at_counter()


@_statement
def at_counter_locked(dialect: str) -> ClauseElement:
    return _at_counter().with_for_update()


@_statement
def unfinished(dialect: str) -> ClauseElement:
    return (
        select(TICKETS)
        .where(
            TICKETS.c.site_id == _value("site_id", TICKETS.c.site_id),
            TICKETS.c.local_day < _value("local_day", TICKETS.c.local_day),
            _one_of(TICKETS.c.status, OPEN_STATUSES),
        )
        .order_by(TICKETS.c.id)
        .with_for_update(skip_locked=True)
    )


@_statement
def busy_counters(dialect: str) -> ClauseElement:
    return (
        select(TICKETS.c.counter_id)
        .distinct()
        .where(
            _of_day(_one_of(TICKETS.c.status, AT_COUNTER)),
            TICKETS.c.counter_id.is_not(None),
        )
    )


def _latest_durations(service: str, *columns: ColumnElement[Any]) -> Select[Any]:
    """A service's latest finished tickets of the day, latest first: `columns`, then
    how long each took. Worked out by the database, not read as whole tickets:
    the estimate asks for them with every ticket issued. Service begins when it
    starts, or else at the call."""
    began = func.coalesce(TICKETS.c.started_at, TICKETS.c.last_called_at)
    return (
        select(*columns, microseconds_between(began, TICKETS.c.finished_at).label("microseconds"))
        .where(
            TICKETS.c.service_id == _value(service, TICKETS.c.service_id),
            TICKETS.c.local_day == _value("local_day", TICKETS.c.local_day),
            TICKETS.c.status == TicketStatus.DONE,
            TICKETS.c.finished_at.is_not(None),
            began.is_not(None),
        )
        .order_by(TICKETS.c.finished_at.desc(), TICKETS.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


@_statement
def service_durations(dialect: str) -> ClauseElement:
    return _latest_durations("service_id")


@cache
def services_durations(count: int) -> Statement:
    """`service_durations` of `count` services (`service_0` …) in one statement:
    (service, microseconds) rows, in no particular order."""

    def build(dialect: str) -> ClauseElement:
        # Each in its own subquery: SQLite allows no LIMIT on a bare part of a UNION.
        parts = [
            select(_latest_durations(f"service_{n}", TICKETS.c.service_id).subquery())
            for n in range(count)
        ]
        return parts[0] if count == 1 else union_all(*parts)

    return Statement(f"services_durations_{count}", build)


def _call_columns() -> list[ColumnElement[Any]]:
    """A ticket as seen at a counter, in the order of `engine.model.Call`'s fields."""
    c = TICKETS.c
    return [
        c.id, c.code, c.service_id, c.priority, c.status, c.counter_id, c.issued_at,
        c.last_called_at, c.started_at, c.finished_at, c.no_show_at, c.call_count,
    ]


@_statement
def at_counters(dialect: str) -> ClauseElement:
    # The newest first, as `at_counter` takes it, should a counter hold two.
    return (
        select(*_call_columns())
        .where(
            _of_day(_one_of(TICKETS.c.status, AT_COUNTER)),
            TICKETS.c.counter_id.is_not(None),
        )
        .order_by(TICKETS.c.id.desc())
    )


@_statement
def recent_calls(dialect: str) -> ClauseElement:
    # A requeued or transferred ticket left its counter: no longer a call to show.
    return (
        select(*_call_columns())
        .where(
            _of_day(TICKETS.c.last_called_at.is_not(None)),
            TICKETS.c.counter_id.is_not(None),
        )
        .order_by(TICKETS.c.last_called_at.desc(), TICKETS.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def no_shows(count: int) -> Statement:
    """A day's no-shows of `count` services (`service_0` …), latest first, up to `limit`."""

    def build(dialect: str) -> ClauseElement:
        services = [_value(f"service_{n}", TICKETS.c.service_id) for n in range(count)]
        return (
            select(TICKETS)
            .where(
                _of_day(TICKETS.c.status == TicketStatus.NO_SHOW),
                TICKETS.c.service_id.in_(services),
            )
            .order_by(TICKETS.c.no_show_at.desc(), TICKETS.c.id.desc())
            .limit(bindparam("limit", type_=Integer))
        )

    return Statement(f"no_shows_{count}", build)


@_statement
def tickets_of_site(dialect: str) -> ClauseElement:
    return (
        select(TICKETS)
        .where(TICKETS.c.site_id == _value("site_id", TICKETS.c.site_id))
        .order_by(TICKETS.c.id)
    )


# --- events ----------------------------------------------------------------------


@_statement
def next_seq(dialect: str) -> ClauseElement:
    # The UPDATE holds the site row until commit, so events commit in seq order.
    return (
        update(SITES)
        .where(SITES.c.id == _value("key", SITES.c.id))
        .values(last_seq=SITES.c.last_seq + 1)
        .returning(SITES.c.last_seq)
    )


@_statement
def append_event(dialect: str) -> ClauseElement:
    """PostgreSQL: the site's next seq and the event's row in one statement (the same
    row lock as `next_seq`, taken later, held until commit). SQLite runs no UPDATE
    inside a WITH, and its statements cost no round trip: it uses the two."""
    bump = (
        update(SITES)
        .where(SITES.c.id == _value("key", SITES.c.id))
        .values(last_seq=SITES.c.last_seq + 1)
        .returning(SITES.c.last_seq)
        .cte("bump")
    )
    columns = [c for c in EVENTS.columns if c.key not in ("id", "seq")]
    values = select(*(_value(new(c.key), c) for c in columns), bump.c.last_seq)
    return (
        generic_insert(EVENTS)
        .from_select([*(c.key for c in columns), "seq"], values)
        .returning(EVENTS.c.seq)
    )


@_statement
def events_since(dialect: str) -> ClauseElement:
    return (
        select(EVENTS)
        .where(
            EVENTS.c.site_id == _value("site_id", EVENTS.c.site_id),
            EVENTS.c.seq > _value("seq", EVENTS.c.seq),
        )
        .order_by(EVENTS.c.seq)
        .limit(bindparam("limit", type_=Integer))
    )


@_statement
def latest_counter_event(dialect: str) -> ClauseElement:
    # By the site's (site_id, seq) index, newest first: the latest is near the end.
    return (
        select(EVENTS)
        .where(
            EVENTS.c.site_id == _value("site_id", EVENTS.c.site_id),
            EVENTS.c.counter_id == _value("counter_id", EVENTS.c.counter_id),
            EVENTS.c.type == _value("type", EVENTS.c.type),
        )
        .order_by(EVENTS.c.seq.desc())
        .limit(1)
    )


# --- writing whole rows ----------------------------------------------------------


@cache
def insert_row(table: Table, returning_id: bool) -> Statement:
    """An INSERT of every column but the generated id; parameters by `new(column)`."""

    def build(dialect: str) -> ClauseElement:
        columns = [c for c in table.columns if c.key != "id"]
        statement = generic_insert(table).values({c.key: _value(new(c.key), c) for c in columns})
        return statement.returning(table.c.id) if returning_id else statement

    return Statement(f"insert_{table.name}", build)


@cache
def update_columns(table: Table, columns: tuple[str, ...]) -> Statement:
    """An UPDATE of some columns of one row by id; parameters by `new(column)`, the
    row's id is `key`."""

    def build(dialect: str) -> ClauseElement:
        return (
            update(table)
            .where(table.c.id == _value("key", table.c.id))
            .values({name: _value(new(name), table.c[name]) for name in columns})
        )

    return Statement(f"update_{table.name}_{'_'.join(columns)}", build)


@_statement
def delete_counter_services(dialect: str) -> ClauseElement:
    return delete(COUNTER_SERVICES).where(
        COUNTER_SERVICES.c.counter_id == _value("counter_id", COUNTER_SERVICES.c.counter_id)
    )


# --- the request log -------------------------------------------------------------


@_statement
def claim_request(dialect: str) -> ClauseElement:
    # Inserts the request id unless it is there already; on PostgreSQL a
    # concurrent twin waits on it until the first commits.
    log = REQUEST_LOG
    return (
        _insert(dialect, log)
        .values(
            caller=_value("by", log.c.caller),
            request_id=_value("request", log.c.request_id),
            status_code=0,
            response={},
            created_at=_value("at", log.c.created_at),
        )
        .on_conflict_do_nothing(index_elements=[log.c.caller, log.c.request_id])
        .returning(log.c.id)
    )


@_statement
def keep_request(dialect: str) -> ClauseElement:
    # Plain insert, with the commit: a twin that committed first makes it fail.
    log = REQUEST_LOG
    return generic_insert(log).values(
        caller=_value("by", log.c.caller),
        request_id=_value("request", log.c.request_id),
        status_code=_value("status", log.c.status_code),
        response=_value("body", log.c.response),
        created_at=_value("at", log.c.created_at),
    )


@_statement
def earlier_request(dialect: str) -> ClauseElement:
    return select(REQUEST_LOG.c.status_code, REQUEST_LOG.c.response).where(
        REQUEST_LOG.c.caller == _value("caller", REQUEST_LOG.c.caller),
        REQUEST_LOG.c.request_id == _value("request_id", REQUEST_LOG.c.request_id),
    )


@_statement
def answer_request(dialect: str) -> ClauseElement:
    log = REQUEST_LOG
    return (
        update(log)
        .where(log.c.id == _value("key", log.c.id))
        .values(
            status_code=_value("status", log.c.status_code),
            response=_value("body", log.c.response),
        )
    )


@_statement
def forget_requests(dialect: str) -> ClauseElement:
    return (
        delete(REQUEST_LOG)
        .where(REQUEST_LOG.c.created_at < _value("before", REQUEST_LOG.c.created_at))
        .returning(REQUEST_LOG.c.id)
    )


# --- PostgreSQL's notifications ---------------------------------------------------


@_statement
def notify(dialect: str) -> ClauseElement:
    channel, payload = bindparam("channel", type_=String), bindparam("payload", type_=String)
    return select(func.pg_notify(channel, payload))


# --- users, tokens and devices ----------------------------------------------------


@_statement
def user_by_name(dialect: str) -> ClauseElement:
    return select(USERS).where(USERS.c.username == _value("username", USERS.c.username))


@_statement
def user_by_id(dialect: str) -> ClauseElement:
    return select(USERS).where(USERS.c.id == _value("id", USERS.c.id))


@_statement
def user_token_by_hash(dialect: str) -> ClauseElement:
    tokens = USER_TOKENS
    return select(tokens).where(tokens.c.token_hash == _value("token_hash", tokens.c.token_hash))


@_statement
def device_and_site_by_hash(dialect: str) -> ClauseElement:
    """A device and its office in one read: a device's command names that office next."""
    return (
        select(DEVICES, SITES)
        .join_from(DEVICES, SITES, DEVICES.c.site_id == SITES.c.id, isouter=True)
        .where(DEVICES.c.token_hash == _value("token_hash", DEVICES.c.token_hash))
    )


@_statement
def device_by_id(dialect: str) -> ClauseElement:
    return select(DEVICES).where(DEVICES.c.id == _value("id", DEVICES.c.id))


@_statement
def devices_by_name(dialect: str) -> ClauseElement:
    return (
        select(DEVICES).where(DEVICES.c.name == _value("name", DEVICES.c.name))
        .order_by(DEVICES.c.id)
    )


@_statement
def all_devices(dialect: str) -> ClauseElement:
    return select(DEVICES).order_by(DEVICES.c.id)


@_statement
def device_seen(dialect: str) -> ClauseElement:
    seen = _value("seen", DEVICES.c.last_seen_at)
    return (
        update(DEVICES)
        .where(
            DEVICES.c.id == _value("key", DEVICES.c.id),
            or_(DEVICES.c.last_seen_at.is_(None), DEVICES.c.last_seen_at < seen),
        )
        .values(last_seen_at=seen)
    )


def padded_size(count: int) -> int:
    """The number of parameters of an `IN (…)` statement for `count` values: the
    next power of two, so a few compiled statements serve every count."""
    return 1 << max(0, count - 1).bit_length()


@cache
def token_access(count: int) -> Statement:
    """Sign-in tokens and devices by token hash (`hash_0` … `hash_{count-1}`), with what
    decides whether each still works, in one statement: (hash, is a device, revoked,
    expires, user active)."""

    def build(dialect: str) -> ClauseElement:
        tokens = USER_TOKENS
        hashes = [_value(f"hash_{n}", tokens.c.token_hash) for n in range(count)]
        users = (
            select(
                tokens.c.token_hash, false(), tokens.c.revoked, tokens.c.expires_at,
                USERS.c.active,
            )
            .join(USERS, USERS.c.id == tokens.c.user_id)
            .where(tokens.c.token_hash.in_(hashes))
        )
        devices = select(
            DEVICES.c.token_hash, true(), DEVICES.c.revoked_at.is_not(None),
            cast(null(), tokens.c.expires_at.type), true(),
        ).where(DEVICES.c.token_hash.in_(hashes))
        return union_all(users, devices)

    return Statement(f"token_access_{count}", build)


# --- display pairings -------------------------------------------------------------


@_statement
def pairing_by_code(dialect: str) -> ClauseElement:
    pairings = DISPLAY_PAIRINGS
    return select(pairings).where(
        pairings.c.code_hash == _value("code_hash", pairings.c.code_hash)
    )


@_statement
def pairing_of_device(dialect: str) -> ClauseElement:
    pairings = DISPLAY_PAIRINGS
    return (
        select(pairings)
        .where(pairings.c.device_id == _value("device_id", pairings.c.device_id))
        .order_by(pairings.c.id.desc())
        .limit(1)
    )


# --- what monitoring reads ----------------------------------------------------------


@_statement
def ping(dialect: str) -> ClauseElement:
    return select(literal(1, Integer))


@_statement
def latest_event_at(dialect: str) -> ClauseElement:
    # By id, which follows commit order: no scan.
    return select(EVENTS.c.at).order_by(EVENTS.c.id.desc()).limit(1)


@_statement
def waiting_counts(dialect: str) -> ClauseElement:
    day = TICKETS.c.local_day
    return (
        select(TICKETS.c.site_id, SERVICES.c.code, day, func.count())
        .join(SERVICES, SERVICES.c.id == TICKETS.c.service_id)
        .where(TICKETS.c.status == TicketStatus.WAITING)
        .group_by(TICKETS.c.site_id, SERVICES.c.code, day)
    )


@_statement
def contents(dialect: str) -> ClauseElement:
    """How many offices and tickets a database holds, and when its last event was
    (checked in a backup before it is trusted; these columns exist in every schema)."""
    return select(
        select(func.count()).select_from(SITES).scalar_subquery(),
        select(func.count()).select_from(TICKETS).scalar_subquery(),
        select(func.max(EVENTS.c.at)).scalar_subquery(),
    )


@_statement
def survey_of_ticket(dialect: str) -> ClauseElement:
    answers = SURVEY_RESPONSES
    return select(answers.c.id).where(
        answers.c.ticket_id == _value("ticket_id", answers.c.ticket_id)
    )


@_statement
def surveys_between(dialect: str) -> ClauseElement:
    answers = SURVEY_RESPONSES
    return (
        select(answers)
        .where(
            answers.c.site_id == _value("site_id", answers.c.site_id),
            answers.c.local_day >= _value("first_day", answers.c.local_day),
            answers.c.local_day <= _value("last_day", answers.c.local_day),
        )
        .order_by(answers.c.id)
    )


# --- what administrators change: users' offices, the audit log, slides --------------


@_statement
def all_users(dialect: str) -> ClauseElement:
    return select(USERS).order_by(USERS.c.username)


@_statement
def sites_of_user(dialect: str) -> ClauseElement:
    return (
        select(USER_SITES.c.site_id)
        .where(USER_SITES.c.user_id == _value("user_id", USER_SITES.c.user_id))
        .order_by(USER_SITES.c.site_id)
    )


@_statement
def all_user_sites(dialect: str) -> ClauseElement:
    return select(USER_SITES.c.user_id, USER_SITES.c.site_id).order_by(
        USER_SITES.c.user_id, USER_SITES.c.site_id
    )


@_statement
def delete_user_sites(dialect: str) -> ClauseElement:
    return delete(USER_SITES).where(
        USER_SITES.c.user_id == _value("user_id", USER_SITES.c.user_id)
    )


AUDIT_FILTERS = ("site", "user", "kind", "text", "since", "until")


@cache
def audit_entries(filters: frozenset[str]) -> Statement:
    """The audit log, newest first, narrowed by some of `AUDIT_FILTERS` (one compiled
    statement per combination used): `site`, `user`, `kind` equal; `text` a
    lower-case pattern for LIKE on the subject; `since`/`until` bound `at`."""
    unknown = filters - set(AUDIT_FILTERS)
    if unknown:
        raise ValueError(f"no audit filter {sorted(unknown)}")

    def build(dialect: str) -> ClauseElement:
        log = AUDIT_LOG
        conditions: list[ColumnElement[bool]] = []
        if "site" in filters:
            conditions.append(log.c.site_id == _value("site", log.c.site_id))
        if "user" in filters:
            conditions.append(log.c.user_id == _value("user", log.c.user_id))
        if "kind" in filters:
            conditions.append(log.c.kind == _value("kind", log.c.kind))
        if "text" in filters:
            conditions.append(func.lower(log.c.subject).like(_value("text", log.c.subject)))
        if "since" in filters:
            conditions.append(log.c.at >= _value("since", log.c.at))
        if "until" in filters:
            conditions.append(log.c.at < _value("until", log.c.at))
        return (
            select(log)
            .where(*conditions)
            .order_by(log.c.id.desc())
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
        )

    return Statement("audit_" + "_".join(sorted(filters)), build)


@_statement
def latest_audit_id(dialect: str) -> ClauseElement:
    return select(func.max(AUDIT_LOG.c.id))


@_statement
def audited_sites_since(dialect: str) -> ClauseElement:
    """The offices changed after an audit entry (the watch that refreshes devices)."""
    log = AUDIT_LOG
    return (
        select(log.c.site_id, func.max(log.c.id))
        .where(log.c.id > _value("after", log.c.id), log.c.site_id.is_not(None))
        .group_by(log.c.site_id)
    )


SLIDE_FACTS = tuple(c for c in SLIDES.columns if c.key != "data")


@_statement
def slides_of_site(dialect: str) -> ClauseElement:
    return (
        select(*SLIDE_FACTS)
        .where(SLIDES.c.site_id == _value("site_id", SLIDES.c.site_id))
        .order_by(SLIDES.c.position, SLIDES.c.id)
    )


@_statement
def slide_data(dialect: str) -> ClauseElement:
    return select(SLIDES.c.data).where(SLIDES.c.id == _value("id", SLIDES.c.id))


@_statement
def delete_slide(dialect: str) -> ClauseElement:
    return delete(SLIDES).where(SLIDES.c.id == _value("id", SLIDES.c.id))


# --- what the reports read ----------------------------------------------------------


def _events_in_time() -> ColumnElement[bool]:
    return and_(
        EVENTS.c.site_id == _value("site_id", EVENTS.c.site_id),
        EVENTS.c.at >= _value("since", EVENTS.c.at),
        EVENTS.c.at < _value("until", EVENTS.c.at),
    )


@_statement
def history(dialect: str) -> ClauseElement:
    """An office's events in a span of time, with only the facts the reports use.

    The database picks the few facts out of the JSON itself, and only for the
    kinds of event that carry them: decoding every event's document in Python
    would cost more than reading it."""
    kind, data = EVENTS.c.type, EVENTS.c.data
    return (
        select(
            kind,
            EVENTS.c.at,
            EVENTS.c.ticket_id,
            EVENTS.c.counter_id,
            EVENTS.c.actor,
            case(
                (kind == "issued", data[("details", "service")].as_string()),
                (kind == "transferred", data[("details", "to_service")].as_string()),
                (kind == "counter_changed", data[("details", "state")].as_string()),
            ),
            case(
                (kind == "issued", data[("ticket", "priority")].as_string()),
                (kind == "rated", data[("details", "satisfaction")].as_string()),
            ),
        )
        .where(_events_in_time())
        .order_by(EVENTS.c.seq)
    )


@_statement
def bare_events(dialect: str) -> ClauseElement:
    """The same events whole, as stored: what a report's time is measured against."""
    return select(EVENTS).where(_events_in_time()).order_by(EVENTS.c.seq)


@_statement
def report_notes_between(dialect: str) -> ClauseElement:
    notes = REPORT_NOTES
    return (
        select(notes)
        .where(
            notes.c.site_id == _value("site_id", notes.c.site_id),
            notes.c.local_day >= _value("first_day", notes.c.local_day),
            notes.c.local_day <= _value("last_day", notes.c.local_day),
        )
        .order_by(notes.c.local_day, notes.c.id)
    )


# --- texts citizens asked for (ticket notices) -------------------------------------

TICKET_NOTICES: Table = _TABLES["ticket_notices"]


@_statement
def notice_of_ticket(dialect: str) -> ClauseElement:
    notices = TICKET_NOTICES
    return select(notices).where(notices.c.ticket_id == _value("ticket_id", notices.c.ticket_id))


@_statement
def notice_of_ticket_locked(dialect: str) -> ClauseElement:
    """The notice, held until the transaction ends: another process deciding about it
    waits, then sees what this one decided."""
    notices = TICKET_NOTICES
    return (
        select(notices)
        .where(notices.c.ticket_id == _value("ticket_id", notices.c.ticket_id))
        .with_for_update()
    )


@_statement
def notices_in_state(dialect: str) -> ClauseElement:
    notices = TICKET_NOTICES
    return (
        select(notices)
        .where(
            notices.c.site_id == _value("site_id", notices.c.site_id),
            notices.c.state == _value("state", notices.c.state),
        )
        .order_by(notices.c.id)
    )


@_statement
def due_notices(dialect: str) -> ClauseElement:
    """Notices to send now, oldest first; rows another process holds are skipped."""
    notices = TICKET_NOTICES
    return (
        select(notices)
        .where(
            notices.c.state == literal("due", notices.c.state.type),
            notices.c.next_try_at <= _value("now", notices.c.next_try_at),
        )
        .order_by(notices.c.next_try_at, notices.c.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )


@_statement
def stale_sendings(dialect: str) -> ClauseElement:
    """Notices claimed for sending before `before` and never settled: their process died."""
    notices = TICKET_NOTICES
    return (
        select(notices)
        .where(
            notices.c.state == literal("sending", notices.c.state.type),
            notices.c.claimed_at < _value("before", notices.c.claimed_at),
        )
        .order_by(notices.c.id)
        .with_for_update(skip_locked=True)
    )


@_statement
def sites_with_open_notices(dialect: str) -> ClauseElement:
    notices = TICKET_NOTICES
    return (
        select(SITES.c.code)
        .where(
            SITES.c.id.in_(
                select(notices.c.site_id).where(
                    notices.c.state.in_(
                        [literal(state, notices.c.state.type) for state in ("waiting", "due")]
                    )
                )
            )
        )
        .order_by(SITES.c.code)
    )


@_statement
def open_notices(dialect: str) -> ClauseElement:
    notices = TICKET_NOTICES
    return (
        select(notices)
        .where(
            notices.c.state.in_(
                [literal(state, notices.c.state.type) for state in ("waiting", "due", "sending")]
            )
        )
        .order_by(notices.c.id)
    )


@_statement
def next_notice_due(dialect: str) -> ClauseElement:
    notices = TICKET_NOTICES
    return select(func.min(notices.c.next_try_at)).where(
        notices.c.state == literal("due", notices.c.state.type)
    )
