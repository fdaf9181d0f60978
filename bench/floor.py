"""The floor: the fastest a Python process can fan a question out to N sockets.

A bare `websockets` (asyncio) server that speaks just enough of docs/protocol.md for
`bench.loadgen` to drive it exactly as it drives the real server: phones `join` on
`/ws/play/<PIN>/` and get `joined`; the host on `/ws/host/<PIN>/` sends `start`/`next`
and every joined phone gets one `question` frame, encoded once and written with
`websockets.broadcast()` (no task, no yield, no copy per socket); `answer` gets
`answer_received` at once (nothing stored); when every phone has answered (or on
`close_question`) a `reveal` goes out; `next` after the last question (or `end`)
sends `finished`. No database, no Django, no channel layer: whatever the real server
adds on top of this, in the same run on the same machine, is its own cost.

Every PIN in the path is a game of its own (made when its first socket arrives), so
`bench.run --games N` measures N classes out of step against the floor exactly as it
does against the server: the same sockets in the same N groups.

    python -m bench.floor --port 8765 --questions 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

# A question as the seed quiz sends it (about 450 bytes of JSON), so the floor moves
# as many bytes per socket as the real server does.
QUESTION_PROMPT = (
    "Which Soviet leader hosted the 1966 talks at Tashkent that ended the Indo-Pakistani "
    "war of 1965, with Ayub Khan and Lal Bahadur Shastri at the table?"
)
QUESTION_CHOICES = [
    "Alexei Kosygin, the Soviet Premier",
    "Leonid Brezhnev, the General Secretary",
    "Nikolai Podgorny, the head of state",
    "Andrei Gromyko, the Foreign Minister",
]
TIME_LIMIT_MS = 20_000


def question_frame(*, seq: int, index: int, count: int) -> dict[str, Any]:
    """A `question` frame of realistic size for question `index` of `count`."""
    base = 1000 + index * 10
    return {
        "type": "question",
        "seq": seq,
        "question_id": base,
        "index": index,
        "count": count,
        "prompt": QUESTION_PROMPT,
        "kind": "choice",
        "choices": [{"id": base + i + 1, "text": text} for i, text in enumerate(QUESTION_CHOICES)],
        "time_limit_ms": TIME_LIMIT_MS,
        "remaining_ms": TIME_LIMIT_MS,
    }


@dataclass
class FloorGame:
    """One in-memory game: all the state the floor keeps."""

    questions: int
    seq: int = 0
    index: int = -1
    open: bool = False
    next_player_id: int = 1
    players: dict[ServerConnection, int] = field(default_factory=dict)
    hosts: set[ServerConnection] = field(default_factory=set)
    answered: set[int] = field(default_factory=set)

    def everyone(self) -> list[ServerConnection]:
        return [*self.players, *self.hosts]

    def send_all(self, frame: dict[str, Any]) -> None:
        # Encoded once; broadcast() writes the same text to each socket without a yield.
        broadcast(self.everyone(), json.dumps(frame, separators=(",", ":")))

    def advance(self) -> None:
        """`start`/`next`: the next question, or `finished` after the last."""
        self.seq += 1
        if self.index + 1 < self.questions:
            self.index += 1
            self.open = True
            self.answered.clear()
            self.send_all(question_frame(seq=self.seq, index=self.index, count=self.questions))
        else:
            self.finish_now(bump=False)

    def close(self) -> None:
        if not self.open:
            return
        self.open = False
        self.seq += 1
        base = 1000 + self.index * 10
        self.send_all(
            {
                "type": "reveal",
                "seq": self.seq,
                "question_id": base,
                "correct_choice_ids": [base + 1],
                "explanation": "Kosygin mediated; the Tashkent Declaration followed in 1966.",
            }
        )

    def finish_now(self, *, bump: bool = True) -> None:
        if bump:
            self.seq += 1
        self.open = False
        self.send_all({"type": "finished", "seq": self.seq, "rank": 1, "score": 0, "count": 0})


def _send(ws: ServerConnection, frame: dict[str, Any]) -> None:
    broadcast([ws], json.dumps(frame, separators=(",", ":")))


async def _player(ws: ServerConnection, game: FloorGame) -> None:
    first = json.loads(await ws.recv())
    if first.get("type") != "join":
        _send(ws, {"type": "error", "code": "not_joined", "message": "Join first.", "seq": 0})
        await ws.close(4400)
        return
    player_id = game.next_player_id
    game.next_player_id += 1
    nickname = str(first.get("nickname", ""))
    _send(
        ws,
        {
            "type": "joined",
            "seq": game.seq,
            "player": {"id": player_id, "nickname": nickname},
            "token": f"floor-{player_id}",
            "state": {"phase": "lobby", "seq": game.seq},
        },
    )
    game.players[ws] = player_id
    try:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "answer" and game.open and player_id not in game.answered:
                game.answered.add(player_id)
                _send(
                    ws,
                    {
                        "type": "answer_received",
                        "seq": game.seq,
                        "question_id": frame.get("question_id"),
                        "choice_id": frame.get("choice_id"),
                    },
                )
                if len(game.answered) >= len(game.players):
                    game.close()
            elif kind == "answer":
                _send(ws, {"type": "error", "code": "question_closed", "message": "Too late."})
            elif kind == "ping":
                _send(ws, {"type": "pong", "ref": frame.get("ref"), "seq": game.seq})
    finally:
        game.players.pop(ws, None)


async def _host(ws: ServerConnection, game: FloorGame, pin: str) -> None:
    game.hosts.add(ws)
    _send(ws, {"type": "lobby", "seq": game.seq, "pin": pin, "players": [], "locked": False})
    try:
        async for raw in ws:
            kind = json.loads(raw).get("type")
            if kind in ("start", "next"):
                game.advance()
            elif kind == "close_question":
                game.close()
            elif kind == "end":
                game.finish_now()
    finally:
        game.hosts.discard(ws)


def make_handler(games: dict[str, FloorGame], questions: int):
    """A handler that routes `/ws/host/<PIN>/` and `/ws/play/<PIN>/` to PIN's game."""

    async def handler(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        role, _, rest = path.removeprefix("/ws/").partition("/")
        pin = rest.strip("/")
        if role not in ("host", "play") or not pin:
            await ws.close(4404)
            return
        game = games.get(pin)
        if game is None:
            game = games[pin] = FloorGame(questions=questions)
        try:
            if role == "host":
                await _host(ws, game, pin)
            else:
                await _player(ws, game)
        except ConnectionClosed:
            pass

    return handler


async def serve_floor(*, host: str, port: int, questions: int, backlog: int = 2048) -> None:
    """Serve floor games (one per PIN) on host:port until SIGTERM/SIGINT."""
    games: dict[str, FloorGame] = {}
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        make_handler(games, questions),
        host,
        port,
        compression=None,
        ping_interval=None,
        max_size=64 * 1024,
        backlog=backlog,
    ):
        print(f"floor listening on {host}:{port}", flush=True)
        await stop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Raw websockets broadcast floor server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--questions", type=int, default=5)
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the floor listens on loopback only")
    asyncio.run(serve_floor(host=args.host, port=args.port, questions=args.questions))


if __name__ == "__main__":
    main()
