"""How a game deals choices (quizzes/choice_order.py): nothing in the order or the ids
tells the answer. Pure: no database, no event loop.

The statistical tests deal the same question many times with a fixed seed and compare
what they count with a uniform distribution by Pearson's chi-square. The thresholds
are the chi-square distribution's 0.1 % upper tail: a fair dealer fails one such test
once in a thousand seeds, a dealer with the key first (or the lowest id on the key)
fails every time by orders of magnitude.
"""

import random
from collections import Counter
from itertools import permutations

import pytest

from quizzes import kinds
from quizzes.choice_order import ID_MAX, ID_MIN, AuthoredChoice, new_id


def deal(kind, authored, rng, taken):
    """Deal as a game does: with the dealer the kind declares (quizzes/kinds.py)."""
    return kinds.get(kind).deal(authored, rng, taken)


DEALS = 6000
# Upper 0.1 % points of the chi-square distribution, by degrees of freedom.
CHI2_999 = {1: 10.83, 2: 13.82, 3: 16.27, 15: 37.70, 22: 48.27, 23: 49.73}


def chi_square(counts: Counter, cells: list) -> float:
    """Pearson's statistic of `counts` against the uniform distribution over `cells`."""
    total = sum(counts[cell] for cell in cells)
    expected = total / len(cells)
    return sum((counts[cell] - expected) ** 2 / expected for cell in cells)


def assert_uniform(counts: Counter, cells: list) -> None:
    assert set(counts) <= set(cells), set(counts) - set(cells)
    statistic = chi_square(counts, cells)
    limit = CHI2_999[len(cells) - 1]
    assert statistic < limit, f"chi-square {statistic:.1f} >= {limit} for {dict(counts)}"


def key_first(n: int) -> list[AuthoredChoice]:
    """How editors write a question: the key first."""
    return [AuthoredChoice(text=f"choice {i}", is_correct=i == 0) for i in range(n)]


def deals(kind: str, authored: list[AuthoredChoice], *, seed: int = 2024, n: int = DEALS):
    rng = random.Random(seed)
    for _ in range(n):
        yield deal(kind, authored, rng, set())


def rank_of(choice_id: int, ids: list[int]) -> int:
    return sorted(ids).index(choice_id)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_key_is_shown_in_every_position_equally_often(n):
    positions = Counter()
    for dealt in deals("choice", key_first(n)):
        [key] = dealt.correct_choice_ids
        positions[[c["id"] for c in dealt.choices].index(key)] += 1
    assert_uniform(positions, list(range(n)))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_keys_id_is_the_lowest_second_or_highest_equally_often(n):
    ranks = Counter()
    for dealt in deals("choice", key_first(n), seed=7):
        ids = [c["id"] for c in dealt.choices]
        ranks[rank_of(dealt.correct_choice_ids[0], ids)] += 1
    assert_uniform(ranks, list(range(n)))


def test_the_order_of_ids_is_independent_of_the_shown_order_and_the_key():
    # Every (shown position, id rank) pair of the key is equally likely: knowing where
    # the key is shown says nothing about its id, and the other way round.
    pairs = Counter()
    for dealt in deals("choice", key_first(4), seed=11, n=2 * DEALS):
        ids = [c["id"] for c in dealt.choices]
        key = dealt.correct_choice_ids[0]
        pairs[(ids.index(key), rank_of(key, ids))] += 1
    assert_uniform(pairs, [(p, r) for p in range(4) for r in range(4)])


def test_an_order_question_is_never_shown_in_the_right_order():
    shown = Counter()
    for dealt in deals("order", key_first(4), seed=3):
        right = dealt.correct_choice_ids
        shown[tuple(right.index(c["id"]) for c in dealt.choices)] += 1
    wrong_orders = [p for p in permutations(range(4)) if p != (0, 1, 2, 3)]
    assert (0, 1, 2, 3) not in shown
    # And every wrong order is as likely as any other: the shown order is no clue either.
    assert_uniform(shown, wrong_orders)


def test_sorting_an_order_questions_ids_gives_any_order_equally_often():
    # The old leak: database ids, sorted, were the right order.
    by_rank = Counter()
    for dealt in deals("order", key_first(4), seed=5):
        right = dealt.correct_choice_ids
        by_rank[tuple(right.index(i) for i in sorted(right))] += 1
    assert_uniform(by_rank, list(permutations(range(4))))


def test_an_order_questions_key_is_the_authored_order_under_the_new_ids():
    authored = [AuthoredChoice(text=t) for t in ("1950", "1966", "1979")]
    dealt = deal("order", authored, random.Random(1), set())
    text = {c["id"]: c["text"] for c in dealt.choices}
    assert [text[i] for i in dealt.correct_choice_ids] == ["1950", "1966", "1979"]


@pytest.mark.parametrize("written", [("True", "False"), ("False", "True")])
def test_true_false_is_always_true_then_false(written):
    authored = [AuthoredChoice(text=t, is_correct=t == "False") for t in written]
    for dealt in deals("true_false", authored, n=50):
        assert [c["text"] for c in dealt.choices] == ["True", "False"]
        assert dealt.correct_choice_ids == [dealt.choices[1]["id"]]


def test_ids_are_whole_numbers_in_the_declared_range_and_unique_within_a_game():
    rng = random.Random(9)
    taken: set[int] = set()
    ids = []
    for _ in range(300):
        ids += [c["id"] for c in deal("choice", key_first(4), rng, taken).choices]
    assert len(ids) == len(set(ids)) == len(taken) == 1200
    assert all(type(i) is int and ID_MIN <= i <= ID_MAX for i in ids)


def test_a_new_id_skips_ids_the_game_already_gave_out():
    class Repeating(random.Random):
        """Draws the same number twice, then another."""

        def __init__(self) -> None:
            super().__init__(0)
            self.draws = iter([ID_MIN, ID_MIN, ID_MIN + 1])

        def randint(self, a: int, b: int) -> int:
            return next(self.draws)

    rng = Repeating()
    taken: set[int] = set()
    assert (new_id(rng, taken), new_id(rng, taken)) == (ID_MIN, ID_MIN + 1)


def test_the_same_seed_deals_the_same_game_and_another_seed_another():
    authored = key_first(4)
    first = deal("choice", authored, random.Random(42), set())
    again = deal("choice", authored, random.Random(42), set())
    other = deal("choice", authored, random.Random(43), set())
    assert first == again
    assert [c["id"] for c in first.choices] != [c["id"] for c in other.choices]


def test_a_year_guess_has_no_choices():
    assert deal("year_guess", [], random.Random(1), set()).choices == []


def test_a_verdict_is_dealt_as_written_under_fresh_random_ids():
    from quizzes.choice_order import deal_as_written

    authored = [AuthoredChoice("Success"), AuthoredChoice("Failure", is_correct=True)]
    taken: set[int] = set()
    dealt = deal_as_written(authored, random.Random(7), taken)
    assert [c["text"] for c in dealt.choices] == ["Success", "Failure"]
    assert dealt.correct_choice_ids == [dealt.choices[1]["id"]]
    assert all(ID_MIN <= c["id"] <= ID_MAX for c in dealt.choices) and len(taken) == 2
    # The kind writes its own pair; without an event there is no source verdict to key.
    alone = deal("verdict", kinds.get("verdict").authored([], event=None), random.Random(7), set())
    assert [c["text"] for c in alone.choices] == ["Success", "Failure"]
    assert alone.correct_choice_ids == []
