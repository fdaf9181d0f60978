# ruff: noqa: E501  (the table below holds exact messages; wrapping them would hide typos)
"""The seed schema: every rule gives one exact, path-named message (docs/yaml-schema.md)."""

import copy

import pytest

from quizzes.yaml_schema import (
    GENERATOR_KINDS,
    SchemaError,
    parse_document,
    validate_document,
)


def errors_for(data: dict) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        validate_document(data)
    return caught.value.errors


def event(data: dict, index: int) -> dict:
    return data["timeline"]["events"][index]


def question(data: dict, index: int) -> dict:
    return data["quizzes"][0]["questions"][index]


def test_the_small_fixture_is_valid_and_typed(small_doc):
    timeline = small_doc.timeline
    assert (timeline.slug, timeline.period_start, timeline.period_end) == (
        "test-pk-ussr",
        1947,
        1988,
    )
    tashkent = next(e for e in timeline.events if e.slug == "tashkent")
    assert tashkent.generate == ("year_of_event", "actor")
    assert tashkent.key_actor.distractors == (
        "Leonid Brezhnev",
        "Nikolai Podgorny",
        "Andrei Gromyko",
    )
    quiz = small_doc.quizzes[0]
    assert quiz.generator.seed == 1947 and quiz.generator.time_limit_s == 25
    first = quiz.questions[0]
    assert (first.kind, first.points_multiplier, first.time_limit_s) == ("choice", 2, 20)
    assert first.choices[1].note == "General Secretary; not the mediator"
    assert quiz.questions[3].answer_year == 1979


def test_the_timelines_periods_are_read_in_order(small_doc):
    assert [(p.slug, p.start, p.end) for p in small_doc.timeline.periods] == [
        ("early", 1947, 1966),
        ("late", 1966, 1988),
    ]
    assert small_doc.timeline.periods[0].title == "1947–66: Alliances and a thaw"


def test_a_timeline_without_periods_has_none(small_data):
    del small_data["timeline"]["periods"]
    assert validate_document(small_data).timeline.periods == ()


def test_a_dataclass_is_frozen(small_doc):
    with pytest.raises(AttributeError):
        small_doc.timeline.slug = "other"


def test_prefixed_puts_the_file_name_before_every_message(small_data):
    event(small_data, 3)["year"] = "1961"
    with pytest.raises(SchemaError) as caught:
        validate_document(small_data)
    assert caught.value.prefixed("seeds/x.yaml") == [
        "seeds/x.yaml: timeline.events[3].year: expected a whole number, got text"
    ]


