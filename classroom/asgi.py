"""ASGI entry point: HTTP through Django, websockets through Channels.

`get_asgi_application()` runs first so the app registry is ready before the
consumers (which import models) are imported.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "classroom.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
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
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
