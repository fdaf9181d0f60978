"""Browser pages for one test (or one screenshot run): a projector, phones, and watches.

Every page is watched for what a classroom page must never do: a request to anywhere
but the server, an uncaught script error, a Content Security Policy violation or an
`alert()`. Every context also refuses to reach anything but the server, as a school
network without internet would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.server import ROOT, SEED_QUIZ, TEACHER, TEACHER_PASSWORD, LiveServer

RESULTS = ROOT / "test-results"
PROJECTOR_VIEWPORT = {"width": 1280, "height": 720}
PHONE_VIEWPORT = {"width": 360, "height": 740}
TIMEOUT_MS = 15_000


@dataclass
class Watch:
    """What one page did that a classroom page must never do."""

    label: str
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


class Browsers:
    """Opens projector and phone pages for one test and keeps an eye on them."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.origin = server.url
        self.ws_origin = "ws://" + server.url.split("://", 1)[1]
        self.contexts: list[Any] = []
        self.pages: list[tuple[str, Any]] = []
        self.watches: list[Watch] = []

    # ------------------------------------------------------------------ pages

    def context(self, *, phone: bool) -> Any:
        options: dict[str, Any] = {"viewport": PHONE_VIEWPORT if phone else PROJECTOR_VIEWPORT}
        if phone:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=1)
        context = self.browser.new_context(base_url=self.origin, **options)
        # A classroom may have no internet at all: anything not from the server fails
        # here as it would there (and the request watch reports it).
        context.route(
            lambda url: not url.startswith((self.origin + "/", "data:", "blob:")),
            lambda route: route.abort("internetdisconnected"),
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def page(self, context: Any, label: str) -> Any:
        page = context.new_page()
        self.watch(page, label)
        return page

    def watch(self, page: Any, label: str) -> Watch:
        watch = Watch(label)
        self.watches.append(watch)
        self.pages.append((label, page))

        def on_request(request: Any) -> None:
            url = request.url
            watch.requests.append(url)
            if not (url.startswith(self.origin + "/") or url.startswith(("data:", "blob:"))):
                watch.foreign_requests.append(url)

        def on_websocket(socket: Any) -> None:
            if not socket.url.startswith(self.ws_origin + "/"):
                watch.foreign_requests.append(socket.url)

        def on_console(message: Any) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                watch.csp_violations.append(message.text)

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            # The projector's "End game" asks for confirmation; everything else is
            # dismissed, which is what an unattended page would do.
            if dialog.type == "confirm":
                dialog.accept()
            else:
                dialog.dismiss()

        page.on("request", on_request)
        page.on("websocket", on_websocket)
        page.on("console", on_console)
        page.on("pageerror", lambda error: watch.script_errors.append(str(error)))
        page.on("dialog", on_dialog)
        return watch

    def watch_for(self, page: Any) -> Watch:
        for watch, (_, watched) in zip(self.watches, self.pages, strict=True):
            if watched is page:
                return watch
        raise LookupError("this page was not opened through the browsers fixture")

    def projector_page(self, label: str = "projector") -> Any:
        return self.page(self.context(phone=False), label)

    def phone(self, label: str) -> Any:
        return self.page(self.context(phone=True), label)

    # ------------------------------------------------------------------ the teacher

    def teacher_logs_in(self, page: Any) -> None:
        """Through the real login form, as a teacher would."""
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        page.get_by_label("Username").fill(TEACHER)
        page.get_by_label("Password").fill(TEACHER_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="My quizzes")).to_be_visible()

    def open_setup(self, page: Any, quiz: str = SEED_QUIZ) -> None:
        """From the dashboard, a quiz's setup page (the seed quiz's by default)."""
        card = page.locator(f'[data-testid="quiz"][data-slug="{quiz}"]')
        card.get_by_role("link", name="Start a game").click()
        expect(page.get_by_role("heading", name="Set up a game")).to_be_visible()

    def fill_setup(
        self,
        page: Any,
        *,
        questions: int | None = None,
        periods: list[str] | None = None,
        order: str = "In timeline order",
        time: str = "Normal",
        accuracy_only: bool = False,
        teams: str = "No teams",
        reading_s: int = 0,
        join_gate: bool = False,
        generated_names_only: bool = False,
    ) -> None:
        """Every field of the setup form, as a teacher sets it (the page starts from the
        teacher's last choice, so a test sets them all). `periods`: the labels of the
        period boxes to tick, or None for all."""
        page.get_by_label("How many questions").fill("" if questions is None else str(questions))
        boxes = page.get_by_test_id("periods").get_by_role("checkbox")
        for index in range(boxes.count()):
            box = boxes.nth(index)
            label = box.evaluate("node => node.closest('label').textContent.trim()")
            box.set_checked(periods is None or any(label.startswith(p) for p in periods))
        page.get_by_label(order, exact=True).check()
        page.get_by_label(time, exact=True).check()
        page.get_by_label("Live, in class (you move the game on)").check()
        page.get_by_label("Accuracy only").set_checked(accuracy_only)
        page.get_by_label("Teams").select_option(label=teams)
        page.get_by_label("Reading time before answers open").fill(str(reading_s))
        page.get_by_label("Shapes to join").set_checked(join_gate)
        page.get_by_label("Generated names only").set_checked(generated_names_only)

    def start_from_setup(self, page: Any) -> str:
        """Start the game the setup page shows; returns the PIN the projector shows."""
        page.get_by_role("button", name="Start the game").click()
        expect(page).to_have_url(re.compile(r"/host/[0-9]{6}/$"))
        pin = page.url.rstrip("/").rsplit("/", 1)[1]
        expect(page.get_by_test_id("connection")).to_have_text("Connected")
        expect(page.get_by_test_id("lobby")).to_be_visible()
        expect(page.get_by_test_id("pin")).to_have_text(pin)
        return pin

    def start_seed_quiz(self, page: Any, **setup: Any) -> str:
        """From the dashboard, through the setup page (every question in timeline order
        unless `setup` says otherwise: see `fill_setup`); returns the PIN."""
        self.open_setup(page)
        self.fill_setup(page, **setup)
        return self.start_from_setup(page)

    def projector_with_game(self) -> tuple[Any, str]:
        page = self.projector_page()
        self.teacher_logs_in(page)
        return page, self.start_seed_quiz(page)

    # ------------------------------------------------------------------ students

    def join(self, page: Any, pin: str, nickname: str, *, via_qr: bool = False) -> None:
        """Type the PIN on /play/, or open /play/<PIN>/ as the QR code does."""
        page.goto(f"/play/{pin}/" if via_qr else "/play/")
        pin_box = page.get_by_label("Game PIN")
        if via_qr:
            expect(pin_box).to_have_value(pin)
        else:
            pin_box.fill(pin)
        page.get_by_label("Nickname").fill(nickname)
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_test_id("wait")).to_be_visible()
        expect(page.get_by_test_id("me")).to_have_text(nickname)

    # ------------------------------------------------------------------ failure evidence

    def save_screenshots(self, test_name: str) -> list[Path]:
        folder = RESULTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for index, (label, page) in enumerate(self.pages):
            if page.is_closed():
                continue
            path = folder / f"{index:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '_', label)}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=5_000)
            except Exception:  # a page that cannot be drawn must not hide the failure
                continue
            saved.append(path)
        return saved

    def problems(self) -> list[str]:
        found = []
        for watch in self.watches:
            found += [f"{watch.label} requested {url}" for url in watch.foreign_requests]
            found += [f"{watch.label} script error: {text}" for text in watch.script_errors]
            found += [f"{watch.label} CSP violation: {text}" for text in watch.csp_violations]
            found += [
                f"{watch.label} opened a dialog: {text}"
                for text in watch.dialogs
                if not text.startswith("confirm:")
            ]
        return found

    def close(self) -> None:
        for context in self.contexts:
            try:
                context.close()
            except Exception:  # closing after a crash must not mask it
                continue