def test_every_problem_is_reported_at_once(small_data):
    event(small_data, 3)["year"] = "1961"
    event(small_data, 4)["effect"] = "better"
    question(small_data, 0)["time_limit_s"] = 1

    assert errors_for(small_data) == [
        "timeline.events[3].year: expected a whole number, got text",
        "timeline.events[4].effect: expected one of improved, worsened, neutral; got 'better'",
        "quizzes[0].questions[0].time_limit_s: must be between 5 and 240, got 1",
    ]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        # document level
        (lambda d: d.pop("version"), "version: required"),
        (lambda d: d.update(version=2), "version: must be 1, got 2"),
        (
            lambda d: d.update(version=True),
            "version: expected a whole number, got a true/false value",
        ),
        (lambda d: d.pop("timeline"), "timeline: required"),
        (lambda d: d.update(extra=1), "extra: unknown key"),
        (lambda d: d.update(quizzes={}), "quizzes: expected a list, got a mapping"),
        # timeline
        (lambda d: d["timeline"].pop("slug"), "timeline.slug: required"),
        (
            lambda d: d["timeline"].update(slug="Pakistan USSR"),
            "timeline.slug: 'Pakistan USSR' is not a slug: use lowercase letters, digits and single hyphens",
        ),
        (lambda d: d["timeline"].update(title="  "), "timeline.title: must not be empty"),
        (
            lambda d: d["timeline"].update(titel="x"),
            "timeline.titel: unknown key (did you mean 'title'?)",
        ),
        (lambda d: d["timeline"].pop("period"), "timeline.period: required"),
        (
            lambda d: d["timeline"].update(period={"start": 1988, "end": 1947}),
            "timeline.period.start: start (1988) is after end (1947)",
        ),
        (
            lambda d: d["timeline"].update(period={"start": 1947.5, "end": 1988}),
            "timeline.period.start: expected a whole number, got a decimal number",
        ),
        # the timeline's periods (docs/yaml-schema.md, "Periods")
        (
            lambda d: d["timeline"]["periods"][1].update(start=1970),
            "timeline.periods[1].start: must be 1966, the year the period before it ends (early: 1947-1966): periods follow each other without gaps or overlaps",
        ),
        (
            lambda d: d["timeline"]["periods"][0].update(end=1947),
            "timeline.periods[0].end: end (1947) must be after start (1947); a period lasts at least a year",
        ),
        (
            lambda d: d["timeline"]["periods"][0].update(start=1940),
            "timeline.periods[0].start: 1940-1966 is outside the timeline's period 1947-1988",
        ),
        (
            lambda d: d["timeline"]["periods"][1].update(end=1991),
            "timeline.periods[1].end: 1966-1991 is outside the timeline's period 1947-1988",
        ),
        (
            lambda d: d["timeline"]["periods"][1].update(slug="early"),
            "timeline.periods[1].slug: duplicate slug 'early' (also at timeline.periods[0])",
        ),
        (
            lambda d: d["timeline"]["periods"][0].update(title="x" * 81),
            "timeline.periods[0].title: too long: 81 characters, at most 80",
        ),
        (
            lambda d: d["timeline"]["periods"][0].pop("title"),
            "timeline.periods[0].title: required",
        ),
        (
            lambda d: d["timeline"]["periods"][0].update(start="1947"),
            "timeline.periods[0].start: expected a whole number, got text",
        ),
        (
            lambda d: d["timeline"]["periods"][0].update(slug="Early years"),
            "timeline.periods[0].slug: 'Early years' is not a slug: use lowercase letters, digits and single hyphens",
        ),
        (
            lambda d: d["timeline"]["periods"][0].update(years="1947-66"),
            "timeline.periods[0].years: unknown key",
        ),
        (
            lambda d: d["timeline"].update(periods={"early": 1947}),
            "timeline.periods: expected a list, got a mapping",
        ),
        (
            lambda d: d["timeline"].update(
                periods=[
                    {"slug": f"p{year}", "title": str(year), "start": year, "end": year + 1}
                    for year in range(1947, 1960)
                ]
            ),
            "timeline.periods: at most 12 periods, got 13",
        ),
        (
            lambda d: d["timeline"].update(events=[]),
            "timeline.events: must list at least one event",
        ),
        # events
        (
            lambda d: event(d, 3).update(year="1961"),
            "timeline.events[3].year: expected a whole number, got text",
        ),
        (
            lambda d: event(d, 3).update(year=True),
            "timeline.events[3].year: expected a whole number, got a true/false value",
        ),
        (lambda d: event(d, 3).pop("year"), "timeline.events[3].year: required"),
        (
            lambda d: event(d, 3).update(month=13),
            "timeline.events[3].month: must be between 1 and 12, got 13",
        ),
        (
            lambda d: event(d, 3).update(day=0),
            "timeline.events[3].day: must be between 1 and 31, got 0",
        ),
        (
            lambda d: event(d, 3).update(month=2, day=30),
            "timeline.events[3].day: February 1961 has no day 30",
        ),
        (lambda d: event(d, 8).update(day=3), "timeline.events[8].day: a day needs a month"),
        (
            lambda d: event(d, 3).update(slug="u2-incident"),
            "timeline.events[3].slug: duplicate slug 'u2-incident' (also at timeline.events[2])",
        ),
        (
            lambda d: event(d, 3).update(effect="better"),
            "timeline.events[3].effect: expected one of improved, worsened, neutral; got 'better'",
        ),
        (lambda d: event(d, 3).update(verdict=None), "timeline.events[3].verdict: required"),
        (lambda d: event(d, 3).update(summary=""), "timeline.events[3].summary: must not be empty"),
        (
            lambda d: event(d, 3).update(title="x" * 201),
            "timeline.events[3].title: too long: 201 characters, at most 200",
        ),
        (
            lambda d: event(d, 3).update(actors="Ayub Khan"),
            "timeline.events[3].actors: expected a list, got text",
        ),
        (
            lambda d: event(d, 3).update(actors=["Ayub Khan", 7]),
            'timeline.events[3].actors[1]: expected text, got a whole number (put it in quotes: "7")',
        ),
        (
            lambda d: event(d, 3).update(in_period="yes"),
            "timeline.events[3].in_period: expected true or false, got text",
        ),
        (
            lambda d: event(d, 3).update(exclude_from_generation=1),
            "timeline.events[3].exclude_from_generation: expected true or false, got a whole number",
        ),
        (
            lambda d: event(d, 3).update(year=1999),
            "timeline.events[3].year: 1999 is outside the period 1947-1988; set in_period: false for context events",
        ),
        (
            lambda d: event(d, 3).update(generate=["who"]),
            "timeline.events[3].generate[0]: expected one of "
            + ", ".join(GENERATOR_KINDS)
            + "; got 'who'",
        ),
        (
            lambda d: event(d, 3).update(generate=["actor", "actor"]),
            "timeline.events[3].generate[1]: 'actor' is listed twice",
        ),
        (
            lambda d: event(d, 5)["key_actor"].pop("prompt"),
            "timeline.events[5].key_actor.prompt: required",
        ),
        (
            lambda d: event(d, 5)["key_actor"].update(distractors=["Alexei Kosygin"]),
            "timeline.events[5].key_actor.distractors[0]: 'Alexei Kosygin' is the key actor's name",
        ),
        (
            lambda d: event(d, 5)["key_actor"].update(distractors=["Brezhnev", "Brezhnev"]),
            "timeline.events[5].key_actor.distractors[1]: 'Brezhnev' is a repeat",
        ),
        (
            lambda d: event(d, 5)["key_actor"].update(distractors=["x" * 201]),
            "timeline.events[5].key_actor.distractors[0]: too long: 201 characters, at most 200",
        ),
        (
            lambda d: event(d, 5).update(key_actor="Kosygin"),
            "timeline.events[5].key_actor: expected a mapping, got text",
        ),
        # quizzes
        (lambda d: d["quizzes"][0].pop("title"), "quizzes[0].title: required"),
        (
            lambda d: d["quizzes"].append(copy.deepcopy(d["quizzes"][0])),
            "quizzes[1].slug: duplicate slug 'test-quiz' (also at quizzes[0])",
        ),
        (
            lambda d: d["quizzes"][0].update(questions=[], generator=None),
            "quizzes[0].questions: a quiz needs questions or a generator block",
        ),
        (lambda d: d["quizzes"][0]["generator"].pop("seed"), "quizzes[0].generator.seed: required"),
        (
            lambda d: d["quizzes"][0]["generator"].update(count=0),
            "quizzes[0].generator.count: must be between 1 and 200, got 0",
        ),
        (
            lambda d: d["quizzes"][0]["generator"].update(kinds=["who"]),
            "quizzes[0].generator.kinds[0]: expected one of "
            + ", ".join(GENERATOR_KINDS)
            + "; got 'who'",
        ),
        (
            lambda d: d["quizzes"][0]["generator"].update(kinds=[]),
            "quizzes[0].generator.kinds: must list at least one kind",
        ),
        (
            lambda d: d["quizzes"][0]["generator"].update(time_limit_s=300),
            "quizzes[0].generator.time_limit_s: must be between 5 and 240, got 300",
        ),
        # questions
        (
            lambda d: question(d, 1).update(slug="tashkent-mediator"),
            "quizzes[0].questions[1].slug: duplicate slug 'tashkent-mediator' (also at quizzes[0].questions[0])",
        ),
        (
            lambda d: question(d, 0).update(kind="multiple"),
            "quizzes[0].questions[0].kind: expected one of choice, true_false, order, year_guess, verdict; got 'multiple'",
        ),
        (lambda d: question(d, 0).pop("prompt"), "quizzes[0].questions[0].prompt: required"),
        (
            lambda d: question(d, 0).update(explanation=" "),
            "quizzes[0].questions[0].explanation: must not be empty",
        ),
        (
            lambda d: question(d, 0).pop("explanation"),
            "quizzes[0].questions[0].explanation: required",
        ),
        (
            lambda d: question(d, 0).update(time_limit_s=4),
            "quizzes[0].questions[0].time_limit_s: must be between 5 and 240, got 4",
        ),
        (
            lambda d: question(d, 0).update(time_limit_s=241),
            "quizzes[0].questions[0].time_limit_s: must be between 5 and 240, got 241",
        ),
        (
            lambda d: question(d, 0).update(points_multiplier=3),
            "quizzes[0].questions[0].points_multiplier: must be between 0 and 2, got 3",
        ),
        (
            lambda d: question(d, 0).update(points_multiplier=False),
            "quizzes[0].questions[0].points_multiplier: expected a whole number, got a true/false value",
        ),
        (
            lambda d: question(d, 0).update(event="tashkent-1966"),
            "quizzes[0].questions[0].event: no event with slug 'tashkent-1966' in this file's timeline",
        ),
        (
            lambda d: question(d, 0).update(source="copied"),
            "quizzes[0].questions[0].source: expected one of hand, generated; got 'copied'",
        ),
        (
            lambda d: question(d, 0).update(source="generated"),
            "quizzes[0].questions[0].generator_kind: a generated question needs one of "
            + ", ".join(GENERATOR_KINDS),
        ),
        (
            lambda d: question(d, 0).update(generator_kind="actor"),
            "quizzes[0].questions[0].generator_kind: only generated questions have a generator_kind",
        ),
        (
            lambda d: question(d, 0).update(answer_year=1966),
            "quizzes[0].questions[0].answer_year: only year_guess questions have an answer_year",
        ),
        # choice rules
        (
            lambda d: question(d, 0).update(choices=question(d, 0)["choices"][:1]),
            "quizzes[0].questions[0].choices: a choice question needs 2-4 choices, got 1",
        ),
        (
            lambda d: question(d, 0)["choices"].extend([{"text": "A"}, {"text": "B"}]),
            "quizzes[0].questions[0].choices: a choice question needs 2-4 choices, got 5",
        ),
        (
            lambda d: question(d, 0)["choices"][1].update(correct=True),
            "quizzes[0].questions[0].choices: exactly one choice must be correct, got 2",
        ),
        (
            lambda d: question(d, 0)["choices"][0].pop("correct"),
            "quizzes[0].questions[0].choices: exactly one choice must be correct, got 0",
        ),
        (
            lambda d: question(d, 0)["choices"][2].update(text="Leonid Brezhnev"),
            "quizzes[0].questions[0].choices[2].text: 'Leonid Brezhnev' repeats quizzes[0].questions[0].choices[1]",
        ),
        (
            lambda d: question(d, 0)["choices"][1].update(correct="no"),
            "quizzes[0].questions[0].choices[1].correct: expected true or false, got text",
        ),
        (
            lambda d: question(d, 0)["choices"][1].update(text=""),
            "quizzes[0].questions[0].choices[1].text: must not be empty",
        ),
        (
            lambda d: question(d, 0)["choices"][1].update(colour="red"),
            "quizzes[0].questions[0].choices[1].colour: unknown key",
        ),
        (
            lambda d: question(d, 1)["choices"][0].update(text=True),
            'quizzes[0].questions[1].choices[0].text: expected text, got a true/false value (put it in quotes: "True")',
        ),
        (
            lambda d: question(d, 1)["choices"][0].update(text="Yes"),
            'quizzes[0].questions[1].choices: a true_false question has exactly two choices, "True" and "False"',
        ),
        (
            lambda d: question(d, 1)["choices"][1].update(correct=True),
            "quizzes[0].questions[1].choices: exactly one choice must be correct, got 2",
        ),
        (
            lambda d: question(d, 2)["choices"][0].update(correct=True),
            "quizzes[0].questions[2].choices[0].correct: order questions have no correct flags: list the choices in the right order",
        ),
        (
            lambda d: question(d, 2).update(choices=question(d, 2)["choices"][:2]),
            "quizzes[0].questions[2].choices: an order question needs 3-4 choices, got 2",
        ),
        (
            lambda d: question(d, 3).pop("answer_year"),
            "quizzes[0].questions[3].answer_year: required for year_guess questions",
        ),
        (
            lambda d: question(d, 3).update(answer_year="1979"),
            "quizzes[0].questions[3].answer_year: expected a whole number, got text",
        ),
        (
            lambda d: question(d, 3).update(choices=[{"text": "1979", "correct": True}]),
            "quizzes[0].questions[3].choices: year_guess questions have no choices",
        ),
        # unverified claims and date_text
        (
            lambda d: d["timeline"]["unverified"][0].update(match=[]),
            "timeline.unverified[0].match: must list at least one text to look for",
        ),
        (
            lambda d: d["timeline"]["unverified"][0].pop("claim"),
            "timeline.unverified[0].claim: required",
        ),
        (
            lambda d: d["timeline"]["unverified"][1].update(event="no-such-event"),
            "timeline.unverified[1].event: no event with slug 'no-such-event' in this timeline",
        ),
        (
            lambda d: d["timeline"]["unverified"][0].update(why="unsure"),
            "timeline.unverified[0].why: unknown key",
        ),
        (
            lambda d: d["timeline"].update(unverified={"claim": "x"}),
            "timeline.unverified: expected a list, got a mapping",
        ),
        (
            lambda d: event(d, 0).update(date_text="x" * 41),
            "timeline.events[0].date_text: too long: 41 characters, at most 40",
        ),
    ],
)
def test_each_rule_gives_its_message(small_data, mutate, message):
    mutate(small_data)
    assert message in errors_for(small_data)


