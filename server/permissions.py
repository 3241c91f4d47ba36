"""Who may do what: every permission check in one place, for REST and sockets alike.

Users act at their own site (an admin without a site acts everywhere).
A kiosk issues tickets at its site and may cancel the tickets it issued (a
failed print); a counter keypad works its own counters only; a display only
watches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from antrean.vocabulary import DeviceKind, Role
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

    @property
    def actor(self) -> Actor:
        return Actor(self.label, user_id=self.user_id, device_id=self.device_id)


USER_ACTIONS = {
    Role.ADMIN: set(Action),
    Role.SUPERVISOR: {
        Action.VIEW,
        Action.ISSUE,
        Action.OPERATE,
        Action.CANCEL,
        Action.MANAGE_COUNTER,
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
    },
    DeviceKind.DISPLAY: {Action.VIEW},
}


def allowed(
    caller: Caller,
    action: Action,
    site_id: int,
    counter: int | None = None,
    ticket: Ticket | None = None,
) -> bool:
    if caller.site_id is not None and caller.site_id != site_id:
        return False
    if caller.role is not None:
        return action in USER_ACTIONS[caller.role]
    if caller.device_kind is None or action not in DEVICE_ACTIONS[caller.device_kind]:
        return False
    if caller.device_kind is DeviceKind.KIOSK and action is Action.CANCEL:
        return ticket is not None and ticket.device_id == caller.device_id
    if caller.device_kind is DeviceKind.COUNTER and action in {
        Action.OPERATE,
        Action.MANAGE_COUNTER,
        Action.CANCEL,
    }:
        return counter is not None and counter in caller.counters
    return True


def authorize(
    caller: Caller,
    action: Action,
    site_id: int,
    counter: int | None = None,
    ticket: Ticket | None = None,
) -> None:
    if not allowed(caller, action, site_id, counter, ticket):
        raise QueueError("forbidden", {"action": action.value})
