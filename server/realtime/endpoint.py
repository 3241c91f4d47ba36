"""The one websocket endpoint every device and live page connects to.

The token comes in the hello frame (browsers cannot set headers on a
websocket, and a query string would end up in access logs); clients that can
may send `Authorization: Bearer …` instead and leave it out of the hello.

The socket is answered before FastAPI's routing and middleware
(`server.realtime.asgi.SocketFirst`): they would stay suspended in every open
connection's call stack for as long as it lasts.
"""

from __future__ import annotations

from server.realtime.asgi import SocketFirst
from server.realtime.service import Realtime
from server.realtime.session import DeviceSession


def install(app: SocketFirst, realtime: Realtime) -> None:
    # The session's run() is awaited directly: no frame of ours in between.
    app.socket_handler = lambda socket: DeviceSession(socket, realtime).run()
