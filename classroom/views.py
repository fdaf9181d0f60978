"""The HTML pages: teacher dashboard, game launch, projector, phone, reports, and
the answer page of a game with verdict questions.

The live game itself runs over websockets (`classroom.consumers`); these views only
render the pages that speak to it, and read or delete stored rows.
"""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from classroom import gate, pins, selectors
from classroom.answer import game_outline
from classroom.errors import ClientError
from classroom.models import Game
from classroom.qr import qr_svg
from classroom.reports import game_report, report_csv, report_xlsx
from classroom.services import phases
from quizzes.models import Quiz


def _dashboard_context(request: HttpRequest) -> dict[str, object]:
    quizzes = Quiz.objects.annotate(question_count=Count("questions")).order_by("title")
    games = (
        Game.objects.filter(host=request.user)
        .annotate(player_count=Count("players", filter=Q(players__kicked=False)))
        .order_by("-created_at")
    )
    return {
        "quizzes": quizzes,
        "running_games": [g for g in games if g.ended_at is None],
        "past_games": [g for g in games if g.ended_at is not None],
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "classroom/dashboard.html", _dashboard_context(request))


@login_required
@require_POST
def game_start(request: HttpRequest) -> HttpResponse:
    slug = (request.POST.get("quiz") or "").strip()
    error = ""
    quiz = Quiz.objects.filter(slug=slug).first() if slug else None
    if not slug:
        error = "Choose a quiz to start."
    elif quiz is None:
        error = f"There is no quiz called “{slug}”. Pick one from the list."
    elif not quiz.questions.exists():
        error = f"“{quiz.title}” has no questions yet, so it cannot be played."
    options, option_error = _start_options(request)
    error = error or option_error
    if not error:
        try:
            game = phases.game_create(quiz=quiz, host=request.user, options=options)
        except (ValueError, ValidationError, RuntimeError) as exc:
            error = f"The game could not be started: {_first_message(exc)}"
        else:
            return redirect("projector", pin=game.pin)
    context = _dashboard_context(request)
    context["start_error"] = error
    return render(request, "classroom/dashboard.html", context, status=400)


# What a checkbox of the start form may send: checked ("on", or an API client's "1" or
# "true"), or nothing / "0" / "false" for unchecked.
_CHECKED = {"on": True, "1": True, "true": True, "": False, "0": False, "false": False}


def _start_options(request: HttpRequest) -> tuple[dict[str, bool], str]:
    """The game options of the start form (docs/protocol.md, "Game setup"), or a message."""
    raw = request.POST.get("join_gate", "").strip().lower()
    if raw not in _CHECKED:
        return {}, "“Shapes to join” must be ticked or not; start the game again."
    return {"join_gate": _CHECKED[raw]}, ""


def _first_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _game_for(request: HttpRequest, pin: str) -> Game:
    """The game a teacher means by `pin` (classroom/pins.py: the running one, else the
    latest that ended, among their own; a superuser's among all). Someone else's game
    is a 403, an unknown PIN a 404."""
    try:
        return pins.game_for_teacher(
            pin=pin, user=request.user, games=Game.objects.select_related("quiz", "host")
        )
    except pins.NoSuchGame:
        raise Http404("No game has this PIN.") from None
    except pins.NotYours:
        raise PermissionDenied("Only the teacher who started this game can open it.") from None


def join_url(request: HttpRequest, pin: str) -> str:
    """The absolute URL students type or scan to join the game with `pin`."""
    return selectors.join_url(pin, request.build_absolute_uri("/"))


@login_required
@require_GET
def projector(request: HttpRequest, pin: str) -> HttpResponse:
    game = _game_for(request, pin)
    url = join_url(request, game.pin)
    return render(
        request,
        "classroom/projector.html",
        {
            "game": game,
            "join_url": url,
            "join_url_short": url.split("://", 1)[-1],
            "qr": qr_svg(url=url, title=f"QR code: {url}"),
            "ws_path": f"/ws/host/{game.pin}/",
            "report_url": reverse("report", kwargs={"pin": game.pin}),
            "question_count": len(game.questions or []),
            "options": game.options or {},
        },
    )


@require_GET
def play(request: HttpRequest, pin: str = "") -> HttpResponse:
    # How many shapes the join gate asks for: the page knows the length, never the shapes.
    return render(request, "classroom/phone.html", {"pin": pin, "gate_length": gate.LENGTH})


@login_required
@require_GET
def report(request: HttpRequest, pin: str) -> HttpResponse:
    game = _game_for(request, pin)
    return render(
        request,
        "classroom/report.html",
        {
            "report": game_report(game=game),
            "timeline_url": selectors.timeline_url(game),
            "answer_url": selectors.answer_url(game),
        },
    )


@login_required
@require_GET
def answer(request: HttpRequest, pin: str) -> HttpResponse:
    """The answer page: the class's verdicts beside the model answer's, period by
    period, as the outline of the essay answer (classroom/answer.py). Printable."""
    game = _game_for(request, pin)
    if not selectors.verdicts_asked(game):
        raise Http404("This game asked no verdict questions, so it has no answer page.")
    return render(
        request,
        "classroom/answer.html",
        {
            "game": game,
            "outline": game_outline(game=game),
            "report_url": selectors.report_url(game),
        },
    )


@login_required
@require_GET
def report_download(request: HttpRequest, pin: str) -> HttpResponse:
    game = _game_for(request, pin)
    body = report_csv(report=game_report(game=game))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = game.created_at.strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="game-{game.pin}-{stamp}.csv"'
    return response


@login_required
@require_GET
def report_download_xlsx(request: HttpRequest, pin: str) -> HttpResponse:
    game = _game_for(request, pin)
    body = report_xlsx(report=game_report(game=game))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = game.created_at.strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="game-{game.pin}-{stamp}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def game_delete(request: HttpRequest, game_id: int) -> HttpResponse:
    """Delete a game's data (players, answers, the game) after a confirmation page."""
    game = get_object_or_404(Game.objects.select_related("quiz"), pk=game_id)
    if not pins.user_may_host(user=request.user, game=game):
        raise PermissionDenied("Only the teacher who started this game can delete it.")
    if request.method == "GET":
        return render(
            request,
            "classroom/game_delete.html",
            {"game": game, "player_count": game.players.count()},
        )
    title, pin = game.title, game.pin
    if game.ended_at is None:
        _end_before_delete(game)
    with transaction.atomic():
        # Players and answers go with the game (on_delete=CASCADE).
        Game.objects.filter(pk=game.pk).delete()
    messages.success(request, f"The data of game {pin} ({title}) has been deleted.")
    return redirect("dashboard")


def _end_before_delete(game: Game) -> None:
    """End a running game first, so its phones hear `finished` instead of a dead socket."""
    # Already finishing or finished: deleting is all that is left to do.
    with contextlib.suppress(ClientError):
        phases.game_end(game_id=game.pk)