def test_every_bad_unverified_claim_is_reported_not_only_the_first(small_data):
    small_data["timeline"]["unverified"][0]["claim"] = 7
    small_data["timeline"]["unverified"][1]["event"] = "no-such-event"
    assert errors_for(small_data) == [
        'timeline.unverified[0].claim: expected text, got a whole number (put it in quotes: "7")',
        "timeline.unverified[1].event: no event with slug 'no-such-event' in this timeline",
    ]


def test_a_question_breaking_its_kind_and_its_source_rules_hears_of_both(small_data):
    question(small_data, 3)["source"] = "generated"
    question(small_data, 3).pop("answer_year")
    assert errors_for(small_data) == [
        "quizzes[0].questions[3].answer_year: required for year_guess questions",
        "quizzes[0].questions[3].generator_kind: a generated question needs one of "
        + ", ".join(GENERATOR_KINDS),
    ]


def test_choice_texts_differing_only_in_case_are_duplicates(small_data):
    question(small_data, 0)["choices"][2]["text"] = "leonid BREZHNEV"
    assert errors_for(small_data) == [
        "quizzes[0].questions[0].choices[2].text: 'leonid BREZHNEV' repeats quizzes[0].questions[0].choices[1]"
    ]


def test_a_yaml_syntax_error_names_its_line():
    text = "version: 1\ntimeline:\n  slug: x\n  title: [unclosed\n"
    with pytest.raises(SchemaError) as caught:
        parse_document(text)
    (message,) = caught.value.errors
    assert message.startswith("line 5, column 1: YAML syntax error:")


