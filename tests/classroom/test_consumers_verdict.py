"""The verdict round over websockets (docs/protocol.md, "The verdict round"): a vote on
one event, Success then Failure, that scores nothing and leaves the streak alone; the
reveal gives the source's verdict beside the class's votes; `finished` links the answer
page only after a game that asked verdict questions."""

import pytest
from channels.db import database_sync_to_async

from classroom import frames
from classroom.models import Game, Player
from classroom.services import phases
from quizzes.models import Choice, Event, Question, Quiz, Timeline
from tests.classroom.conftest import host_socket, join

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = [
    # slug, year, title, verdict, reason
    ("alliance-1954", 1954, "Pakistan joins a Western alliance", "failure", "Moscow was angry."),
    ("oil-1961", 1961, "The USSR helps Pakistan look for oil", "success", "Soviet experts came."),
    ("invasion-1979", 1979, "Soviet troops enter Afghanistan", "failure", "Opposite sides."),
]


def verdict_quiz(*, with_verdicts: bool = True, fact_on_oil: bool = False) -> Quiz:
    """Q0 a choice on the alliance (its next event, the oil deal, is voted on later);
    Q1 a verdict on the oil deal; Q2 a verdict on the invasion. `fact_on_oil`: a choice
    question on the oil deal comes between Q0 and its verdict."""
    timeline = Timeline.objects.create(
        slug="verdict-line", title="Pakistan and the USSR", period_start=1947, period_end=1988
    )
    events = {
        slug: Event.objects.create(
            timeline=timeline,
            slug=slug,
            year=year,
            title=title,
            summary=f"{title}.",
            effect=Event.Effect.NEUTRAL,
            verdict=verdict,
            verdict_reason=reason,
        )
        for slug, year, title, verdict, reason in EVENTS
    }
    quiz = Quiz.objects.create(slug="verdicts", title="How successful?", timeline=timeline)
    first = Question.objects.create(
        quiz=quiz,
        slug="alliance",
        position=0,
        kind="choice",
        prompt="Which alliance?",
        explanation="SEATO: a failure.",
        event=events["alliance-1954"],
    )
    Choice.objects.create(question=first, position=0, text="SEATO", is_correct=True)
    Choice.objects.create(question=first, position=1, text="NATO")
    if fact_on_oil:
        fact = Question.objects.create(
            quiz=quiz,
            slug="oil-fact",
            position=1,
            kind="choice",
            prompt="Who sent experts?",
            explanation="The USSR.",
            event=events["oil-1961"],
        )
        Choice.objects.create(question=fact, position=0, text="The USSR", is_correct=True)
        Choice.objects.create(question=fact, position=1, text="The USA")
    if with_verdicts:
        for position, slug in ((2, "oil-1961"), (3, "invasion-1979")):
            Question.objects.create(
                quiz=quiz,
                slug=f"verdict-{slug}",
                position=position,
                kind="verdict",
                prompt=f"Was {events[slug].title} a success or a failure?",
                explanation=f"because {events[slug].verdict_reason.lower()}",
                event=events[slug],
            )
    return quiz


@pytest.fixture
def verdict_game(db, teacher) -> Game:
    return phases.game_create(quiz=verdict_quiz(), host=teacher)


def choice_ids(question: dict) -> dict[str, int]:
    return {c["text"]: c["id"] for c in question["choices"]}


async def close_and_reveal(host, phones):
    await host.send({"type": "close_question"})
    reveal = await host.until("reveal")
    return reveal, [await phone.until("reveal") for phone in phones]


async def test_a_verdict_question_offers_success_then_failure_and_nothing_of_the_verdict(
    verdict_game, teacher
):
    host = await host_socket(verdict_game, teacher)
    phone, _ = await join(verdict_game.pin, "Ayesha")
    await host.send({"type": "start"})
    await host.until("question")
    await close_and_reveal(host, [phone])
    await host.send({"type": "next"})
    shown = await host.until("question")
    asked = await phone.until("question")
    for frame in (shown, asked):
        assert frame["kind"] == "verdict"
        assert [c["text"] for c in frame["choices"]] == ["Success", "Failure"]
        # Before the reveal nothing says what the source thinks.
        assert "verdict" not in frame and not frames.ANSWER_KEYS & set(frame)
    await phone.send({"type": "answer", "question_id": asked["question_id"], "choice_id": 1})
    refused = await phone.expect("error")
    assert refused["code"] == "unknown_choice"


