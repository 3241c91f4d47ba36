"""The server's threads and its database connections, sized together.

Queue commands, REST routes and socket hellos run in anyio's thread pool;
snapshot reads, token checks, health writes and other background reads (the
citizens' live pages, the dashboards, the texts, the audit log's watch) in the
event loop's default executor. Each holds at most one pooled connection at a
time, so the pool is as large as both together: a thread never waits for a
connection, and no more threads are started than there are connections to
use. Left alone, anyio starts up to 40 threads for 20 connections, and half
of them only wait, each costing a context switch and the interpreter's lock.

A thread coming back from the database must take the interpreter's lock from
whichever thread holds it, which gives it up only after its turn (Python's
switch interval, 5 ms by default). A command makes a dozen round trips, so
with the lock busy those waits, not the work, made most of a command's time:
at 150 commands/s over two processes, a 1-ms turn brought a call to every
display 1.6-1.8 times sooner at the 99th percentile, for less CPU, not more
(docs/performance.md#city).
"""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread


def connections_needed(command_threads: int, background_threads: int) -> int:
    return command_threads + background_threads


def size_thread_pools(
    command_threads: int, background_threads: int, switch_ms: float | None = None
) -> None:
    """On the running event loop, at start-up."""
    if switch_ms is not None:
        sys.setswitchinterval(switch_ms / 1000)
    anyio.to_thread.current_default_thread_limiter().total_tokens = command_threads
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=background_threads, thread_name_prefix="background")
    )
