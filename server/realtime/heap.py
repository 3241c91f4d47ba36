"""Keeping the garbage collector's pauses short while the server runs.

With a thousand sockets open, one full collection walked every object the
imports, the app and the connections had made and stopped the event loop for
150-350 ms: the largest part of the fanout's p99. So at start-up everything
made so far is frozen (the collector skips it from then on) and collections
run less often; almost everything a delta allocates is freed by reference
counting anyway. At shutdown it is all put back, so a process that starts and
stops many apps (the tests) collects as usual in between.
"""

from __future__ import annotations

import gc
import threading

QUIET_THRESHOLDS = (10_000, 50, 50)

_lock = threading.Lock()
_holders = 0
_saved: tuple[int, int, int] | None = None


def quiet_collector() -> None:
    global _holders, _saved
    with _lock:
        if _holders == 0:
            _saved = gc.get_threshold()
            # No full collection first: it would cost more than the little
            # start-up garbage it frees, for every app a test process starts.
            gc.freeze()
            gc.set_threshold(*QUIET_THRESHOLDS)
        _holders += 1


def usual_collector() -> None:
    global _holders
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0 and _saved is not None:
            gc.unfreeze()
            gc.set_threshold(*_saved)
