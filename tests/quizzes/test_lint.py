"""The quiz linter's rules (quizzes/lint.py): for each, an example it flags and one it
passes. Pure: plain data in, findings out."""

import pytest

from quizzes.lint import (
    RULES,
    LintChoice,
    LintEvent,
    LintQuestion,
    LintQuiz,
    UnverifiedClaim,
    lint_candidate,
    lint_quiz,
    unverified_from,
)

EVENTS = (
    LintEvent("kashmir-1952", 1952, "The USSR speaks on Kashmir at the UN", "worsened", "failure"),
    LintEvent("veto-1957", 1957, "The USSR vetoes a Kashmir resolution for the first time"),
    LintEvent("seato-1954", 1954, "Pakistan joins SEATO", "worsened", "failure", 9, 8),
    LintEvent("tour-1955", 1955, "Soviet leaders tour India", "worsened", "failure", 12),
    LintEvent(
        "tashkent", 1966, "Tashkent Declaration", "improved", "success", 1, 10, "Alexei Kosygin"
    ),
    LintEvent("kosygin-1968", 1968, "Kosygin visits Pakistan", "improved", "neutral", 4),
    LintEvent("war-1971", 1971, "The war that split Pakistan", "worsened", "failure", 12),
    LintEvent("bhutto-1972", 1972, "Bhutto visits Moscow", "improved", "success", 3),
    LintEvent("nuclear", 1986, "Moscow warns over the nuclear programme", "worsened", "failure"),
)


def question(kind, prompt, *, slug, event, explanation, **fields):
    return LintQuestion(
        slug=slug, kind=kind, prompt=prompt, explanation=explanation, event=event, **fields
    )


def choice(prompt, key, *distractors, slug="q", event=None, **extra):
    extra.setdefault("explanation", "Short reveal: a failure for the relationship.")
    keyed = (LintChoice(key, True), *(LintChoice(text) for text in distractors))
    return question("choice", prompt, slug=slug, event=event, choices=keyed, **extra)


def true_false(prompt, answer, slug="tf", event=None):
    return question(
        "true_false",
        prompt,
        slug=slug,
        event=event,
        explanation="Reveal: a failure for the relationship.",
        choices=(LintChoice("True", answer), LintChoice("False", not answer)),
    )


def year_guess(prompt, year, slug="yg", event=None):
    return question(
        "year_guess",
        prompt,
        slug=slug,
        event=event,
        explanation="Reveal: a success for the relationship.",
        answer_year=year,
    )


def codes(*questions, unverified=()):
    quiz = LintQuiz("quiz", tuple(questions), EVENTS, tuple(unverified))
    return [(f.code, f.question) for f in lint_quiz(quiz)]


def only(code, *questions, **kwargs):
    return [slug for found, slug in codes(*questions, **kwargs) if found == code]


# -- K101 key-longest -----------------------------------------------------------------


def test_k101_flags_a_key_much_longer_than_every_other_choice():
    q = choice(
        "How does the model answer judge the relationship overall?",
        "Not successful because good spells never lasted",
        "Successful",
        "Hostile throughout",
        "Neutral throughout",
    )
    assert only("K101", q) == ["q"]


def test_k101_passes_a_key_of_ordinary_length():
    q = choice(
        "How does the model answer judge the relationship overall?",
        "Not successful",
        "Successful",
        "Hostile throughout",
        "Neutral throughout",
    )
    assert only("K101", q) == []


# -- K102 key-format ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "distractors"),
    [
        ("1980–81", ("1984", "1987", "1988")),  # the only range among years
        ("Alexei Kosygin, Soviet Premier", ("Leonid Brezhnev", "Nikolai Podgorny", "Gromyko")),
        ("Not successful: good spells ended", ("Successful", "Hostile", "Neutral")),
        ("The Sino-Indian War", ("The war of 1965", "The war of 1971", "The 1950 war")),
    ],
    ids=["range", "title", "reason", "only-one-without-a-year"],
)
def test_k102_flags_a_key_whose_format_is_unlike_every_distractor(key, distractors):
    q = choice("Which answer is right?", key, *distractors)
    assert only("K102", q) == ["q"]


