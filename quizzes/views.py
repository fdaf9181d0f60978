from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from quizzes.models import Quiz
from quizzes.timeline_chart import ChartEvent, layout


def timeline(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the quiz's timeline as a chart of the relationship: public, like the quiz's topic."""
    quiz = get_object_or_404(Quiz.objects.select_related("timeline"), slug=slug)
    if quiz.timeline is None:
        raise Http404("This quiz has no timeline.")
    line = quiz.timeline
    events = list(line.events.all())
    in_period = [e for e in events if e.in_period]
    chart = layout(
        (
            ChartEvent(
                slug=e.slug,
                year=e.year,
                month=e.month,
                title=e.title,
                effect=e.effect,
                verdict=e.verdict,
            )
            for e in in_period
        ),
        start=line.period_start,
        end=line.period_end,
    )
    return render(
        request,
        "quizzes/timeline.html",
        {
            "quiz": quiz,
            "timeline": line,
            "chart": chart,
            "events": in_period,
            "epilogue": [e for e in events if not e.in_period],
        },
    )
