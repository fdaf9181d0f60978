"""classroom/batching.py's GroupCommit: when a group goes to the database."""

import asyncio

from classroom.batching import GroupCommit

WINDOW_S = 0.2
FLUSH_S = 0.3


class Recorded(GroupCommit[str]):
    """Each flush takes FLUSH_S (a slow transaction); when each began, and its items."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.flushes: list[tuple[float, list[str]]] = []

    def add(self, item: str) -> None:
        self._add(1, item)

    async def _flush(self, game_id: int, batch: list[str]) -> None:
        self.flushes.append((asyncio.get_running_loop().time(), batch))
        await asyncio.sleep(FLUSH_S)


async def _at(start: float, offset: float) -> None:
    await asyncio.sleep(max(0.0, start + offset - asyncio.get_running_loop().time()))


async def test_a_group_goes_a_window_after_its_first_item():
    group = Recorded(window_s=WINDOW_S, max_batch=200)
    start = asyncio.get_running_loop().time()
    group.add("a")
    await _at(start, 0.05)
    group.add("b")
    await _at(start, WINDOW_S + FLUSH_S + 0.05)
    [(began, batch)] = group.flushes
    assert batch == ["a", "b"]
    assert began - start >= WINDOW_S


async def test_items_that_came_during_a_flush_go_a_window_after_the_first_of_them():
    group = Recorded(window_s=WINDOW_S, max_batch=200)
    start = asyncio.get_running_loop().time()
    group.add("a")  # flushed from 0.2 to 0.5
    await _at(start, 0.35)
    group.add("b")  # during that flush: its group goes at 0.55, not at 0.5 + 0.2
    await _at(start, 0.45)
    group.add("c")
    await _at(start, 1.2)
    assert [batch for _at_, batch in group.flushes] == [["a"], ["b", "c"]]
    second = group.flushes[1][0] - start
    # Not before b's window is over; well before a whole window after the first flush
    # (0.7 s), with room for a busy machine's late timers.
    assert second + 0.01 >= 0.35 + WINDOW_S and second < 0.5 + WINDOW_S


async def test_a_full_group_goes_at_once():
    group = Recorded(window_s=WINDOW_S, max_batch=3)
    start = asyncio.get_running_loop().time()
    for item in "abcd":
        group.add(item)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert group.flushes and group.flushes[0][1] == ["a", "b", "c"]
    assert group.flushes[0][0] - start < WINDOW_S
    await _at(start, FLUSH_S + 0.05)
    # What was left over had waited already: no new window for it.
    assert [batch for _at_, batch in group.flushes] == [["a", "b", "c"], ["d"]]