def test_k102_passes_choices_of_one_format():
    q = choice("When did the air raids begin?", "1980–81", "1984–85", "1986–87", "1988–89")
    assert only("K102", q) == []


# -- K103 prompt-cue ------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        choice(
            "In Kabul, the Soviet leaders backed which country's claim to the Pashtun areas?",
            "Afghanistan",
            "India",
            "Iran",
            "China",
        ),
        choice("Which SEATO member did Pakistan join as?", "SEATO", "NATO", "CENTO"),
        choice(
            "In 1962 the USA armed India in which war?",
            "The Sino-Indian War",
            "The Korean War",
            "The India-Pakistan war of 1965",
        ),
        choice(
            "Which Indian war of 1962 made the USA arm India?",
            "The Sino-Indian War",
            "The Korean War",
            "The Vietnam War",
        ),
        year_guess("The oil agreement of 1961 was signed in which year?", 1961),
        choice(
            "1 May 1960: a U-2 is shot down. Did this improve or worsen relations?",
            "Worsened relations",
            "Improved relations",
        ),
    ],
    ids=["place", "key-text", "distractor-year", "shared-word", "year", "effect-word"],
)
def test_k103_flags_a_prompt_that_points_to_the_key(question):
    assert only("K103", question) == [question.slug]


@pytest.mark.parametrize(
    "question",
    [
        choice(
            "In December 1955 the Soviet leaders backed which country's claim to "
            "Pakistan's Pashtun areas?",
            "Afghanistan",
            "India",
            "Iran",
            "China",
        ),
        choice("In 1962 the USA rushed arms to India. Whom was India fighting?", "China", "Nepal"),
        year_guess("In which year did Pakistan and the USSR agree to help find oil?", 1961),
        choice(
            "April 1965: Ayub Khan goes to the USSR. Did this improve or worsen relations?",
            "Improved relations",
            "Worsened relations",
        ),
    ],
    ids=["no-place", "no-shared-word", "no-year", "no-effect-word"],
)
def test_k103_passes_a_prompt_without_a_cue(question):
    assert only("K103", question) == []


# -- R201 same-fact -------------------------------------------------------------------


def test_r201_flags_the_same_date_asked_twice_about_one_event():
    first = year_guess("In which year did Bhutto first visit Moscow?", 1972, "a", "bhutto-1972")
    second = choice(
        "Which of these happened in 1972?",
        "Bhutto visits Moscow",
        "Pakistan joins SEATO",
        slug="b",
        event="bhutto-1972",
    )
    assert only("R201", first, second) == ["b"]


def test_r201_flags_an_answer_that_repeats_another_on_the_same_event():
    treaty = choice("The USSR signed a treaty with?", "India", "China", slug="a", event="war-1971")
    side = choice(
        "In the 1971 war the USSR?",
        "Backed India",
        "Backed Pakistan",
        "Stayed neutral",
        slug="b",
        event="war-1971",
    )
    assert only("R201", treaty, side) == ["b"]


def test_r201_flags_a_true_false_statement_on_a_date_another_question_asks():
    asks = choice("When did the USSR first speak on Kashmir?", "1952", "1950", "1948", slug="a")
    asks = LintQuestion(**{**asks.__dict__, "event": "kashmir-1952"})
    states = true_false(
        "True or false: the USSR first spoke on Kashmir in 1950.", False, event="kashmir-1952"
    )
    assert only("R201", asks, states) == ["a"]


def test_r201_passes_two_different_facts_about_one_event():
    treaty = choice("The USSR signed a treaty with?", "India", "China", slug="a", event="war-1971")
    vetoes = choice("How many vetoes?", "Three", "One", "Two", slug="b", event="war-1971")
    assert only("R201", treaty, vetoes) == []


# -- R202 answered-by-prompt ----------------------------------------------------------


def test_r202_flags_a_question_whose_answer_another_prompt_states():
    leaders = choice(
        "Which Soviet leaders toured India in 1955?",
        "Khrushchev and Bulganin",
        "Brezhnev and Kosygin",
        slug="leaders",
        event="tour-1955",
    )
    claim = choice(
        "On their tour, Khrushchev and Bulganin backed whose claim to the Pashtun areas?",
        "Afghanistan",
        "Iran",
        slug="claim",
        event="tour-1955",
    )
    year = year_guess(
        "In which year did a Soviet Premier first visit Pakistan?", 1968, "y", "kosygin-1968"
    )
    gives_year = choice(
        "Who visited Pakistan in April 1968?", "Kosygin", "Brezhnev", slug="g", event="kosygin-1968"
    )
    assert only("R202", leaders, claim) == ["leaders"]
    assert only("R202", year, gives_year) == ["y"]


