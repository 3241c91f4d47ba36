"""The one websocket endpoint every device and live page connects to.

The token comes in the hello frame (browsers cannot set headers on a
websocket, and a query string would end up in access logs); clients that can
may send `Authorization: Bearer …` instead and leave it out of the hello.
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from antrean.messages import WEBSOCKET_PATH
from server.realtime.service import Realtime
from server.realtime.session import DeviceSession

router = APIRouter()


@router.websocket(WEBSOCKET_PATH)
async def device_socket(websocket: WebSocket) -> None:
    realtime: Realtime = websocket.app.state.realtime
    await DeviceSession(websocket, realtime).run()
