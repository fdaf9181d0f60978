"""A websocket echo app for testing Daphne's own limits with the project's command line.

The limits under test are Daphne's (autobahn's), applied before any application code
runs, so the app behind them does not matter; this one accepts and echoes so a test can
tell a delivered message from a refused one.
"""

from typing import Any


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            pass
        return
    if scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"echo"})
        return
    while True:
        event = await receive()
        if event["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif event["type"] == "websocket.receive":
            size = len(event.get("text") or "") + len(event.get("bytes") or b"")
            await send({"type": "websocket.send", "text": str(size)})
        else:
            return