def test_r202_passes_prompts_that_leave_the_answer_out():
    leaders = choice(
        "Which Soviet leaders toured India in 1955?",
        "Khrushchev and Bulganin",
        "Brezhnev and Kosygin",
        slug="leaders",
        event="tour-1955",
    )
    claim = choice(
        "In December 1955 the Soviet leaders backed whose claim to the Pashtun areas?",
        "Afghanistan",
        "Iran",
        slug="claim",
        event="tour-1955",
    )
    assert only("R202", leaders, claim) == []


def test_r202_flags_an_answer_given_by_an_earlier_reveal_or_order_item():
    oil_note = choice(
        "During the 1956 thaw, which agreement was signed?",
        "A trade agreement",
        "An oil exploration agreement",
        slug="thaw",
    )
    oil_note = LintQuestion(
        **{
            **oil_note.__dict__,
            "choices": (
                LintChoice("A trade agreement", True),
                LintChoice("An oil exploration agreement", note="That came in March 1961"),
            ),
        }
    )
    events = (
        *EVENTS,
        LintEvent("oil-1961", 1961, "The USSR agrees to help Pakistan explore for oil"),
    )
    oil_year = year_guess(
        "In which year did the USSR agree to look for oil?", 1961, "oil", "oil-1961"
    )
    quiz = LintQuiz("quiz", (oil_note, oil_year), events)
    assert [(f.code, f.question) for f in lint_quiz(quiz)] == [("R202", "oil")]

    order = LintQuestion(
        slug="order",
        kind="order",
        prompt="Put these in order.",
        explanation="In that order.",
        choices=(LintChoice("Bhutto visits Moscow"), LintChoice("Gorbachev warns Zia in Moscow")),
        time_limit_s=30,
    )
    who = choice(
        "Which new Soviet leader warned Zia in Moscow in March 1985?",
        "Mikhail Gorbachev",
        "Yuri Andropov",
        "Leonid Brezhnev",
        slug="who",
    )
    assert only("R202", order, who) == ["who"]
    assert only("R202", who, order) == []  # the order question comes after: no giveaway


def test_r202_flags_an_effect_question_whose_event_another_prompt_calls_angering():
    angered = choice(
        "What did Pakistan do in 1969-71 that angered Moscow?",
        "Linked the USA and China",
        "Joined SEATO",
        "Left CENTO",
        slug="a",
        event="war-1971",
    )
    effect = choice(
        "The war that split Pakistan. Did this improve or worsen relations?",
        "Worsened relations",
        "Improved relations",
        slug="b",
        event="war-1971",
    )
    calm = choice(
        "What did Pakistan do in 1969-71?",
        "Linked the USA and China",
        "Joined SEATO",
        "Left CENTO",
        slug="a",
        event="war-1971",
        explanation="Linked them: a blow to relations.",
    )
    assert only("R202", angered, effect) == ["b"]
    assert only("R202", calm, effect) == []


# -- R203 same-key --------------------------------------------------------------------


def test_r203_warns_when_two_questions_key_the_same_name():
    a = choice("Who brokered Tashkent?", "Alexei Kosygin", "Brezhnev", slug="a", event="tashkent")
    b = choice("Who visited in 1968?", "Alexei Kosygin", "Podgorny", slug="b", event="kosygin-1968")
    assert only("R203", a, b) == ["b"]
    assert RULES["R203"].severity == "warning"


def test_r203_passes_different_names():
    a = choice("Who brokered Tashkent?", "Alexei Kosygin", "Brezhnev", slug="a", event="tashkent")
    b = choice("Who went to Moscow?", "Z. A. Bhutto", "Yahya Khan", slug="b", event="bhutto-1972")
    assert only("R203", a, b) == []


# -- T301 reading-time ----------------------------------------------------------------


