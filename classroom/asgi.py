"""ASGI entry point: HTTP through Django, websockets through Channels.

`get_asgi_application()` runs first so the app registry is ready before the
consumers (which import models) are imported.
"""

import gc
import logging
import os
import sys
from pathlib import Path

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "classroom.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from classroom.routing import websocket_urlpatterns  # noqa: E402

http_app = django_asgi_app
if settings.SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    http_app = ASGIStaticFilesHandler(django_asgi_app)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # Origin is checked inside the consumers so that a refused socket gets an
        # `error` frame before the close (Daphne drops close reasons).
        # Sessions only, no AuthMiddleware: it looks the user up on the process's one
        # database thread before the handshake completes, for every phone of a join
        # storm, and nothing reads scope["user"] (the projector checks its session's
        # user itself, fresh, on connect and on every command). The session is the
        # projector's alone (classroom/routing.py): a phone has none.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)


def _running_under_daphne() -> bool:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name == "daphne.__main__":
        return True
    return Path(sys.argv[0]).name == "daphne"


def _exit_after_shutdown() -> None:
    """Leave without interpreter finalisation once Daphne has shut down.

    On SIGTERM with websockets open, CPython before 3.11.8 (Debian 12 ships 3.11.2)
    segfaults while garbage-collecting a coroutine left waiting on an asyncio.Queue
    (python/cpython#113566). Daphne has closed every socket and waited for every
    application instance by now, and nothing acknowledged is only in memory (answers
    are stored before `answer_received`), so exiting here loses nothing a clean
    finalisation would have kept: docs/resilience.md.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# Garbage collector tuning for a process holding thousands of sockets. With the
# default thresholds a full collection ran about once per question at 2,000 phones and
# took 340-590 ms each (it found nothing to free), stalling the fan-out and the acks of
# everyone. Freezing what exists after start-up (Django, Twisted, the modules: never
# garbage) takes it out of every later scan, and a larger young generation lets the
# per-question objects (frames, answer batches) die young instead of being promoted.
# Measured with bench.run, 2,000 phones, one process: fan-out p99 894 -> 438 ms, ack
# p50 551 -> 271 ms, p99 1,673 -> 633 ms; memory per phone unchanged (31-32 KiB).
GC_THRESHOLDS = (50_000, 20, 10)


def load_channel_layer() -> None:
    """Build the channel layer (no connection yet) before the first socket needs it.

    channels-redis imports redis-py only then: some 5-7 MiB of modules, imported in the
    middle of the first phone's join (and counted per phone by bench.run's memory figure
    with several processes), and kept out of `gc.freeze()`'s start-up set."""
    from channels.layers import get_channel_layer

    get_channel_layer()


def tune_garbage_collector() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


if _running_under_daphne():
    from twisted.internet import reactor

    from classroom.daphne_server import use_in_daphne_command_line

    use_in_daphne_command_line()

    reactor.addSystemEventTrigger("after", "shutdown", _exit_after_shutdown)
    load_channel_layer()
    tune_garbage_collector()
