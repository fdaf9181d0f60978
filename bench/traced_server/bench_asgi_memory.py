"""The project's ASGI application under tracemalloc, for bench/memory.py.

Snapshots (gc first) go to $MEM_OUT-0.snap when the first phone's socket opens (the
projector's is the first socket) and to $MEM_OUT-n.snap $MEM_DELAY seconds after the
$MEM_PLAYERS-th phone's socket opened. Tracing starts before Django is imported. With
several processes, put `{pid}` in $MEM_OUT (each process writes its own snapshots) and
give $MEM_PLAYERS the phones each process gets (bench.run deals them in turn)."""

import asyncio
import gc
import os
import tracemalloc

tracemalloc.start(int(os.environ.get("MEM_FRAMES", "12")))

from classroom.asgi import application as project_application  # noqa: E402

PLAYERS = int(os.environ["MEM_PLAYERS"])
OUT = os.environ["MEM_OUT"].format(pid=os.getpid())
DELAY = float(os.environ.get("MEM_DELAY", "4"))
sockets_seen = 0


def dump(name: str) -> None:
    gc.collect()
    tracemalloc.take_snapshot().dump(f"{OUT}-{name}.snap")
    print(f"tracemalloc snapshot {name} after {sockets_seen} sockets", flush=True)


async def application(scope, receive, send):
    global sockets_seen
    if scope["type"] == "websocket":
        sockets_seen += 1
        if sockets_seen == 2:
            dump("0")
        if sockets_seen == PLAYERS + 1:
            asyncio.get_running_loop().call_later(DELAY, dump, "n")
    return await project_application(scope, receive, send)