async def test_a_vote_scores_nothing_keeps_the_streak_and_the_reveal_gives_the_source_verdict(
    verdict_game, teacher
):
    host = await host_socket(verdict_game, teacher)
    phones = {}
    for name in ("Ayesha", "Bilal", "Chen"):
        phones[name], _ = await join(verdict_game.pin, name)
    await host.send({"type": "start"})
    first = await host.until("question")
    right = next(c["id"] for c in first["choices"] if c["text"] == "SEATO")
    await phones["Ayesha"].until("question")
    await phones["Ayesha"].send(
        {"type": "answer", "question_id": first["question_id"], "choice_id": right}
    )
    await phones["Ayesha"].expect("answer_received")
    _, reveals = await close_and_reveal(host, list(phones.values()))
    ayesha_before = reveals[0]
    assert ayesha_before["correct"] and ayesha_before["streak"] == 1

    await host.send({"type": "next"})
    question = await host.until("question")
    ids = choice_ids(question)
    votes = {"Ayesha": "Failure", "Bilal": "Success", "Chen": "Success"}
    for name, vote in votes.items():
        await phones[name].until("question")
        await phones[name].send(
            {"type": "answer", "question_id": question["question_id"], "choice_id": ids[vote]}
        )
        ack = await phones[name].expect("answer_received")
        assert ack["choice_id"] == ids[vote]
    # Everyone voted: the question closes by itself.
    reveal = await host.until("reveal")
    expected_verdict = {
        "choice_id": ids["Success"],
        "reason": "because soviet experts came.",
        "event": {"title": "The USSR helps Pakistan look for oil", "date": "1961"},
    }
    assert reveal["kind"] == "verdict"
    assert reveal["correct_choice_ids"] == []
    assert reveal["verdict"] == expected_verdict
    assert reveal["distribution"] == {str(ids["Success"]): 2, str(ids["Failure"]): 1}
    assert reveal["correct_count"] == 0 and reveal["answered"] == 3
    mine = {}
    for name, vote in votes.items():
        mine[name] = await phones[name].until("reveal")
        assert mine[name]["correct_choice_ids"] == [] and mine[name]["verdict"] == expected_verdict
        assert mine[name]["your_choice_id"] == ids[vote]
        assert mine[name]["correct"] is False and mine[name]["points"] == 0
    # Ayesha's streak and score are what they were before the vote.
    assert (mine["Ayesha"]["score"], mine["Ayesha"]["streak"]) == (ayesha_before["score"], 1)
    stored = await database_sync_to_async(
        lambda: {p.nickname: (p.score, p.streak, p.correct_count) for p in Player.objects.all()}
    )()
    assert stored["Ayesha"] == (ayesha_before["score"], 1, 1)
    assert stored["Bilal"] == (0, 0, 0)


async def test_a_reveal_hides_the_verdict_of_an_event_the_class_has_still_to_judge(
    verdict_game, teacher
):
    host = await host_socket(verdict_game, teacher)
    phone, _ = await join(verdict_game.pin, "Ayesha")
    await host.send({"type": "start"})
    await host.until("question")
    first, _ = await close_and_reveal(host, [phone])
    # The oil deal comes next on the timeline and is voted on next: it is left off the
    # mini-timeline altogether (a later question asks about it), so neither its title
    # nor its verdict is seen before the vote.
    assert first["event"]["verdict"] == "failure"
    assert first["neighbours"]["next"] is None
    await host.send({"type": "next"})
    await host.until("question")
    oil, _ = await close_and_reveal(host, [phone])
    # Its own verdict now; the alliance was judged already; the invasion still waits.
    assert oil["event"]["verdict"] == "success"
    assert oil["neighbours"]["prev"]["verdict"] == "failure"
    assert oil["neighbours"]["next"] is None
    await host.send({"type": "next"})
    await host.until("question")
    invasion, _ = await close_and_reveal(host, [phone])
    assert invasion["neighbours"]["prev"]["verdict"] == "success"


async def test_finished_links_the_answer_page_after_a_game_with_verdict_questions(
    verdict_game, teacher
):
    host = await host_socket(verdict_game, teacher)
    phone, _ = await join(verdict_game.pin, "Ayesha")
    await host.send({"type": "start"})
    for _ in range(3):
        await host.until("question")
        await close_and_reveal(host, [phone])
        await host.send({"type": "next"})
    finished = await host.until("finished")
    assert finished["answer_url"] == f"/host/{verdict_game.pin}/answer/"
    assert "answer_url" not in await phone.until("finished")
    await host.send({"type": "sync"})
    state = await host.until("state")
    assert state["phase"] == "finished" and state["answer_url"] == finished["answer_url"]


async def test_a_reveal_hides_its_own_events_verdict_until_the_class_has_judged_it(teacher):
    game = await database_sync_to_async(
        lambda: phases.game_create(quiz=verdict_quiz(fact_on_oil=True), host=teacher)
    )()
    host = await host_socket(game, teacher)
    phone, _ = await join(game.pin, "Ayesha")
    await host.send({"type": "start"})
    await host.until("question")
    await close_and_reveal(host, [phone])
    await host.send({"type": "next"})
    await host.until("question")
    fact, _ = await close_and_reveal(host, [phone])
    # A question on the oil deal before its verdict: the reveal shows no event box at
    # all (the vote on the same event comes later), so its verdict stays unseen.
    assert fact["event"] is None
    await host.send({"type": "next"})
    await host.until("question")
    vote, _ = await close_and_reveal(host, [phone])
    assert vote["event"]["verdict"] == "success" and vote["verdict"]["choice_id"]


@pytest.mark.parametrize("with_verdicts", [False, True])
async def test_finished_has_no_answer_page_when_no_verdict_question_was_asked(
    teacher, with_verdicts
):
    # Without verdict questions, or ended before the first one was reached.
    game = await database_sync_to_async(
        lambda: phases.game_create(quiz=verdict_quiz(with_verdicts=with_verdicts), host=teacher)
    )()
    host = await host_socket(game, teacher)
    phone, _ = await join(game.pin, "Ayesha")
    await host.send({"type": "start"})
    await host.until("question")
    await close_and_reveal(host, [phone])
    await host.send({"type": "end" if with_verdicts else "next"})
    finished = await host.until("finished")
    assert "answer_url" not in finished and finished["report_url"]
    await host.send({"type": "sync"})
    assert (await host.until("state"))["answer_url"] is None
