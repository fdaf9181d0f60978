"""Start-up wiring happens in one place, ClassroomConfig.ready() (classroom/apps.py):
importing a module of the live game connects nothing and installs nothing."""

import ast
from pathlib import Path

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_migrate, post_save

from classroom import relay
from classroom.services import publish

CLASSROOM = Path(__file__).resolve().parents[2] / "classroom"
# Entry points: setting themselves up when loaded is their job.
ENTRY_POINTS = {"asgi.py", "settings.py"}


def _uids(signal) -> set:
    return {key[0] for key, *_ in signal.receivers}


def test_ready_wires_the_publisher_and_every_receiver_once():
    assert publish._publisher is relay.publish_from_sync
    assert "classroom.host_logout" in _uids(user_logged_out)
    assert "classroom.snapshot_cache" in _uids(post_save)
    assert "teachers_group" in _uids(post_migrate)


def test_no_module_of_the_live_game_does_anything_when_imported():
    # A call standing alone at a module's top level is a side effect of importing it
    # (a signal connected, a callback installed). Definitions and assignments only.
    found = []
    for path in sorted(CLASSROOM.rglob("*.py")):
        if "migrations" in path.parts or path.name in ENTRY_POINTS:
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                found.append(f"{path.relative_to(CLASSROOM)}:{node.lineno} {ast.unparse(node)}")
    assert found == []


def test_the_daphne_entry_point_builds_the_channel_layer_before_the_first_socket(monkeypatch):
    # Under Daphne, classroom/asgi.py builds the layer at start-up (with Redis, that
    # imports redis-py: megabytes a first phone's join would otherwise pay for).
    from channels.layers import channel_layers

    from classroom.asgi import load_channel_layer

    monkeypatch.setattr(channel_layers, "backends", {})  # as in a new process
    load_channel_layer()
    assert "default" in channel_layers.backends
