"""The floor keeps a game per PIN, so many classes can be measured against it."""

import asyncio
import json

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from bench.floor import make_handler


async def _recv_type(ws, kind, timeout=5):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if frame["type"] == kind:
            return frame


async def test_a_question_goes_only_to_the_phones_of_the_game_whose_host_asked():
    games = {}
    async with serve(make_handler(games, questions=1), "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        base = f"ws://127.0.0.1:{port}"
        async with (
            connect(f"{base}/ws/host/000001/") as host_a,
            connect(f"{base}/ws/host/000002/") as host_b,
            connect(f"{base}/ws/play/000001/") as phone_a,
            connect(f"{base}/ws/play/000002/") as phone_b,
        ):
            assert (await _recv_type(host_a, "lobby"))["pin"] == "000001"
            assert (await _recv_type(host_b, "lobby"))["pin"] == "000002"
            for phone in (phone_a, phone_b):
                await phone.send(json.dumps({"type": "join", "nickname": "Ann"}))
                await _recv_type(phone, "joined")
            await host_a.send(json.dumps({"type": "start"}))
            question = await _recv_type(phone_a, "question")
            assert question["index"] == 0
            # Game B's phone hears nothing: its host has not started.
            await phone_b.send(json.dumps({"type": "ping", "ref": 1}))
            assert (json.loads(await asyncio.wait_for(phone_b.recv(), 5)))["type"] == "pong"
            # Game A closes when its one phone answers; game B is still in its lobby.
            await phone_a.send(json.dumps({"type": "answer", "question_id": 1000}))
            await _recv_type(phone_a, "answer_received")
            await _recv_type(host_a, "reveal")
            assert set(games) == {"000001", "000002"}
            assert games["000001"].index == 0 and games["000002"].index == -1


async def test_a_path_without_a_pin_is_closed():
    async with serve(make_handler({}, questions=1), "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/ws/play/") as ws:
            await ws.wait_closed()
            assert ws.close_code == 4404
