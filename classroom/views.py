"""The HTML pages: teacher dashboard, game launch, projector, phone, reports, and
the answer page of a game with verdict questions.

The live game itself runs over websockets (`classroom.consumers`); these views only
render the pages that speak to it, and read or delete stored rows.
"""

import contextlib
from collections import Counter
from datetime import timedelta
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
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django.views.i18n import set_language

from classroom import game_setup, gate, inbound, pins, practice, reteach, selectors, setups
from classroom.answer import game_outline
from classroom.errors import ClientError
from classroom.forms import SetupForm, initial_for
from classroom.game_setup import GameSetup, SetupError
from classroom.game_socket import parse_json
from classroom.models import Game
from classroom.qr import qr_svg
from classroom.reports import game_report, report_csv, report_xlsx
from classroom.services import homework, phases
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
    # A homework past its closing time is ended before it is listed (services/homework.py).
    homework.games_close_due(host=request.user)
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
        elif request.GET.get("mode") == game_setup.SELF_PACED:
            # "Set as homework": the timer off by default (docs/teaching.md, "Homework").
            initial.update(mode=game_setup.SELF_PACED, accuracy_only=True)
        if initial.get("mode") == game_setup.SELF_PACED:
            # A live game's teams and reading time are not a homework's (SetupForm.clean).
            initial.update(teams="0", reading_s=0)
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
            if setup.mode == game_setup.SELF_PACED:
                return redirect("homework", pin=game.pin)
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


@login_required
@require_GET
def homework_page(request: HttpRequest, pin: str) -> HttpResponse:
    """A homework game's page: the PIN, link and QR code to hand out, every student's
    progress (live from the host socket's `progress` frames), and ending it early."""
    game = _game_for(request, pin)
    if not selectors.is_self_paced(game):
        return redirect("projector", pin=game.pin)
    homework.game_close_due(game_id=game.pk)
    game.refresh_from_db()
    url = join_url(request, game.pin)
    progress = selectors.homework_progress(game)
    return render(
        request,
        "classroom/homework.html",
        {
            "game": game,
            "join_url": url,
            "qr": qr_svg(url=url, title=gettext("QR code: %(url)s") % {"url": url}),
            "ws_path": f"/ws/host/{game.pin}/",
            "report_url": reverse("report", kwargs={"pin": game.pin}),
            "closes_at": selectors.closes_at(game),
            "timed": homework.timed(game),
            "question_count": progress["questions"],
            "players": progress["players"],
            "setup_words": setups.words(game),
        },
    )


# How long a reteach homework stays open, in days (the report's form offers these).
RETEACH_DAYS = (1, 3, 7, 14)


@login_required
@require_http_methods(["POST"])
def reteach_start(request: HttpRequest, pin: str) -> HttpResponse:
    """ "Reteach the weakest" on a report: a new game (live, or homework open for a few
    days) asking again about the events the class got wrong most (classroom/reteach.py),
    saying which and why."""
    game = _game_for(request, pin)
    report_page = redirect("report", pin=game.pin)
    weakest = game_report(game=game).weakest_events
    if game.quiz is None:
        messages.error(request, gettext("This game's quiz has been deleted: nothing to reteach."))
        return report_page
    if not weakest:
        messages.info(request, gettext("The class did well on every event: nothing to reteach."))
        return report_page
    mode = request.POST.get("mode", "")
    try:
        days = int(request.POST.get("days", "7"))
    except ValueError:
        days = 0
    if mode not in game_setup.MODES or days not in RETEACH_DAYS:
        return HttpResponse(gettext("Choose live or homework, and 1 to 14 days."), status=400)
    homework_mode = mode == game_setup.SELF_PACED
    setup = GameSetup(
        mode=mode,
        closes_at=timezone.now() + timedelta(days=days) if homework_mode else None,
        accuracy_only=homework_mode,
    )
    ids = list(
        game.quiz.questions.filter(event__slug__in=[e.slug for e in weakest]).values_list(
            "id", flat=True
        )
    )
    reasons = [reteach.why(event) for event in weakest]
    try:
        new = phases.game_create(
            quiz=game.quiz, host=request.user, setup=setup, only=ids, reteach=reasons
        )
    except (SetupError, RuntimeError) as exc:
        messages.error(request, gettext("The reteach game could not be started: %s") % exc)
        return report_page
    messages.success(
        request,
        gettext("This game reteaches the events the class got wrong most: %s.")
        % "; ".join(reasons),
    )
    return redirect("homework" if homework_mode else "projector", pin=new.pin)


@require_GET
def practice_page(request: HttpRequest, pin: str) -> HttpResponse:
    """ "Practise what you missed": the phone's private round (classroom/practice.py)."""
    return render(request, "classroom/practice.html", {"pin": pin})


# A practice request's body is a small JSON object: a token, an index and an answer.
PRACTICE_BODY_MAX = 4096


@require_http_methods(["POST"])
def practice_api(request: HttpRequest, pin: str) -> JsonResponse:
    """The practice round's questions (`practice_round`) or one answer checked
    (`practice_answer`): read-only, nothing stored (classroom/practice.py)."""
    try:
        if len(request.body) > PRACTICE_BODY_MAX:
            raise ClientError("bad_field", gettext_noop("This request is too large."))
        try:
            text = request.body.decode()
        except UnicodeDecodeError:
            text = ""
        # The sockets' parser: no NaN or Infinity, and "[[[[..." refused, not a 500.
        frame = inbound.practice_frame(parse_json(text))
        if isinstance(frame, inbound.PracticeRound):
            return JsonResponse(practice.practice_questions(token=frame.token, pin=pin))
        assert isinstance(frame, inbound.PracticeAnswer)
        return JsonResponse(
            practice.practice_check(
                token=frame.token,
                pin=pin,
                index=frame.index,
                choice_id=frame.choice_id,
                choice_ids=tuple(frame.choice_ids) if frame.choice_ids is not None else None,
                year=frame.year,
            )
        )
    except ClientError as error:
        status = 404 if error.code == "bad_token" else 400
        return JsonResponse({"code": error.code, "message": gettext(error.message)}, status=status)


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
