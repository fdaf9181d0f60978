"""Rate limits with the clock passed in, so they test without sleeping.

- `TokenBucket`: one socket's frame rate (protocol: about 20 frames a second). Starts
  full (`burst` tokens), refills at `rate` tokens a second up to `burst`.
- `KeyedBudget`: attempts per key (an IP address, say) in a sliding window, for
  unknown-PIN guesses. Memory is bounded: beyond `max_keys` keys the least recently
  used key is forgotten (a forgotten key starts afresh, which only ever errs towards
  letting a school through).

Both treat a clock that goes backwards as no time passing. Neither is thread-safe:
each lives in one asyncio event loop.

Pure: stdlib only.
"""

from __future__ import annotations

from collections import OrderedDict, deque


class TokenBucket:
    def __init__(self, *, rate: float, burst: float) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("rate and burst must be positive.")
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)
        self._last: float | None = None

    def allow(self, now: float, cost: float = 1.0) -> bool:
        """Take `cost` tokens if there are that many; a refusal takes nothing."""
        if cost < 0:
            raise ValueError("cost cannot be negative.")
        if self._last is not None and now > self._last:
            self.tokens = min(self.burst, self.tokens + (now - self._last) * self.rate)
        if self._last is None or now > self._last:
            self._last = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False


class KeyedBudget:
    def __init__(self, *, limit: int, window_s: float, max_keys: int = 10_000) -> None:
        if limit < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("limit, window_s and max_keys must be positive.")
        self.limit = limit
        self.window_s = float(window_s)
        self.max_keys = max_keys
        # key -> times of its allowed attempts within the window, oldest first;
        # the dict is ordered from least to most recently hit key.
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str, now: float) -> bool:
        """Count one attempt for `key`; True if it is within the budget.

        Only allowed attempts are recorded (at most `limit` per key), so a client that
        keeps knocking while refused is let in again once its oldest allowed attempt
        leaves the window, and memory per key stays bounded.
        """
        times = self._hits.get(key)
        if times is None:
            times = deque()
            self._hits[key] = times
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
            if times and now < times[-1]:
                # The clock went back: keep the times ordered for the popleft below.
                now = times[-1]
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def remaining(self, key: str, now: float) -> int:
        """Attempts `key` may still make now (does not count as an attempt)."""
        times = self._hits.get(key, ())
        recent = sum(1 for t in times if t > now - self.window_s)
        return max(0, self.limit - recent)

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)

    def __len__(self) -> int:
        return len(self._hits)
