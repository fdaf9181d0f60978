"""The join gate: a short sequence of answer shapes the projector shows, that a phone
must send with its `join` (docs/protocol.md, "Join gate").

A PIN is six digits a student can pass on to a friend at home; the shapes change every
20 seconds and are only on the projector, so someone who is not in the room cannot
join with the PIN alone.

How every process agrees without storing anything: the sequence of a game is derived
from a per-game key (an HMAC of the server's secret key and the game's id) and the
number of the 20-second window since the Unix epoch: HMAC-SHA256(key, window), one
shape per byte. Any process with the same secret key and a synchronised clock (NTP)
computes the same shapes, so a phone's join may land on any process, and a process
restart changes nothing. Nothing is written to the database every 20 seconds.

Kindness at the boundary: a student who read the shapes just before they changed is
still let in with the previous window's sequence for `GRACE_MS` (8 s) into the new
window; tapping four shapes takes about 3-5 seconds.

Pure: stdlib only. Times are Unix epoch milliseconds, passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

# In the order of the answer buttons (static/js/common.js SHAPE_NAMES): red triangle,
# blue diamond, yellow circle, green square.
SHAPES: tuple[str, ...] = ("triangle", "diamond", "circle", "square")
LENGTH = 4
WINDOW_MS = 20_000
GRACE_MS = 8_000
# What a `join` frame may carry in `gate` (classroom/inbound.py declares the field).
MAX_SENT = 8

Shapes = tuple[str, ...]


def game_key(secret: str, game_id: int) -> bytes:
    """The key of one game's sequences: nobody can compute it without the secret."""
    message = f"classroom.join_gate:{int(game_id)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def window_of(now_ms: int) -> int:
    return int(now_ms) // WINDOW_MS


def sequence(key: bytes, window: int) -> Shapes:
    """The shapes of `window`: four bytes of the HMAC, each a shape (256 = 4 x 64, so
    every shape is equally likely and the 256 sequences too)."""
    digest = hmac.new(key, int(window).to_bytes(8, "big", signed=True), hashlib.sha256).digest()
    return tuple(SHAPES[byte % len(SHAPES)] for byte in digest[:LENGTH])


def shown(key: bytes, now_ms: int) -> dict[str, object]:
    """What the projector shows now: `shapes`, and `changes_in_ms` until the next ones."""
    window = window_of(now_ms)
    return {
        "shapes": list(sequence(key, window)),
        "changes_in_ms": (window + 1) * WINDOW_MS - int(now_ms),
    }


def accepts(key: bytes, sent: Sequence[str], now_ms: int) -> bool:
    """Whether `sent` is the sequence on the projector now, or was until less than
    GRACE_MS ago. Compared in constant time, though there is little to learn."""
    given = "|".join(sent).encode()
    window = window_of(now_ms)
    candidates = [sequence(key, window)]
    if int(now_ms) - window * WINDOW_MS < GRACE_MS:
        candidates.append(sequence(key, window - 1))
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(given, "|".join(candidate).encode())
    return matched
