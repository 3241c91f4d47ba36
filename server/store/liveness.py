"""When a pooled PostgreSQL connection is checked before it is used.

Checking every connection at every checkout (SQLAlchemy's pre-ping) costs a
round trip per transaction, one in fifteen of a busy command's. A connection
given back a moment ago is as alive as that check would find it, so only a
connection that rested in the pool longer than `PING_AFTER_IDLE_S`, or that
was given back before another connection of the pool was found broken (the
server restarted, the network dropped it), is checked; one that fails the
check is replaced by a fresh one before anyone uses it.
"""

from __future__ import annotations

import math
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

# A server restart takes longer than this, so a connection that has rested
# less cannot have been cut by one without a broken connection telling us.
PING_AFTER_IDLE_S = 1.0
_RETURNED = "antrean_returned"


class Liveness:
    """Checks a pool's connections only when they may have gone away."""

    def __init__(self, engine: Engine, idle_seconds: float = PING_AFTER_IDLE_S) -> None:
        self.dialect = engine.dialect
        self.idle_seconds = idle_seconds
        self.lost_at = -math.inf
        self.checks = 0
        event.listen(engine, "connect", self._rested)
        event.listen(engine, "checkin", self._rested)
        event.listen(engine, "checkout", self._checkout)

    def lost(self) -> None:
        """A connection of this pool was found broken: check every one given back
        before now."""
        self.lost_at = time.monotonic()

    def _rested(self, _dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    def _checkout(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        now = time.monotonic()
        if returned is not None and returned > self.lost_at and now - returned < self.idle_seconds:
            return
        self.checks += 1
        try:
            self.dialect.do_ping(dbapi_connection)
        except self.dialect.loaded_dbapi.Error as error:
            if not self.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            self.lost()
            # The pool replaces this connection and runs the check on the new one.
            raise DisconnectionError(str(error)) from error
        record.info[_RETURNED] = now
