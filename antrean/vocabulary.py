"""The words server and devices share: states, kinds and categories.

They live in the shared package because they cross the wire; the server's
tables and the devices' screens both use them, so neither side spells them.
"""

from enum import StrEnum


class Priority(StrEnum):
    """Who gets the priority path required by Law 25/2009 art. 29."""

    NONE = "none"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    CHILD = "child"  # carrying or accompanying a small child
    OTHER = "other"

    @property
    def is_priority(self) -> bool:
        return self is not Priority.NONE


class Channel(StrEnum):
    KIOSK = "kiosk"
    COUNTER = "counter"
    WEB = "web"


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in {TicketStatus.DONE, TicketStatus.CANCELLED, TicketStatus.EXPIRED}

    @property
    def at_counter(self) -> bool:
        return self in {TicketStatus.CALLED, TicketStatus.SERVING}


class CounterState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    OFFICER = "officer"


class DeviceKind(StrEnum):
    KIOSK = "kiosk"
    COUNTER = "counter"
    DISPLAY = "display"


class EventType(StrEnum):
    """One per kind of change; every change to the queue appends one."""

    ISSUED = "issued"
    CALLED = "called"
    RECALLED = "recalled"
    STARTED = "started"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    REQUEUED = "requeued"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COUNTER_CHANGED = "counter_changed"
    RATED = "rated"


class Satisfaction(StrEnum):
    """The citizen's answer on the four faces at the counter, best first.

    The scores follow the 1–4 scale of the national satisfaction survey
    (SKM, Permenpan RB 14/2017), so reports can use them as they are.
    """

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def score(self) -> int:
        return _SCORES[self]

    @property
    def words(self) -> str:
        """In Indonesian, as printed under the face."""
        return _WORDS[self]


_SCORES = {
    Satisfaction.VERY_SATISFIED: 4,
    Satisfaction.SATISFIED: 3,
    Satisfaction.DISSATISFIED: 2,
    Satisfaction.VERY_DISSATISFIED: 1,
}
_WORDS = {
    Satisfaction.VERY_SATISFIED: "sangat puas",
    Satisfaction.SATISFIED: "puas",
    Satisfaction.DISSATISFIED: "kurang puas",
    Satisfaction.VERY_DISSATISFIED: "tidak puas",
}
