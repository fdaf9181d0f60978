"""The HTML pages: teacher dashboard, game launch, projector, phone, reports, and
the answer page of a game with verdict questions.

The live game itself runs over websockets (`classroom.consumers`); these views only
render the pages that speak to it, and read or delete stored rows.
"""

import contextlib
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django.views.i18n import set_language

from classroom import game_setup, gate, pins, selectors, setups
from classroom.answer import game_outline
from classroom.errors import ClientError
from classroom.forms import SetupForm, initial_for
from classroom.game_setup import GameSetup, SetupError
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


def _playable(slug: str) -> tuple[Quiz | None, str]:
    """The quiz a start names, or why it cannot be started."""
    quiz = Quiz.objects.select_related("timeline").filter(slug=slug).first() if slug else None
    if not slug:
        return None, gettext("Choose a quiz to start.")
    if quiz is None:
        return None, gettext("There is no quiz called “%(slug)s”. Pick one from the list.") % {
            "slug": slug
        }
    if not quiz.questions.exists():
        return None, gettext("“%(title)s” has no questions yet, so it cannot be played.") % {
            "title": quiz.title
        }
    return quiz, ""


def _setup_form(quiz: Quiz, offer: setups.Material, data: Any = None, **kwargs: Any) -> SetupForm:
    counts = Counter(candidate.period for candidate in offer.candidates)
    choices = [
        (
            period.slug,
            ngettext(
                "%(title)s (%(n)s question)", "%(title)s (%(n)s questions)", counts[period.slug]
            )
            % {"title": period.title, "n": counts[period.slug]},
        )
        for period in offer.periods
    ]
    return SetupForm(data, period_choices=choices, question_count=len(offer.candidates), **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def game_start(request: HttpRequest) -> HttpResponse:
    """GET: the setup page of a quiz (`?quiz=<slug>`, `&preset=<key>`). POST: start the
    game the form describes (docs/protocol.md, "Game setup"), or show it again with a
    message next to each bad value (400) and start nothing."""
    source = request.POST if request.method == "POST" else request.GET
    slug = (source.get("quiz") or "").strip()
    quiz, error = _playable(slug)
    if quiz is None:
        if request.method == "GET" and not slug:
            return redirect("dashboard")
        context = _dashboard_context(request)
        context["start_error"] = error
        return render(request, "classroom/dashboard.html", context, status=400)
    offer = setups.material(quiz)
    if request.method == "GET":
        last = setups.last_choice(teacher=request.user, offer=offer)
        setup, notice = last.setup, ""
        preset_key = request.GET.get("preset", "")
        if preset_key:
            chosen = {p.key: p for p in game_setup.presets(offer.period_slugs)}.get(preset_key)
            if chosen is None:
                notice = gettext("There is no such quick choice; the form shows your last choice.")
            else:
                setup = game_setup.apply_preset(setup, chosen)
        initial = initial_for(setup, period_slugs=offer.period_slugs)
        if last.homework_again and not preset_key:
            initial["mode"] = game_setup.SELF_PACED
        initial["quiz"] = quiz.slug
        form = _setup_form(quiz, offer, initial=initial)
        return _setup_page(request, quiz, offer, form, setup=setup, notice=notice)
    form = _setup_form(quiz, offer, request.POST)
    if form.is_valid():
        setup = form.setup()
        try:
            game = phases.game_create(quiz=quiz, host=request.user, setup=setup)
        except SetupError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except (ValueError, ValidationError, RuntimeError) as exc:
            form.add_error(
                None,
                gettext("The game could not be started: %(reason)s")
                % {"reason": _first_message(exc)},
            )
        else:
            return redirect("projector", pin=game.pin)
    return _setup_page(request, quiz, offer, form, setup=None, status=400)


def _preset_links(quiz: Quiz, offer: setups.Material) -> list[dict[str, Any]]:
    """The quick choices of the setup page, each a link that fills the form, labelled
    with what it asks of this quiz ("Starter: 10 questions, ~8 min")."""
    links = []
    for preset in game_setup.presets(offer.period_slugs):
        try:
            look = setups.preview(offer, game_setup.apply_preset(GameSetup(), preset))
        except SetupError:
            continue  # a period without questions offers nothing to play
        periods = preset.changes["periods"]
        period = next((p for p in offer.periods if (p.slug,) == periods), None)
        query = urlencode({"quiz": quiz.slug, "preset": preset.key})
        links.append(
            {
                "key": preset.key,
                "one_period": period is not None,
                "label": gettext(preset.label).format(
                    count=look.count, minutes=look.minutes, title=period.title if period else ""
                ),
                "detail": (
                    ngettext(
                        "%(n)s question, ~%(minutes)s min",
                        "%(n)s questions, ~%(minutes)s min",
                        look.count,
                    )
                    % {"n": look.count, "minutes": look.minutes}
                    if period
                    else ""
                ),
                "url": f"{reverse('game_start')}?{query}",
            }
        )
    return links


def _setup_page(
    request: HttpRequest,
    quiz: Quiz,
    offer: setups.Material,
    form: SetupForm,
    *,
    setup: GameSetup | None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    form.mark_errors()
    shown = setup
    if shown is None and form.is_bound and not form.errors:
        shown = form.setup()
    preview = None
    if shown is not None:
        with contextlib.suppress(SetupError):
            preview = setups.preview(offer, shown)
    presets = _preset_links(quiz, offer)
    return render(
        request,
        "classroom/setup.html",
        {
            "quiz": quiz,
            "form": form,
            "preview": preview,
            "presets": [p for p in presets if not p["one_period"]],
            "period_presets": [p for p in presets if p["one_period"]],
            "notice": notice,
            "question_count": len(offer.candidates),
            "estimate_url": reverse("game_setup_estimate"),
        },
        status=status,
    )


@login_required
@require_GET
def game_setup_estimate(request: HttpRequest) -> JsonResponse:
    """How many questions the setup page's current values ask and about how long the
    game takes (the page asks as the teacher changes the form): the same selection and
    estimate as the game (classroom/setups.py). A bad value: 400 with the messages."""
    quiz, error = _playable((request.GET.get("quiz") or "").strip())
    if quiz is None:
        return JsonResponse({"errors": {"quiz": [error]}}, status=400)
    offer = setups.material(quiz)
    form = _setup_form(quiz, offer, request.GET)
    if form.is_valid():
        try:
            look = setups.preview(offer, form.setup())
        except SetupError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return JsonResponse(
                {
                    "questions": look.count,
                    "seconds": look.seconds,
                    "minutes": look.minutes,
                    "summary": look.summary,
                }
            )
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return JsonResponse({"errors": errors}, status=400)


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
        raise PermissionDenied(
            gettext("Only the teacher who started this game can open it.")
        ) from None


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
            "qr": qr_svg(url=url, title=gettext("QR code: %(url)s") % {"url": url}),
            "ws_path": f"/ws/host/{game.pin}/",
            "report_url": reverse("report", kwargs={"pin": game.pin}),
            "question_count": len(game.questions or []),
            "options": game.options or {},
            "setup_words": setups.words(game),
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
        raise PermissionDenied(gettext("Only the teacher who started this game can delete it."))
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
    messages.success(
        request,
        gettext("The data of game %(pin)s (%(title)s) has been deleted.")
        % {"pin": pin, "title": title},
    )
    return redirect("dashboard")


def _end_before_delete(game: Game) -> None:
    """End a running game first, so its phones hear `finished` instead of a dead socket."""
    # Already finishing or finished: deleting is all that is left to do.
    with contextlib.suppress(ClientError):
        phases.game_end(game_id=game.pk)


def language_set(request: HttpRequest) -> HttpResponse:
    """The language switch (join page, dashboard, login page): Django's `set_language`,
    which remembers the choice in the language cookie and goes back to `next` (this
    site only). Django would remember any language it has a catalogue for, and it has
    dozens; only the interface's own (settings.LANGUAGES) are kept, anything else is
    ignored and the page stays as it was (docs/translating.md)."""
    response = set_language(request)
    if request.POST.get("language") not in dict(settings.LANGUAGES):
        response.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    return response
