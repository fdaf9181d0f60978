"""Websocket routes of the live game (docs/protocol.md): a PIN is 6 digits."""

from django.urls import re_path

from classroom.consumers import HostConsumer, PlayerConsumer

websocket_urlpatterns = [
    re_path(r"^ws/host/(?P<pin>[0-9]{6})/$", HostConsumer.as_asgi()),
    re_path(r"^ws/play/(?P<pin>[0-9]{6})/$", PlayerConsumer.as_asgi()),
]
