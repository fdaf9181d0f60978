"""The generator: deterministic drafts whose distractors are real values of other events."""

import dataclasses

import pytest

from quizzes import lint
from quizzes.generator import (
    EFFECT_TEXTS,
    GENERATOR_KINDS,
    GeneratorConfig,
    config_from,
    generate_questions,
)


@pytest.fixture
def events(small_doc):
    return small_doc.timeline.events


def every_kind(seed: int = 1947, count: int = 200) -> GeneratorConfig:
    return GeneratorConfig(seed=seed, count=count)


def test_the_same_seed_gives_the_same_drafts(events):
    assert generate_questions(events=events, config=every_kind(7)) == generate_questions(
        events=events, config=every_kind(7)
    )


def test_a_different_seed_gives_different_drafts(events):
    config = GeneratorConfig(seed=1, count=8)
    other = GeneratorConfig(seed=2, count=8)
    assert generate_questions(events=events, config=config) != generate_questions(
        events=events, config=other
    )


def test_the_input_order_of_events_does_not_matter(events):
    assert generate_questions(events=events, config=every_kind()) == generate_questions(
        events=tuple(reversed(events)), config=every_kind()
    )


def test_plain_dicts_work_like_event_documents(events):
    as_dicts = [dataclasses.asdict(event) for event in events]
    assert generate_questions(events=as_dicts, config=every_kind()) == generate_questions(
        events=events, config=every_kind()
    )


def test_count_caps_the_number_and_kinds_take_turns(events):
    drafts = generate_questions(events=events, config=GeneratorConfig(seed=3, count=5))
    assert len(drafts) == 5
    assert [d.generator_kind for d in drafts] == list(GENERATOR_KINDS)


@pytest.mark.parametrize("seed", range(20))
def test_every_draft_has_exactly_one_correct_choice_and_no_duplicate_texts(events, seed):
    for draft in generate_questions(events=events, config=every_kind(seed)):
        assert draft.kind == "choice"
        assert 2 <= len(draft.choices) <= 4
        assert sum(choice.correct for choice in draft.choices) == 1, draft.slug
        texts = [choice.text.casefold() for choice in draft.choices]
        assert len(texts) == len(set(texts)), draft.slug
        assert all(choice.note for choice in draft.choices if not choice.correct), draft.slug
        assert draft.explanation.strip()


@pytest.mark.parametrize("seed", range(20))
def test_distractor_years_are_real_years_of_other_events_never_the_key(events, seed):
    usable_years = {e.year for e in events if e.in_period and not e.exclude_from_generation}
    drafts = generate_questions(
        events=events, config=GeneratorConfig(seed=seed, count=200, kinds=("year_of_event",))
    )
    assert drafts
    for draft in drafts:
        event = next(e for e in events if e.slug == draft.event)
        (key,) = [c for c in draft.choices if c.correct]
        assert key.text == str(event.year)
        for choice in draft.choices:
            if not choice.correct:
                assert int(choice.text) in usable_years
                assert int(choice.text) != event.year
                assert choice.note.startswith(f"{choice.text}: ")


def test_event_in_year_distractors_happened_in_other_years(events):
    by_title = {e.title: e for e in events}
    drafts = generate_questions(
        events=events, config=GeneratorConfig(seed=5, count=200, kinds=("event_in_year",))
    )
    assert drafts
    for draft in drafts:
        year = int(draft.prompt.removeprefix("Which of these happened in ").rstrip("?"))
        for choice in draft.choices:
            assert (by_title[choice.text].year == year) is choice.correct


def test_a_title_containing_its_year_gets_no_year_question(events):
    drafts = generate_questions(events=events, config=every_kind())
    slugs = {d.slug for d in drafts}
    assert "gen-year-of-event-war-1971" not in slugs
    assert "gen-event-in-year-war-1971" not in slugs
    assert "gen-effect-war-1971" in slugs


def test_effect_questions_offer_little_change_only_for_neutral_events(events):
    drafts = generate_questions(
        events=events, config=GeneratorConfig(seed=1, count=200, kinds=("effect",))
    )
    by_slug = {d.event: d for d in drafts}
    neutral = by_slug["relations-opened"]
    assert [c.text for c in neutral.choices] == list(EFFECT_TEXTS.values())
    assert [c.text for c in neutral.choices if c.correct] == ["Little real change"]
    worsened = by_slug["war-1971"]
    assert [c.text for c in worsened.choices] == ["Improved relations", "Worsened relations"]
    assert [c.text for c in worsened.choices if c.correct] == ["Worsened relations"]
    assert "The model answer counts this as a failure." in worsened.explanation
    assert "Moscow sided fully with India." in worsened.explanation


def test_an_effect_question_whose_title_states_the_effect_is_dropped(events):
    """A title such as "U-2 shot down" tells the class relations worsened, and "Oil
    exploration agreement" that they improved: the effect question answers itself."""
    drafts = generate_questions(
        events=events, config=GeneratorConfig(seed=1, count=200, kinds=("effect",))
    )
    asked = {d.event for d in drafts}
    assert "u2-incident" not in asked
    assert "oil-agreement" not in asked


def test_generated_reveals_are_as_short_as_hand_written_ones(events):
    """The reveal gives the date, the title and the verdict with its reason, not the
    whole summary again (those were 430-590 characters on the seed)."""
    drafts = generate_questions(events=events, config=every_kind())
    assert drafts
    for draft in drafts:
        event = next(e for e in events if e.slug == draft.event)
        assert event.summary not in draft.explanation, draft.slug
        assert len(draft.explanation) <= 300, draft.slug


