"""Teaching the history after a game: the timeline page for the seed, the way back to the
podium from it, and the report's link to it (issue 8; docs/teaching.md)."""

import re

import pytest

from classroom import selectors
from classroom.services import phases
from quizzes.models import Event, Question, Quiz

from .conftest import SEED_QUIZ


def test_the_seed_quiz_asks_every_kind_of_question(seed_quiz):
    kinds = set(seed_quiz.questions.values_list("kind", flat=True))
    assert (
        kinds
        == set(Question.Kind.values)
        == {
            "choice",
            "true_false",
            "order",
            "year_guess",
            "verdict",
        }
    )


def test_the_seed_timeline_charts_every_event_of_1947_to_1988_on_its_side_and_verdict(
    teacher_client, seed_quiz
):
    html = teacher_client.get(f"/timeline/{SEED_QUIZ}/").content.decode()
    events = list(seed_quiz.timeline.events.filter(in_period=True))
    assert events and all(1947 <= e.year <= 1988 for e in events)
    for event in events:
        side = "above" if event.effect == Event.Effect.IMPROVED else "below"
        group = re.search(
            rf'<g class="event verdict-{event.verdict} side-(\w+)" data-testid="chart-event" '
            rf'data-slug="{event.slug}"',
            html,
        )
        assert group, event.slug
        if event.effect in (Event.Effect.IMPROVED, Event.Effect.WORSENED):
            assert group.group(1) == side, event.slug
    successes = sum(e.verdict == Event.Verdict.SUCCESS for e in events)
    failures = sum(e.verdict == Event.Verdict.FAILURE for e in events)
    assert successes and failures
    assert f'data-testid="success-count">{successes} successes<' in html
    assert f'data-testid="failure-count">{failures} failures<' in html
    verdict = re.search(r'data-testid="overall-verdict">([^<]*)<', html).group(1)
    assert verdict.startswith("Not successful overall.")
    # The model answer's reason, attributed to it: "periods of improved relations were
    # short lived" (not "soon undone": the 1972 spell lasted until 1979).
    assert "model answer" in verdict and "short-lived" in verdict


def test_opened_from_the_podium_the_timeline_leads_back_to_it(teacher_client, seed_quiz):
    html = teacher_client.get(f"/timeline/{SEED_QUIZ}/?podium=123456").content.decode()
    assert 'href="/host/123456/" data-testid="back-to-podium"' in html


@pytest.mark.parametrize("podium", ["", "12345", "https://evil.example/", "123456/../x"])
def test_without_a_pin_the_timeline_offers_no_way_back_to_a_podium(
    teacher_client, seed_quiz, podium
):
    html = teacher_client.get(f"/timeline/{SEED_QUIZ}/", {"podium": podium}).content.decode()
    assert "back-to-podium" not in html
    assert "evil.example" not in html


def test_the_report_links_to_the_quizs_timeline_page(teacher_client, game):
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert f'href="/timeline/{game.quiz.slug}/" data-testid="timeline-link"' in html
    assert teacher_client.get(f"/timeline/{game.quiz.slug}/").status_code == 200


def test_the_report_of_a_quiz_without_a_timeline_has_no_timeline_link(teacher_client, game):
    Quiz.objects.filter(pk=game.quiz_id).update(timeline=None)
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert 'data-testid="timeline-link"' not in html


def test_the_podium_links_to_a_timeline_page_that_exists(teacher_client, seed_quiz, teacher):
    """`finished.timeline_url` is the quiz's page: the seed's timeline slug differs from
    its quiz slug, and the page is addressed by the quiz."""
    game = phases.game_create(quiz=seed_quiz, host=teacher)
    url = selectors.timeline_url(game)
    assert url == f"/timeline/{SEED_QUIZ}/"
    assert teacher_client.get(url).status_code == 200


def test_the_podium_and_report_timeline_links_send_a_phone_to_the_login_page(
    client, seed_quiz, teacher
):
    """The links work for the teacher (above); a student who copies one gets the login
    page, not the answers to the year, order and effect questions."""
    game = phases.game_create(quiz=seed_quiz, host=teacher)
    response = client.get(selectors.timeline_url(game), HTTP_USER_AGENT="Mozilla/5.0 (Android)")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/timeline/{SEED_QUIZ}/"


def test_the_projector_page_has_the_podiums_timeline_button_with_its_key(teacher_client, game):
    html = teacher_client.get(f"/host/{game.pin}/").content.decode()
    button = re.search(r'<a id="timeline-link"[^>]*>(.*?)</a>', html).group(1)
    assert "The whole timeline" in button and "<kbd>T</kbd>" in button
