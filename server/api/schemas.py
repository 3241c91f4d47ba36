"""Request bodies of the REST API; answers reuse the wire contract's models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from antrean.protocol import CounterNumber, ReasonText, ServiceCode
from antrean.vocabulary import CounterState, Priority, Role, Satisfaction

RequestId = Annotated[
    str, StringConstraints(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Retriable(Body):
    request_id: RequestId | None = Field(
        default=None, description="Made by the client; a retry with the same id changes nothing"
    )


class TicketRequest(Retriable):
    service: ServiceCode
    priority: Priority = Priority.NONE


class CancelRequest(Retriable):
    reason: ReasonText | None = None


class TransferRequest(Retriable):
    service: ServiceCode
    note: ReasonText | None = None


class RateRequest(Retriable):
    satisfaction: Satisfaction


class CallRequest(Retriable):
    counter: CounterNumber


class CounterStateRequest(Retriable):
    state: CounterState
    reason: ReasonText | None = None


class Credentials(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenAnswer(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: Role
    site: str | None


class ServicePublic(BaseModel):
    code: str
    name: str
    requirements: str
    active: bool
    daily_quota: int | None
    default_service_minutes: float


class SitePublic(BaseModel):
    code: str
    name: str
    timezone: str
    address_lines: list[str]
