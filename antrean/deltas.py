"""Applying an event to a site snapshot, so a device's picture follows the server's.

Every event carries the ticket as it was right after the change, so the rule is
the same for all of them: take the ticket out of wherever it was, and put it
back where its new status says. Waiting counts are then counted again from the
waiting line. Times that only the server can work out (estimated waits, the
office's clock) stay as the last snapshot had them until the next one.
"""

from __future__ import annotations

from bisect import insort

from antrean.protocol import CallView, CounterView, EventView, QueueSnapshot, TicketView
from antrean.vocabulary import CounterState, EventType, TicketStatus

RECENT_CALLS = 10
CALL_EVENTS = frozenset({EventType.CALLED, EventType.RECALLED})


def apply_event(snapshot: QueueSnapshot, event: EventView) -> QueueSnapshot:
    """The snapshot with `event` applied; events at or below its `seq` change nothing."""
    if event.seq <= snapshot.seq or event.site != snapshot.site.code:
        return snapshot
    waiting = list(snapshot.waiting)
    counters = list(snapshot.counters)
    calls = list(snapshot.recent_calls)
    services = list(snapshot.services)
    ticket = event.ticket
    if ticket is not None:
        waiting, counters = _place(ticket, waiting, counters)
        calls = _calls_after(event, ticket, calls)
        if event.type is EventType.ISSUED:
            services = [
                s.model_copy(update={"issued_today": s.issued_today + 1})
                if s.code == ticket.service else s
                for s in services
            ]
    if event.type is EventType.COUNTER_CHANGED and event.counter is not None:
        state = CounterState(event.data.get("state", CounterState.OPEN))
        counters = [
            c.model_copy(update={"state": state}) if c.number == event.counter else c
            for c in counters
        ]
    counts: dict[str, int] = {}
    for item in waiting:
        counts[item.service] = counts.get(item.service, 0) + 1
    services = [
        s.model_copy(update={"waiting": counts.get(s.code, 0)})
        if s.waiting != counts.get(s.code, 0) else s
        for s in services
    ]
    return snapshot.model_copy(
        update={
            "seq": event.seq,
            "waiting": waiting,
            "counters": counters,
            "recent_calls": calls,
            "services": services,
        }
    )


def _place(
    ticket: TicketView, waiting: list[TicketView], counters: list[CounterView]
) -> tuple[list[TicketView], list[CounterView]]:
    waiting = [t for t in waiting if t.id != ticket.id]
    placed = []
    for counter in counters:
        current = counter.current
        here = ticket.status.at_counter and ticket.counter == counter.number
        if here:
            counter = counter.model_copy(update={"current": ticket})
        elif current is not None and current.id == ticket.id:
            counter = counter.model_copy(update={"current": None})
        placed.append(counter)
    if ticket.status is TicketStatus.WAITING:
        # The server keeps the line in order of joining; a returning citizen
        # keeps the place given when the ticket was issued.
        insort(waiting, ticket, key=lambda t: (t.issued_at, t.id))
    return waiting, placed


def _calls_after(event: EventView, ticket: TicketView, calls: list[CallView]) -> list[CallView]:
    if event.type in CALL_EVENTS and ticket.counter is not None:
        call = CallView(
            ticket_id=ticket.id,
            code=ticket.code,
            service=ticket.service,
            counter=ticket.counter,
            at=ticket.called_at or event.at,
            call_count=ticket.call_count,
        )
        limit = max(RECENT_CALLS, len(calls))
        return [call, *(c for c in calls if c.ticket_id != ticket.id)][:limit]
    if ticket.counter is None:
        # Sent back to the line (requeued, transferred): no longer a call on the board.
        return [c for c in calls if c.ticket_id != ticket.id]
    return calls
