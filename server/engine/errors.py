"""A queue command's refusal, raised by the rules and answered by the API and the sockets.

The codes and their words are the shared contract's (`antrean.refusals`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from antrean.refusals import REASONS, Reason

__all__ = ["REASONS", "QueueError", "Reason", "error_body"]


@dataclass
class QueueError(Exception):
    """A refusal. `details` adds facts such as the next opening time."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in REASONS:
            raise KeyError(f"unknown refusal code {self.code!r}")
        super().__init__(self.code)

    @property
    def reason(self) -> Reason:
        return REASONS[self.code]

    @property
    def status(self) -> int:
        return self.reason.status

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.details)


def error_body(code: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    reason = REASONS[code]
    body: dict[str, Any] = {"code": code, "message": {"id": reason.id, "en": reason.en}}
    if details:
        body["details"] = details
    return {"error": body}
