"""Who may do what: every permission check in one place, for REST and sockets alike.

Users act at their own site and at the further sites they are given (a
supervisor of a kecamatan may oversee its kelurahan); a user without a site
acts everywhere. An admin with sites administers those offices only: their
services, counters, devices, slides and the users who work only there.
A kiosk issues tickets at its site and may cancel a ticket only for the reason
it has that right: the ticket it just issued did not print. So only its own,
still waiting and never called, issued within `KIOSK_CANCEL_WINDOW` (which
covers a print failure and a kiosk settling an unanswered issue after a short
loss of the network). A counter keypad works its own counters only; a display
only watches.
A satisfaction rating comes only from the faces at the counter (the keypad of
the ticket's counter), so no officer can rate their own service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from antrean.vocabulary import DeviceKind, Role, TicketStatus
from server.engine.commands import Actor
from server.engine.errors import QueueError
from server.engine.model import Ticket


class Action(StrEnum):
    VIEW = "view"
    ISSUE = "issue"
    OPERATE = "operate"  # call, recall, start, finish, no-show, requeue, transfer
    CANCEL = "cancel"
    MANAGE_COUNTER = "manage_counter"  # open, pause, close
    ADMINISTER = "administer"
    RATE = "rate"  # the citizen's satisfaction, from the faces at the counter
    SUPERVISE = "supervise"  # the live dashboard, the reports and their exports
    WRITE_NOTES = "write_notes"  # the daily report's obstacles and follow-up


@dataclass(frozen=True)
class Caller:
    """An authenticated user or device."""

    label: str
    site_id: int | None
    role: Role | None = None
    device_kind: DeviceKind | None = None
    counters: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None
    device_id: int | None = None
    other_sites: frozenset[int] = field(default_factory=frozenset)
    """Further sites a user may act at, besides `site_id`."""

    @property
    def actor(self) -> Actor:
        return Actor(self.label, user_id=self.user_id, device_id=self.device_id)

    @property
    def site_ids(self) -> frozenset[int] | None:
        """Every site this caller may act at; None: every site there is."""
        if self.site_id is None:
            return None
        return frozenset({self.site_id, *self.other_sites})

    def acts_at(self, site_id: int) -> bool:
        return self.site_id is None or site_id == self.site_id or site_id in self.other_sites


USER_ACTIONS = {
    Role.ADMIN: set(Action) - {Action.RATE},
    Role.SUPERVISOR: {
        Action.VIEW,
        Action.ISSUE,
        Action.OPERATE,
        Action.CANCEL,
        Action.MANAGE_COUNTER,
        Action.SUPERVISE,
        Action.WRITE_NOTES,
    },
    Role.OFFICER: {
        Action.VIEW,
        Action.ISSUE,
        Action.OPERATE,
        Action.CANCEL,
        Action.MANAGE_COUNTER,
    },
}
DEVICE_ACTIONS = {
    DeviceKind.KIOSK: {Action.VIEW, Action.ISSUE, Action.CANCEL},
    DeviceKind.COUNTER: {
        Action.VIEW,
        Action.ISSUE,
        Action.OPERATE,
        Action.CANCEL,
        Action.MANAGE_COUNTER,
        Action.RATE,
    },
    DeviceKind.DISPLAY: {Action.VIEW},
}


KIOSK_CANCEL_WINDOW = timedelta(minutes=15)


def allowed(
    caller: Caller,
    action: Action,
    site_id: int,
    counter: int | None = None,
    ticket: Ticket | None = None,
    now: datetime | None = None,
) -> bool:
    if not caller.acts_at(site_id):
        return False
    if caller.role is not None:
        return action in USER_ACTIONS[caller.role]
    if caller.device_kind is None or action not in DEVICE_ACTIONS[caller.device_kind]:
        return False
    if caller.device_kind is DeviceKind.KIOSK and action is Action.CANCEL:
        return _kiosk_may_cancel(caller, ticket, now)
    if caller.device_kind is DeviceKind.COUNTER and action in {
        Action.OPERATE,
        Action.MANAGE_COUNTER,
        Action.CANCEL,
        Action.RATE,
    }:
        return counter is not None and counter in caller.counters
    return True


def _kiosk_may_cancel(caller: Caller, ticket: Ticket | None, now: datetime | None) -> bool:
    return (
        ticket is not None
        and now is not None
        and ticket.device_id == caller.device_id
        and ticket.status is TicketStatus.WAITING
        and ticket.call_count == 0
        and now - ticket.issued_at <= KIOSK_CANCEL_WINDOW
    )


def usable_counters(caller: Caller, site_id: int, numbers: list[int]) -> list[int]:
    """The counters of a site this caller may work, of those given, in order."""
    return [n for n in numbers if allowed(caller, Action.OPERATE, site_id, counter=n)]


def authorize(
    caller: Caller,
    action: Action,
    site_id: int,
    counter: int | None = None,
    ticket: Ticket | None = None,
    now: datetime | None = None,
) -> None:
    if not allowed(caller, action, site_id, counter, ticket, now):
        details: dict[str, Any] = {"action": action.value}
        if caller.device_kind is DeviceKind.KIOSK and action is Action.CANCEL:
            minutes = int(KIOSK_CANCEL_WINDOW.total_seconds() // 60)
            details["rule"] = (
                f"a kiosk cancels only a waiting ticket it issued in the last {minutes} minutes"
            )
        raise QueueError("forbidden", details)


def may_administer_everything(caller: Caller) -> bool:
    """Only an admin of every office creates offices and gives access to every office."""
    return caller.role is Role.ADMIN and caller.site_id is None


def may_manage_user(caller: Caller, site_ids: frozenset[int] | None) -> bool:
    """Whether this caller may create, change or deactivate a user who acts at
    `site_ids` (None: every site): only within the caller's own offices."""
    if caller.role is not Role.ADMIN:
        return False
    mine = caller.site_ids
    if mine is None:
        return True
    return site_ids is not None and bool(site_ids) and site_ids <= mine


def require(allowed_here: bool) -> None:
    """Refuse, as every permission check does, when a check above said no."""
    if not allowed_here:
        raise QueueError("forbidden")
def sites_in_view(
    caller: Caller, site_ids: list[int], action: Action = Action.SUPERVISE
) -> list[int]:
    """Of these offices, those the caller may act on (a supervisor of several sees them
    side by side), in the order given."""
    return [site_id for site_id in site_ids if allowed(caller, action, site_id)]
