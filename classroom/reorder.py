"""Put one game's broadcasts back in sequence order before they reach the sockets.

Several processes commit changes to one game one after another (the game row is
locked), but each publishes its broadcast itself after commit, so two broadcasts from
two processes can reach a third process's hub in the wrong order. Clients would then
see a gap, ask for a snapshot and drop the late frame as stale: correct, but every
phone of that process redraws at once. Holding an early broadcast for a moment until
the missing one arrives keeps the frames in order; if it never comes (at-most-once
delivery), the held ones go out after a short wait and the clients' gap check repairs.

Pure: no Django, no Channels, no event loop; the hub owns the clock.
"""

from __future__ import annotations

from typing import Any

AUDIENCES = ("host", "players")
# How long a broadcast waits for an earlier one that another process is still sending.
WAIT_S = 0.5


def _seqs(message: dict[str, Any]) -> dict[str, int]:
    return {
        audience: int(message[audience]["seq"])
        for audience in AUDIENCES
        if isinstance(message.get(audience), dict) and "seq" in message[audience]
    }


class Reorder:
    """The next expected seq of each audience of one game, and the broadcasts held."""

    def __init__(self) -> None:
        self.expected: dict[str, int | None] = dict.fromkeys(AUDIENCES)
        self.held: list[dict[str, Any]] = []

    def start_after(self, audience: str, seq: int) -> None:
        """Expect `seq + 1` next for `audience`, unless broadcasts already set it.

        The hub seeds this from its sockets' snapshots, so even the first broadcast a
        process hears for a game is checked against what its clients have seen.
        """
        if self.expected[audience] is None:
            self.expected[audience] = seq + 1

    def _in_order(self, message: dict[str, Any]) -> bool:
        # Stale (seq below expected) counts as in order: clients drop it themselves.
        return all(
            self.expected[audience] is None or seq <= self.expected[audience]
            for audience, seq in _seqs(message).items()
        )

    def _advance(self, message: dict[str, Any]) -> None:
        for audience, seq in _seqs(message).items():
            current = self.expected[audience]
            self.expected[audience] = seq + 1 if current is None else max(current, seq + 1)

    def push(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Return the broadcasts to deliver now, in order; hold the rest."""
        if not self._in_order(message):
            self.held.append(message)
            return []
        ready = [message]
        self._advance(message)
        ready.extend(self._release())
        return ready

    def _release(self) -> list[dict[str, Any]]:
        released = []
        progress = True
        while progress:
            progress = False
            for message in list(self.held):
                if self._in_order(message):
                    self.held.remove(message)
                    self._advance(message)
                    released.append(message)
                    progress = True
        return released

    def flush(self) -> list[dict[str, Any]]:
        """Give up waiting: every held broadcast, lowest seqs first."""
        held = sorted(self.held, key=lambda m: tuple(_seqs(m).get(a, 0) for a in AUDIENCES))
        self.held = []
        for message in held:
            self._advance(message)
        return held