def test_t301_flags_text_too_long_to_read_in_the_time_limit():
    long_choice = "an unusually wordy option that goes on and on for many words"
    q = choice(
        "Which of these long descriptions of events in the history of the relationship is "
        "the one that happened in the year when the oil agreement was signed?",
        long_choice + " one",
        long_choice + " two",
        long_choice + " three",
        long_choice + " four",
        time_limit_s=20,
    )
    assert only("T301", q) == ["q"]


def test_t301_passes_the_same_text_with_a_longer_limit_and_short_text_at_20_s():
    long_choice = "an unusually wordy option that goes on and on for many words"
    long_q = choice(
        "Which of these long descriptions of events in the history of the relationship is "
        "the one that happened in the year when the oil agreement was signed?",
        long_choice + " one",
        long_choice + " two",
        long_choice + " three",
        long_choice + " four",
        time_limit_s=40,
    )
    short = choice("Who brokered Tashkent?", "Kosygin", "Brezhnev", "Podgorny", slug="s")
    assert only("T301", long_q, short) == []


# -- T302 choice-length ---------------------------------------------------------------


def test_t302_flags_a_choice_too_long_for_a_phone_button():
    q = choice("Which?", "A" * 61, "B")
    assert only("T302", q) == ["q"]


def test_t302_passes_a_choice_at_the_limit():
    q = choice("Which?", "A" * 60, "B")
    assert only("T302", q) == []


# -- X401 explanation-verdict ---------------------------------------------------------


def test_x401_flags_an_explanation_without_the_events_verdict():
    q = choice(
        "Who brokered Tashkent?",
        "Kosygin",
        "Brezhnev",
        event="tashkent",
        explanation="Kosygin brought the two sides together.",
    )
    assert only("X401", q) == ["q"]


def test_x401_passes_an_explanation_that_gives_the_verdict():
    q = choice(
        "Who brokered Tashkent?",
        "Kosygin",
        "Brezhnev",
        event="tashkent",
        explanation="Kosygin brought the two sides together: a success for Moscow.",
    )
    neutral = choice(
        "Who came in 1968?",
        "Kosygin",
        "Brezhnev",
        slug="n",
        event="kosygin-1968",
        explanation="The model answer does not mention it, so it gives no verdict.",
    )
    assert only("X401", q, neutral) == []


# -- X402 explanation-length ----------------------------------------------------------


def _with_explanation(slug, text):
    return choice(f"Question {slug}?", "Yes", "No", slug=slug, explanation=text)


def test_x402_flags_an_explanation_far_longer_than_the_others_or_over_the_cap():
    others = [_with_explanation(f"o{i}", "A failure. " + "x" * 190) for i in range(6)]
    far_longer = _with_explanation("long", "A failure. " + "x" * 330)
    capped = _with_explanation("cap", "A failure. " + "x" * 400)
    assert only("X402", *others, far_longer) == ["long"]
    assert only("X402", capped) == ["cap"]


def test_x402_passes_explanations_of_similar_length():
    others = [_with_explanation(f"o{i}", "A failure. " + "x" * 190) for i in range(6)]
    similar = _with_explanation("similar", "A failure. " + "x" * 240)
    assert only("X402", *others, similar) == []


# -- F501 unverified-key --------------------------------------------------------------

LOAN = UnverifiedClaim("The USSR lent Pakistan 11 million pounds in 1963", ("11 million",))
YEAR = UnverifiedClaim("The nuclear warning came in 1986", ("1986",), event="nuclear")


def test_f501_flags_a_question_keying_an_unverified_claim():
    loan = choice("How much did the USSR lend in 1963?", "11 million pounds", "30 million")
    tf = true_false("True or false: Moscow's nuclear warning came in 1986.", False, event="nuclear")
    assert only("F501", loan, tf, unverified=[LOAN, YEAR]) == ["q", "tf"]


def test_f501_passes_an_unverified_text_only_in_a_distractor_or_another_event():
    loan = choice("How much was the 1961 oil credit?", "About $30 million", "11 million pounds")
    other_event = year_guess("When did the war that split Pakistan end?", 1971, event="war-1971")
    other = LintQuestion(**{**other_event.__dict__, "prompt": "Year of the war (not 1986)?"})
    assert only("F501", loan, other, unverified=[LOAN, YEAR]) == []