def test_a_duplicate_key_is_an_error_with_its_line():
    text = "version: 1\nversion: 1\n"
    with pytest.raises(SchemaError) as caught:
        parse_document(text)
    assert caught.value.errors == ["line 2, column 1: YAML syntax error: duplicate key 'version'"]


def test_an_empty_file_is_an_error():
    with pytest.raises(SchemaError) as caught:
        parse_document("")
    assert caught.value.errors == ["document: expected a mapping, got nothing"]


def test_unquoted_yes_is_not_a_number(small_text):
    text = small_text.replace("points_multiplier: 2", "points_multiplier: yes")
    with pytest.raises(SchemaError) as caught:
        parse_document(text)
    assert caught.value.errors == [
        "quizzes[0].questions[0].points_multiplier: expected a whole number, got a true/false value"
    ]


def test_defaults_fill_optional_keys(small_data):
    del question(small_data, 0)["points_multiplier"]
    document = validate_document(small_data)
    q = document.quizzes[0].questions[0]
    assert (q.points_multiplier, q.time_limit_s, q.source, q.generator_kind, q.kind) == (
        1,
        20,
        "hand",
        "",
        "choice",
    )
    oil = document.timeline.events[3]
    assert (
        oil.actors,
        oil.in_period,
        oil.generate,
        oil.key_actor,
        oil.exclude_from_generation,
    ) == (
        (),
        True,
        (),
        None,
        False,
    )


