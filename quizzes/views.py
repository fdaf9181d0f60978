import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from quizzes.models import Quiz
from quizzes.timeline_chart import ChartEvent, layout

PIN = re.compile(r"[0-9]{6}")


def _podium_url(request: HttpRequest) -> str | None:
    """Where "Back to the podium" goes when the projector opened this page (`?podium=<PIN>`).

    Only a PIN is taken from the query, never a URL, so the link cannot lead off the site.
    """
    pin = request.GET.get("podium", "")
    return reverse("projector", kwargs={"pin": pin}) if PIN.fullmatch(pin) else None


@login_required
def timeline(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the quiz's timeline as a chart of the relationship, to teachers only.

    It answers the quiz's year, order and effect questions, so a student who could open
    it during a game would not need to know any history: it needs a teacher's login
    (students have no accounts), like the projector and the report that link to it.
    """
    quiz = get_object_or_404(Quiz.objects.select_related("timeline"), slug=slug)
    if quiz.timeline is None:
        raise Http404("This quiz has no timeline.")
    line = quiz.timeline
    events = list(line.events.all())
    in_period = [e for e in events if e.in_period]
    chart = layout(
        (ChartEvent.of(e) for e in in_period),
        start=line.period_start,
        end=line.period_end,
        periods=line.period_list(),
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
            "podium_url": _podium_url(request),
        },
    )
