"""One POST to the office's gateway: the JSON body, its signature, and what the answer means.

The body (documented in docs/citizen.md) carries the number, the message
already worded, and the facts a gateway may word its own message from. Its
`delivery_id` is the same on every try of one text, so a gateway that saw
it already can drop a repeat (sent also as `Idempotency-Key`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import httpx

from antrean import __version__

# A gateway answering these may take the same text later; any other 4xx never will.
RETRY_STATUSES = frozenset({408, 409, 425, 429})
# Any run of digits long enough to be a phone number, however it is spaced.
_NUMBER_LIKE = re.compile(r"\+?\d(?:[\s.\-()]*\d){7,}")


@dataclass(frozen=True)
class Text:
    """One text to send, with everything its body says."""

    delivery_id: str
    phone: str
    message: str
    site_code: str
    site_name: str
    ticket_id: int
    ticket_code: str
    service_code: str
    service_name: str
    people_ahead: int
    status_url: str | None
    attempt: int
    created_at: datetime

    def body(self) -> dict[str, Any]:
        return {
            "event": "ticket_near_front",
            "delivery_id": self.delivery_id,
            "attempt": self.attempt,
            "created_at": self.created_at.isoformat(),
            "to": self.phone,
            "message": self.message,
            "language": "id",
            "site": {"code": self.site_code, "name": self.site_name},
            "ticket": {
                "id": self.ticket_id,
                "code": self.ticket_code,
                "service": self.service_code,
                "service_name": self.service_name,
                "people_ahead": self.people_ahead,
                "status_url": self.status_url,
            },
        }


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    REFUSED = "refused"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    detail: str


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(
    client: httpx.AsyncClient,
    url: str,
    text: Text,
    *,
    secret: str | None,
    headers: dict[str, str],
    timeout: float,
) -> Answer:
    """POST the text; never raises. 2xx is sent; a network failure, a timeout, 5xx
    and the "later" 4xx are tried again; any other 4xx is the gateway's refusal."""
    body = json.dumps(text.body(), ensure_ascii=False, separators=(",", ":")).encode()
    sent_headers = {
        **headers,
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"antrean/{__version__}",
        "Idempotency-Key": text.delivery_id,
        "X-Antrean-Delivery": text.delivery_id,
    }
    if secret:
        sent_headers["X-Antrean-Signature"] = signature(secret, body)
    try:
        answer = await client.post(url, content=body, headers=sent_headers, timeout=timeout)
    except httpx.HTTPError as error:
        return Answer(Outcome.RETRY, f"{type(error).__name__}: {error}"[:200])
    if 200 <= answer.status_code < 300:
        return Answer(Outcome.SENT, str(answer.status_code))
    # Kept with the notice and logged: never with the number a gateway may repeat back.
    detail = _NUMBER_LIKE.sub("…", f"HTTP {answer.status_code}: {answer.text[:150]}")
    if answer.status_code >= 500 or answer.status_code in RETRY_STATUSES:
        return Answer(Outcome.RETRY, detail)
    return Answer(Outcome.REFUSED, detail)
