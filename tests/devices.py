"""What the device programs' live tests share: the program running whole on its own
task for as long as the test needs it, and waiting until something shows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from gpiozero.pins.mock import MockFactory

from antrean.client import DeviceClient


@asynccontextmanager
async def running(
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    client: DeviceClient,
    *,
    online: bool = True,
    timeout: float = 15,
    pins: MockFactory | None = None,
) -> AsyncIterator[None]:
    """`run(stop)` on a task, online with its server first unless `online` is False;
    stopped and awaited when the block ends, and then its mock `pins` reset."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop))
    try:
        if online:
            await client.wait_online(timeout)
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout)
        finally:
            if pins is not None:
                pins.reset()


async def until(
    condition: Callable[[], bool], timeout: float, shown: Callable[[], object] | None = None
) -> None:
    """Wait for `condition`; past `timeout`, fail with what `shown` says the device shows."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            detail = f": {shown()}" if shown is not None else ""
            raise AssertionError(f"still not so after {timeout} s{detail}")
        await asyncio.sleep(0.02)