def test_f501_matches_whole_words_only():
    aid = UnverifiedClaim("China began to give Pakistan aid in 1963", ("aid",))
    said = choice("What was said in October 1963?", "Air services", "Oil")
    keyed = choice("What did China begin in 1963?", "Aid to Pakistan", "Oil")
    assert only("F501", said, unverified=[aid]) == []
    assert only("F501", keyed, unverified=[aid]) == ["q"]


def test_unverified_claims_are_read_from_plain_data_and_bad_entries_are_refused():
    claims = unverified_from(
        [{"claim": "A", "match": ["a"], "event": "e"}, {"claim": "B", "match": ["b"]}]
    )
    assert claims == (UnverifiedClaim("A", ("a",), "e"), UnverifiedClaim("B", ("b",)))
    with pytest.raises(ValueError, match=r"unverified\[0\]\.match"):
        unverified_from([{"claim": "A", "match": []}])
    with pytest.raises(ValueError, match="unknown keys: why"):
        unverified_from([{"claim": "A", "match": ["a"], "why": "x"}])


# -- F502 distractor-true -------------------------------------------------------------


TWIN_1955 = LintEvent("baghdad-1955", 1955, "Pakistan joins the Baghdad Pact", "worsened")


@pytest.mark.parametrize(
    "question",
    [
        choice(
            "Which of these happened in 1955?",
            "Soviet leaders tour India",
            "Pakistan joins the Baghdad Pact",
            "Kosygin visits Pakistan",
        ),
        choice("Which came first?", "Pakistan joins SEATO", "The USSR speaks on Kashmir at the UN"),
        choice(
            "What did the 1971 war do to relations?",
            "Improved relations",
            "Worsened relations",
            event="war-1971",
        ),
        choice("Who brokered it?", "Leonid Brezhnev", "Alexei Kosygin", event="tashkent"),
    ],
    ids=["same-year", "came-earlier", "effect", "key-actor"],
)
def test_f502_flags_a_distractor_the_timeline_makes_true(question):
    quiz = LintQuiz("quiz", (question,), (*EVENTS, TWIN_1955))
    assert [f.question for f in lint_quiz(quiz) if f.code == "F502"] == ["q"]


def test_f502_passes_distractors_the_timeline_makes_false():
    in_year = choice(
        "Which of these happened in 1955?",
        "Soviet leaders tour India",
        "Pakistan joins SEATO",
        "Kosygin visits Pakistan",
    )
    first = choice(
        "Which came first?", "The USSR speaks on Kashmir at the UN", "Pakistan joins SEATO"
    )
    effect = choice(
        "What did the 1971 war do to relations?",
        "Worsened relations",
        "Improved relations",
        slug="e",
        event="war-1971",
    )
    assert only("F502", in_year) == []
    assert only("F502", first) == []
    assert only("F502", effect) == []


# -- F503 distractor-maybe-true -------------------------------------------------------


def test_f503_warns_when_a_distractor_year_fits_another_event_the_prompt_describes():
    q = choice(
        "When did the USSR first take sides on Kashmir at the UN?",
        "1952",
        "1948",
        "1957",
        "1962",
        event="kashmir-1952",
    )
    assert only("F503", q) == ["q"]


def test_f503_passes_distractor_years_of_unrelated_events():
    q = choice(
        "When did a Soviet delegate first speak in the UN debate on Kashmir?",
        "1952",
        "1948",
        "1954",
        "1962",
        event="kashmir-1952",
    )
    assert only("F503", q) == []


# -- A601 two-claims ------------------------------------------------------------------


def test_a601_warns_about_a_true_false_statement_with_two_claims():
    q = true_false(
        "True or false: the Soviet and American invitations arrived at the same time, in 1950.",
        False,
    )
    assert only("A601", q) == ["tf"]


def test_a601_passes_a_statement_with_one_claim():
    q = true_false("True or false: the U-2 shot down in May 1960 took off from Peshawar.", True)
    assert only("A601", q) == []


# -- Entry points ---------------------------------------------------------------------


def test_every_rule_has_a_code_name_severity_and_summary():
    for code, rule in RULES.items():
        assert rule.code == code
        assert rule.severity in ("error", "warning")
        assert rule.name and rule.summary


