"""classroom/daphne_inbox.py: the per-connection inbox Daphne's server is given."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import textwrap

import pytest
from daphne.cli import CommandLineInterface
from daphne.server import Server as DaphneServer

from classroom import daphne_inbox
from classroom.daphne_inbox import Inbox

# sha256 of Daphne 4.2.3's Server.create_application, which daphne_inbox.Server copies.
DAPHNE_CREATE_APPLICATION = "6d6da219bd73c1338da9c91ee957b27140ef0f0f16c50db47a8279df167be32f"


def test_the_copy_is_current_exactly_when_daphnes_source_hashes_to_the_copied_one():
    source = textwrap.dedent(inspect.getsource(DaphneServer.create_application))
    same = hashlib.sha256(source.encode()).hexdigest() == DAPHNE_CREATE_APPLICATION
    assert daphne_inbox.copy_is_current() is same
    assert daphne_inbox.COPIED_CREATE_APPLICATION == DAPHNE_CREATE_APPLICATION


def test_a_changed_daphne_keeps_its_own_server(monkeypatch, caplog):
    before = CommandLineInterface.server_class
    monkeypatch.setattr(daphne_inbox, "COPIED_CREATE_APPLICATION", "0" * 64)
    try:
        assert daphne_inbox.use_in_daphne_command_line() is False
        assert CommandLineInterface.server_class is before
        assert "not the one classroom/daphne_inbox.py copied" in caplog.text
    finally:
        CommandLineInterface.server_class = before


async def test_messages_come_out_in_the_order_they_were_put():
    inbox = Inbox()
    for number in range(5):
        inbox.put_nowait({"n": number})
    assert inbox.qsize() == 5
    assert [(await inbox.get())["n"] for _ in range(5)] == [0, 1, 2, 3, 4]
    assert inbox.empty()


async def test_a_waiting_reader_gets_the_message_put_later():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    inbox.put_nowait("connect")
    inbox.put_nowait("receive")
    assert await reader == "connect"
    assert await inbox.get() == "receive"


async def test_a_cancelled_reader_loses_no_message():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("kept")
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert await inbox.get() == "kept"


async def test_an_idle_inbox_holds_no_deque():
    inbox = Inbox()
    inbox.put_nowait("one")
    await inbox.get()
    # What the inbox is for: an idle connection holds two empty slots, not four deques.
    assert inbox._items is None and inbox._waiter is None


def test_the_daphne_command_line_builds_the_inbox_server_with_the_copied_daphne(monkeypatch):
    # As with Daphne 4.2.3, whatever Daphne this machine has.
    monkeypatch.setattr(daphne_inbox, "copy_is_current", lambda: True)
    before = CommandLineInterface.server_class
    try:
        assert daphne_inbox.use_in_daphne_command_line() is True
        assert CommandLineInterface.server_class is daphne_inbox.Server
    finally:
        CommandLineInterface.server_class = before
