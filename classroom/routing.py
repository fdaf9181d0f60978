"""Websocket routes of the live game (docs/protocol.md): a PIN is 6 digits."""

from channels.sessions import SessionMiddlewareStack
from django.urls import re_path

from classroom.consumers import HostConsumer, PlayerConsumer

# Only the projector reads its session (the teacher's login). A phone's socket has none:
# the session middleware's copy of the scope, its cookie parse and its lazy session
# object were about 1.6 KiB held for as long as each phone stayed connected.
websocket_urlpatterns = [
    re_path(r"^ws/host/(?P<pin>[0-9]{6})/$", SessionMiddlewareStack(HostConsumer.as_asgi())),
    re_path(r"^ws/play/(?P<pin>[0-9]{6})/$", PlayerConsumer.as_asgi()),
]
