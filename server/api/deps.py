"""Reusable dependencies: the operations, the clock and the authenticated caller."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.auth import caller_for_token
from server.engine.errors import QueueError
from server.operations import Operations
from server.permissions import Caller

bearer = HTTPBearer(auto_error=False, description="A user's or a device's token")


def get_operations(request: Request) -> Operations:
    operations: Operations = request.app.state.operations
    return operations


OperationsDep = Annotated[Operations, Depends(get_operations)]


def get_now(operations: OperationsDep) -> datetime:
    return operations.clock()


NowDep = Annotated[datetime, Depends(get_now)]


def get_caller(
    operations: OperationsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise QueueError("not_authenticated")
    with operations.db.reading() as work:
        return caller_for_token(work, credentials.credentials, operations.clock())


CallerDep = Annotated[Caller, Depends(get_caller)]