def test_unverified_claims_and_date_text_are_read(small_doc):
    timeline = small_doc.timeline
    assert [(c.claim, c.match, c.event) for c in timeline.unverified] == [
        ("Zia was coldly received at Andropov's funeral", ("Andropov's funeral",), None),
        ("The year of the Geneva Accords' guarantees (test)", ("guarantee",), "geneva-accords"),
    ]
    funeral = next(e for e in timeline.events if e.slug == "andropov-funeral")
    assert funeral.date_text == "early 1984?"
    assert next(e for e in timeline.events if e.slug == "tashkent").date_text == ""


# --- the verdict round -------------------------------------------------------------------


def with_verdict(data: dict, **fields) -> dict:
    """`data` with a verdict question added to its quiz."""
    added = {"slug": "verdict-oil", "kind": "verdict", "prompt": "Success or failure?"}
    added["event"] = "oil-agreement"
    added.update(fields)
    data["quizzes"][0]["questions"].append({k: v for k, v in added.items() if v is not None})
    return data


def the_verdict(data: dict):
    return validate_document(data).quizzes[0].questions[-1]


def test_a_verdict_question_needs_no_choices_and_takes_its_explanation_from_its_event(
    small_data,
):
    verdict = the_verdict(with_verdict(copy.deepcopy(small_data)))
    assert verdict.kind == "verdict" and verdict.choices == ()
    assert verdict.explanation == "Practical help that Pakistan needed."
    # An explanation written is kept; so are the two implied choices, written out.
    written = [{"text": "Success"}, {"text": "Failure"}]
    verdict = the_verdict(
        with_verdict(small_data, explanation="because it helped.", choices=written)
    )
    assert verdict.explanation == "because it helped."
    assert [c.text for c in verdict.choices] == ["Success", "Failure"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"event": None},
            "quizzes[0].questions[4].event: required for verdict questions: the event the class judges",
        ),
        (
            {"event": "relations-opened"},
            "quizzes[0].questions[4].event: 'relations-opened' has the verdict neutral: a verdict question needs an event the source calls a success or a failure",
        ),
        (
            {"event": "ayub-visit"},
            "quizzes[0].questions[4].explanation: required: 'ayub-visit' has no verdict_reason to take the explanation from",
        ),
        (
            {"choices": [{"text": "Yes"}, {"text": "No"}]},
            'quizzes[0].questions[4].choices: a verdict question has no choices to write (they are "Success" and "Failure"); leave them out',
        ),
        (
            {"choices": [{"text": "Success", "correct": True}, {"text": "Failure"}]},
            "quizzes[0].questions[4].choices[0].correct: a verdict question takes its answer from its event's verdict: remove the flag",
        ),
        (
            {"answer_year": 1961},
            "quizzes[0].questions[4].answer_year: only year_guess questions have an answer_year",
        ),
    ],
)
def test_each_verdict_rule_gives_its_message(small_data, fields, message):
    assert message in errors_for(with_verdict(small_data, **fields))


def test_only_a_verdict_question_may_leave_out_its_explanation(small_data):
    del question(small_data, 0)["explanation"]
    assert errors_for(small_data) == ["quizzes[0].questions[0].explanation: required"]