def test_a_finding_formats_like_a_code_linter_line():
    q = choice("Which SEATO member?", "SEATO", "NATO", "CENTO")
    (finding,) = [f for f in lint_quiz(LintQuiz("my-quiz", (q,), EVENTS)) if f.code == "K103"]
    line = finding.format("my-quiz")
    assert line.startswith("my-quiz:q: K103 error (prompt-cue): The prompt contains the key")


def test_lint_candidate_reports_findings_on_either_side_of_a_new_pair():
    hand = choice(
        "Which Pakistani president visited Moscow in April 1965?",
        "Ayub Khan",
        "Yahya Khan",
        "Z. A. Bhutto",
        slug="hand",
        event="ayub-1965",
    )
    events = (
        *EVENTS,
        LintEvent("ayub-1965", 1965, "Ayub Khan visits the USSR", "improved", "success"),
    )
    quiz = LintQuiz("quiz", (hand,), events)
    candidate = choice(
        "In which year did this happen: Ayub Khan visits the USSR?",
        "1965",
        "1963",
        "1966",
        "1968",
        slug="gen",
        event="ayub-1965",
        explanation="April 1965: a success.",
    )
    found = {(f.code, f.question) for f in lint_candidate(candidate, quiz)}
    assert ("R202", "gen") in found  # the hand prompt says 1965
    assert ("R202", "hand") in found  # the candidate's prompt names Ayub Khan


# -- V7xx the verdict round ------------------------------------------------------------


def verdict(event, slug="v", explanation="because Moscow took India's side.", prompt=None):
    return question(
        "verdict",
        prompt or "Was it a success or a failure for Pakistan–USSR relations?",
        slug=slug,
        event=event,
        explanation=explanation,
    )


def test_v701_flags_a_verdict_question_without_an_event_or_on_a_neutral_one():
    assert only("V701", verdict(None), verdict("kosygin-1968", slug="v2")) == ["v", "v2"]
    assert only("V701", verdict("war-1971")) == []


def test_v702_flags_a_verdict_the_fact_check_contests():
    contested = UnverifiedClaim("The verdict on Tashkent is only implied", ("success",), "tashkent")
    elsewhere = UnverifiedClaim("A claim about the date", ("1966",), "tashkent")
    assert only("V702", verdict("tashkent"), unverified=[contested]) == ["v"]
    # A doubt about another detail of the event, or another event, is no doubt on the verdict.
    assert only("V702", verdict("tashkent"), unverified=[elsewhere]) == []
    assert only("V702", verdict("war-1971"), unverified=[contested]) == []


def test_v703_flags_an_earlier_reveal_that_gives_the_verdict_away():
    telling = choice("Which country did the USSR back in December 1971?", "India", "China",
                     "Iran", slug="fact", event="war-1971")  # fmt: skip
    quiet = choice("Which country did the USSR back in December 1971?", "India", "China",
                   "Iran", slug="fact", event="war-1971",
                   explanation="India, with a treaty and three vetoes.")  # fmt: skip
    assert only("V703", telling, verdict("war-1971")) == ["v"]
    # Before its verdict question, a reveal on the event need not give the verdict (X401).
    assert codes(quiet, verdict("war-1971")) == []
    assert only("X401", quiet) == ["fact"]


def test_v704_flags_a_question_asked_after_the_verdict_on_its_event():
    # The verdict's reveal shows the event's title and date: it may answer what follows.
    later = year_guess("In which year did the war split Pakistan?", 1971, event="war-1971")
    assert only("V704", verdict("war-1971"), later) == ["yg"]
    assert only("V704", later, verdict("war-1971")) == []
    elsewhere = year_guess("In which year did Bhutto visit Moscow?", 1972, event="bhutto-1972")
    assert only("V704", verdict("war-1971"), elsewhere) == []


def test_a_verdict_reveal_need_not_repeat_the_verdict_word():
    # The reveal states the model answer's verdict itself: X401 does not apply.
    assert only("X401", verdict("war-1971")) == []
    assert codes(verdict("war-1971")) == []


def test_every_verdict_rule_is_listed():
    codes_ = ("V701", "V702", "V703", "V704")
    assert set(codes_) <= set(RULES)
    assert all(RULES[code].severity == "error" for code in codes_)