def test_a_draft_that_repeats_a_hand_written_question_is_dropped(small_doc, events):
    """afghanistan-year asks for 1979: a generated year question on the same event, or any
    draft whose prompt says 1979 about it, would ask or give away the same fact."""
    quiz = small_doc.quizzes[0]
    config = GeneratorConfig(seed=1, count=200, kinds=("year_of_event", "actor"))
    alone = {d.slug for d in generate_questions(events=events, config=config)}
    assert {"gen-year-of-event-afghanistan", "gen-actor-tashkent"} <= alone

    drafts = generate_questions(events=events, config=config, existing=quiz.questions)

    slugs = {d.slug for d in drafts}
    assert "gen-year-of-event-afghanistan" not in slugs
    assert "gen-actor-tashkent" not in slugs  # tashkent-mediator already keys Kosygin
    assert drafts


def test_a_draft_keying_an_unverified_claim_is_dropped(events):
    config = GeneratorConfig(seed=1, count=200, kinds=("actor",))
    claim = {"claim": "Who piloted the U-2 is disputed (test)", "match": ["Powers"]}
    assert "gen-actor-u2-incident" in {
        d.slug for d in generate_questions(events=events, config=config)
    }

    drafts = generate_questions(events=events, config=config, unverified=[claim])

    assert "gen-actor-u2-incident" not in {d.slug for d in drafts}


def test_every_generated_draft_passes_the_linter_next_to_the_hand_written_questions(
    small_doc,
):
    quiz = small_doc.quizzes[0]
    drafts = generate_questions(
        events=small_doc.timeline.events,
        config=quiz.generator,
        taken_slugs=[q.slug for q in quiz.questions],
        existing=quiz.questions,
    )
    linted = lint.quiz_from_documents(
        quiz=quiz, timeline=small_doc.timeline, questions=[*quiz.questions, *drafts]
    )
    generated = {d.slug for d in drafts}
    assert [f for f in lint.lint_quiz(linted) if f.question in generated] == []


def test_which_first_keys_the_earlier_of_two_events_of_different_years(events):
    by_title = {e.title: e for e in events}
    drafts = generate_questions(
        events=events, config=GeneratorConfig(seed=9, count=200, kinds=("which_first",))
    )
    assert drafts
    for draft in drafts:
        first, second = (
            by_title[c.text] for c in sorted(draft.choices, key=lambda c: not c.correct)
        )
        assert first.year < second.year


def test_actor_questions_use_key_actor_then_fall_back_to_other_key_actors(events):
    drafts = generate_questions(
        events=events, config=GeneratorConfig(seed=1, count=200, kinds=("actor",))
    )
    by_event = {d.event: d for d in drafts}
    tashkent = by_event["tashkent"]
    assert tashkent.prompt == "Who brokered the Tashkent Declaration in January 1966?"
    assert {c.text for c in tashkent.choices} == {
        "Alexei Kosygin",
        "Leonid Brezhnev",
        "Nikolai Podgorny",
        "Andrei Gromyko",
    }
    # The U-2 event names one distractor; the rest come from other events' key actors,
    # never someone in the U-2 event's own actors list (Ayub Khan is one).
    u2 = by_event["u2-incident"]
    texts = [c.text for c in u2.choices]
    assert len(texts) == 4
    assert "Rudolf Abel" in texts
    assert "Ayub Khan" not in texts
    assert [c.text for c in u2.choices if c.correct] == ["Francis Gary Powers"]
    # The 1965 visit lists Kosygin among its actors, so he is not a distractor there.
    assert "Alexei Kosygin" not in [c.text for c in by_event["ayub-visit"].choices]
    # Events without key_actor get no actor question.
    assert "oil-agreement" not in by_event


def test_generation_respects_generate_lists_exclusions_and_the_period(events):
    drafts = generate_questions(events=events, config=every_kind())
    kinds_by_event: dict[str, set[str]] = {}
    for draft in drafts:
        kinds_by_event.setdefault(draft.event, set()).add(draft.generator_kind)
    assert kinds_by_event["tashkent"] <= {"year_of_event", "actor"}
    assert "andropov-funeral" not in kinds_by_event
    assert "sharif-moscow" not in kinds_by_event
    for draft in drafts:
        for choice in draft.choices:
            assert "Andropov" not in choice.text and "Sharif" not in choice.text
            assert choice.text != "1984" and choice.text != "1999"


def test_slugs_are_stable_and_taken_slugs_are_skipped(events):
    drafts = generate_questions(
        events=events,
        config=GeneratorConfig(seed=1, count=200, kinds=("actor",)),
        taken_slugs=["gen-actor-u2-incident"],
    )
    slugs = [d.slug for d in drafts]
    assert "gen-actor-tashkent" in slugs
    assert "gen-actor-u2-incident" not in slugs
    assert len(slugs) == len(set(slugs))
    for draft in drafts:
        assert draft.slug == f"gen-{draft.generator_kind.replace('_', '-')}-{draft.event}"


def test_drafts_carry_the_configured_time_limit(events):
    drafts = generate_questions(
        events=events, config=GeneratorConfig(seed=1, count=3, time_limit_s=30)
    )
    assert {d.time_limit_s for d in drafts} == {30}


def test_config_from_rejects_an_unknown_kind_and_a_missing_seed():
    with pytest.raises(ValueError, match="unknown generator kinds: who"):
        config_from({"seed": 1, "count": 3, "kinds": ["who"]})
    with pytest.raises(ValueError, match="whole-number seed"):
        config_from({"count": 3})
