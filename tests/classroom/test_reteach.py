"""Which events "Reteach the weakest" goes over again (classroom/reteach.py)."""

from classroom.reteach import EventScore, weakest, why


def event(slug, accuracy, *, questions=1, position=0):
    return EventScore(
        slug=slug,
        title=slug.title(),
        date_label="1966",
        questions=questions,
        correct=0,
        possible=0,
        accuracy=accuracy,
        position=position,
    )


def test_the_weakest_events_come_first_and_at_most_three():
    events = [event("a", 60.0), event("b", 10.0), event("c", 40.0), event("d", 20.0)]
    assert [e.slug for e in weakest(events)] == ["b", "d", "c"]


def test_an_event_the_class_mostly_got_right_is_not_retaught():
    assert weakest([event("a", 75.0), event("b", 100.0), event("c", None)]) == []
    assert [e.slug for e in weakest([event("a", 74.9)])] == ["a"]


def test_ties_go_to_more_questions_then_timeline_order():
    events = [event("late", 50.0, position=2), event("more", 50.0, questions=3, position=3)]
    events.append(event("early", 50.0, position=1))
    assert [e.slug for e in weakest(events)] == ["more", "early", "late"]


def test_why_says_the_event_its_date_and_how_much_was_right():
    assert why(event("tashkent", 33.3, questions=2)) == "Tashkent (1966): 33 % right, 2 questions"
