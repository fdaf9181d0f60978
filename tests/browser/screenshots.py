"""Take the screenshots in docs/screenshots/ that show teachers the product.

    .venv/bin/python -m tests.browser.screenshots            # writes docs/screenshots/*.png
    .venv/bin/python -m tests.browser.screenshots --only pictures   # one scene's only

It plays a short game of the seed quiz on a real server (as the browser tests do):
a teacher's projector at 1280x720 and six phones at 360x740, then saves each screen.
The PNGs are recompressed losslessly (zlib level 9) to keep the repository small.
"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

from playwright.sync_api import expect, sync_playwright

from tests.browser.harness import TIMEOUT_MS, Browsers
from tests.browser.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_MISSING,
    ROOT,
    SEED_QUIZ,
    live_server,
)
from tests.browser.steps import (
    answer_button,
    answer_question,
    far_year,
    guess_year,
    tap_choice,
    wait_phase,
    wrong_choice,
)

OUT = ROOT / "docs" / "screenshots"
CLASS = ["Ayesha", "Bilal", "Chen Wei", "Daniyal", "Eman", "Farhan"]


def recompress_png(path: Path) -> None:
    """Rewrite a PNG's image data at zlib level 9; pixels stay exactly the same."""
    data = path.read_bytes()
    signature, rest = data[:8], data[8:]
    chunks: list[tuple[bytes, bytes]] = []
    idat = b""
    while rest:
        (length,) = struct.unpack(">I", rest[:4])
        kind, body = rest[4:8], rest[8 : 8 + length]
        rest = rest[12 + length :]
        if kind == b"IDAT":
            idat += body
            if not chunks or chunks[-1][0] != b"IDAT":
                chunks.append((b"IDAT", b""))
        else:
            chunks.append((kind, body))
    packed = zlib.compress(zlib.decompress(idat), 9)
    out = bytearray(signature)
    for kind, body in chunks:
        if kind == b"IDAT":
            body = packed
        elif kind in (b"tEXt", b"iTXt", b"zTXt"):
            continue
        out += struct.pack(">I", len(body)) + kind + body
        out += struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    if len(out) < len(data):
        path.write_bytes(bytes(out))


class Camera:
    """Saves each screen as a PNG; with `audit`, also runs axe-core's WCAG 2.1 AA rules on
    it and keeps what they find in `findings` (tests/browser/test_accessibility.py)."""

    def __init__(self, out: Path, *, audit: bool = False) -> None:
        self.out = out
        self.audit = audit
        self.taken: list[Path] = []
        self.findings: dict[str, list[str]] = {}

    def shoot(self, page: Any, name: str, *, settle_ms: int = 400, **options: Any) -> None:
        # Let entry animations (roster pop-in, bars growing) finish first.
        page.wait_for_timeout(settle_ms)
        if self.audit:
            # Imported here: taking the screenshots needs no axe-core.
            from tests.browser.accessibility import axe_violations

            found = axe_violations(page)
            if found:
                self.findings[name] = found
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide", **options)
        recompress_png(path)
        self.taken.append(path)
        print(f"{path}  {path.stat().st_size // 1024} KB")


def setup(browsers: Browsers, camera: Camera) -> None:
    """The setup page a teacher fills in before the lobby: a starter on one period, then
    a value it refuses, marked next to its field."""
    page = browsers.projector_page("setup")
    browsers.teacher_logs_in(page)
    browsers.open_setup(page)
    browsers.fill_setup(page)
    page.get_by_test_id("preset-starter").click()
    browsers.fill_setup(page, questions=10, periods=["1958–71"])
    expect(page.get_by_test_id("estimate")).to_have_text("10 questions · about 8 minutes · 1958–71")
    # The whole page at once, its start bar at the bottom where the teacher sees it.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": height})
    camera.shoot(page, "teacher-setup")
    page.get_by_label("Reading time before answers open").fill("15")
    expect(page.get_by_test_id("error-reading_s")).to_have_text("Reading time is 0 to 10 seconds.")
    page.get_by_label("Reading time before answers open").blur()
    box = page.get_by_role("group", name="Options").bounding_box()
    clip = {"x": box["x"] - 16, "y": box["y"] - 16, "width": box["width"] + 32}
    camera.shoot(page, "teacher-setup-error", clip={**clip, "height": box["height"] + 32})
    page.close()


def play(browsers: Browsers, camera: Camera) -> None:
    server = browsers.server
    teacher = browsers.projector_page()
    browsers.teacher_logs_in(teacher)
    pin = browsers.start_seed_quiz(teacher)
    projector = teacher

    phones = {name: browsers.phone(name) for name in CLASS}
    first_phone = phones[CLASS[0]]
    first_phone.goto(f"/play/{pin}/")
    first_phone.get_by_label("Nickname").fill(CLASS[0])
    camera.shoot(first_phone, "phone-join")
    first_phone.get_by_role("button", name="Join").click()
    expect(first_phone.get_by_test_id("wait")).to_be_visible()
    for name in CLASS[1:]:
        browsers.join(phones[name], pin, name, via_qr=True)
    expect(projector.get_by_test_id("player-count")).to_have_text(str(len(CLASS)))
    camera.shoot(first_phone, "phone-waiting")
    camera.shoot(projector, "projector-lobby")

    questions = server.game_questions(pin)
    first, second = questions[0], questions[1]
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    expect(first_phone.get_by_test_id("year-input")).to_be_visible()
    camera.shoot(first_phone, "phone-year-guess")
    for index, name in enumerate(CLASS):
        year = first["answer_year"] if index % 3 != 2 else far_year(first)
        guess_year(phones[name], year, last=index == len(CLASS) - 1)
    wait_phase(projector, "reveal")

    projector.keyboard.press("ArrowRight")
    wait_phase(projector, "question")
    right = second["correct_choice_ids"][0]
    wrong = wrong_choice(second)
    tap_choice(phones["Bilal"], right)
    tap_choice(phones["Chen Wei"], wrong)
    expect(projector.get_by_test_id("answered-count")).to_have_text(f"2 / {len(CLASS)}")
    camera.shoot(first_phone, "phone-question")
    projector.wait_for_timeout(2500)
    camera.shoot(projector, "projector-question", settle_ms=0)
    tap_choice(first_phone, right)
    camera.shoot(first_phone, "phone-answer-received")
    for name in CLASS[3:]:
        choice = right if name != "Eman" else wrong
        tap_choice(phones[name], choice, last=name == CLASS[-1])
    wait_phase(projector, "reveal")
    expect(first_phone.get_by_test_id("result")).to_have_text("Correct!")
    camera.shoot(projector, "projector-reveal", settle_ms=900)
    camera.shoot(first_phone, "phone-correct")
    camera.shoot(phones["Chen Wei"], "phone-wrong")

    projector.keyboard.press("s")
    wait_phase(projector, "scoreboard")
    camera.shoot(projector, "projector-scoreboard")
    camera.shoot(phones["Chen Wei"], "phone-rank")

    # The projector's browser leaves the game for a moment: phones say so.
    projector.goto("/")
    expect(first_phone.get_by_test_id("teacher-away")).to_be_visible()
    camera.shoot(first_phone, "phone-teacher-away")
    projector.goto(f"/host/{pin}/")
    wait_phase(projector, "scoreboard")
    expect(first_phone.get_by_test_id("teacher-away")).to_be_hidden()

    # The projector's own "End game" button finishes early, straight to the podium.
    projector.get_by_role("button", name="End game").click()
    wait_phase(projector, "finished")
    expect(first_phone.get_by_test_id("result")).to_have_text("Game over")
    camera.shoot(projector, "projector-podium", settle_ms=900)
    camera.shoot(first_phone, "phone-final-rank")

    projector.get_by_test_id("report-link").click()
    expect(projector.get_by_role("heading", level=1)).to_be_visible()
    camera.shoot(projector, "teacher-report", full_page=True)
    projector.goto("/")
    camera.shoot(projector, "teacher-dashboard")
    projector.goto(f"/timeline/{SEED_QUIZ}/")
    camera.shoot(
        projector, "timeline", full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1040}
    )


GATE_NAMES = {"triangle": "Triangle", "diamond": "Diamond", "circle": "Circle", "square": "Square"}


def gate(browsers: Browsers, camera: Camera) -> None:
    """A game with "Shapes to join": the projector's lobby and a phone tapping them."""
    projector = browsers.projector_page("gate projector")
    browsers.teacher_logs_in(projector)
    pin = browsers.start_seed_quiz(projector, join_gate=True)
    expect(projector.get_by_test_id("join-gate")).to_be_visible()

    def shapes() -> list[str]:
        return projector.get_by_test_id("gate-shape").evaluate_all(
            "items => items.map(item => item.getAttribute('data-shape'))"
        )

    def to_the_shapes(phone: Any, name: str) -> None:
        phone.goto(f"/play/{pin}/")
        phone.get_by_label("Nickname").fill(name)
        phone.get_by_role("button", name="Join").click()
        expect(phone.get_by_test_id("gate")).to_be_visible()

    for name in CLASS[:4]:
        phone = browsers.phone(f"gate {name}")
        to_the_shapes(phone, name)
        for shape in shapes():
            phone.get_by_role("button", name=GATE_NAMES[shape], exact=True).click()
        phone.get_by_role("button", name="Join").click()
        expect(phone.get_by_test_id("me")).to_have_text(name)
    expect(projector.get_by_test_id("player-count")).to_have_text("4")
    late = browsers.phone("gate late")
    to_the_shapes(late, CLASS[4])
    for shape in shapes()[:2]:
        late.get_by_role("button", name=GATE_NAMES[shape], exact=True).click()
    camera.shoot(late, "phone-gate")
    camera.shoot(projector, "projector-lobby-gate")


PICTURE_QUIZ = ROOT / "docs" / "examples" / "example-picture-quiz.yaml"


def pictures(browsers: Browsers, camera: Camera) -> None:
    """The example picture question (docs/examples/): the projector, a phone, and the
    phone's picture enlarged."""
    browsers.server.load_seeds(PICTURE_QUIZ)
    projector = browsers.projector_page("picture projector")
    browsers.teacher_logs_in(projector)
    browsers.open_setup(projector, quiz="example-picture-quiz")
    browsers.fill_setup(projector)
    pin = browsers.start_from_setup(projector)
    phones = {name: browsers.phone(f"picture {name}") for name in CLASS[:3]}
    for name, phone in phones.items():
        browsers.join(phone, pin, name, via_qr=True)
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    phone = phones[CLASS[0]]
    for page in (projector, phone):
        picture = page.get_by_test_id("question-picture").locator("img")
        picture.evaluate("n => n.decode()")
    question = browsers.server.game_questions(pin)[0]
    tap_choice(phones[CLASS[1]], question["correct_choice_ids"][0])
    projector.wait_for_timeout(2500)
    camera.shoot(projector, "projector-picture", settle_ms=0)
    camera.shoot(phone, "phone-picture")
    phone.get_by_test_id("question-picture").tap()
    expect(phone.get_by_test_id("picture-dialog")).to_be_visible()
    camera.shoot(phone, "phone-picture-enlarged")


def verdict(browsers: Browsers, camera: Camera) -> None:
    """The verdict round: a phone voting, the projector's reveal of the class's vote
    beside the model answer's verdict, the phone's result, and the answer page."""
    projector = browsers.projector_page("verdict projector")
    browsers.teacher_logs_in(projector)
    pin = browsers.start_seed_quiz(projector)
    phones = {name: browsers.phone(f"verdict {name}") for name in CLASS}
    for name in CLASS:
        browsers.join(phones[name], pin, name, via_qr=True)
    questions = browsers.server.game_questions(pin)
    number = next(i for i, q in enumerate(questions) if q["kind"] == "verdict")
    question = questions[number]
    ids = {c["text"]: c["id"] for c in question["choices"]}
    projector.keyboard.press("Space")
    for _ in range(number):
        wait_phase(projector, "question")
        projector.get_by_test_id("close").click()
        wait_phase(projector, "reveal")
        projector.get_by_test_id("next").click()
    wait_phase(projector, "question")
    first = phones[CLASS[0]]
    expect(first.get_by_test_id("answer")).to_have_count(2)
    camera.shoot(first, "phone-verdict")
    votes = ["Failure", "Failure", "Success", "Failure", "Success", "Failure"]
    for index, (name, vote) in enumerate(zip(CLASS, votes, strict=True)):
        tap_choice(phones[name], ids[vote], last=index == len(CLASS) - 1)
    wait_phase(projector, "reveal")
    camera.shoot(projector, "projector-verdict-reveal", settle_ms=900)
    camera.shoot(phones[CLASS[2]], "phone-verdict-result")
    projector.get_by_test_id("end").click()
    wait_phase(projector, "finished")
    projector.get_by_test_id("answer-link").click()
    expect(projector.get_by_test_id("answer-page")).to_be_visible()
    camera.shoot(
        projector,
        "answer-page",
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": 1400},
    )


def urdu(browsers: Browsers, camera: Camera) -> None:
    """The interface in Urdu (docs/translating.md): the teacher picks it on the
    dashboard, one phone's browser asks for it, another picks it on the join page."""
    projector = browsers.projector_page("urdu projector")
    browsers.teacher_logs_in(projector)
    pin = browsers.start_seed_quiz(projector)
    projector.goto("/")
    with projector.expect_navigation(wait_until="load"):
        projector.get_by_test_id("language-ur").click()
    expect(projector.locator("html")).to_have_attribute("dir", "rtl")
    camera.shoot(projector, "urdu-teacher-dashboard")
    projector.goto(f"/host/{pin}/")
    expect(projector.get_by_test_id("lobby")).to_be_visible()
    phones = {name: browsers.phone(f"urdu {name}") for name in CLASS[:4]}
    first = phones[CLASS[0]]
    first.context.set_extra_http_headers({"Accept-Language": "ur-PK,ur;q=0.9"})
    first.goto(f"/play/{pin}/")
    first.get_by_label("عرفی نام").fill(CLASS[0])
    camera.shoot(first, "urdu-phone-join")
    first.get_by_role("button", name="شامل ہوں", exact=True).click()
    expect(first.get_by_test_id("wait")).to_be_visible()
    for name in CLASS[1:4]:
        phone = phones[name]
        phone.goto(f"/play/{pin}/")
        with phone.expect_navigation(wait_until="load"):
            phone.get_by_test_id("language-ur").click()
        expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        phone.get_by_label("عرفی نام").fill(name)
        phone.get_by_role("button", name="شامل ہوں", exact=True).click()
        expect(phone.get_by_test_id("wait")).to_be_visible()
    expect(projector.get_by_test_id("player-count")).to_have_text("4")
    camera.shoot(projector, "urdu-projector-lobby")
    questions = browsers.server.game_questions(pin)
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    projector.get_by_test_id("close").click()
    wait_phase(projector, "reveal")
    projector.get_by_test_id("next").click()
    wait_phase(projector, "question")
    second = questions[1]
    right, wrong = second["correct_choice_ids"][0], wrong_choice(second)
    expect(first.get_by_test_id("answers")).to_be_visible()
    answer_button(phones[CLASS[1]], right).tap()
    camera.shoot(first, "urdu-phone-question")
    camera.shoot(projector, "urdu-projector-question")
    answer_button(first, right).tap()
    answer_button(phones[CLASS[2]], wrong).tap()
    answer_button(phones[CLASS[3]], right).tap()
    wait_phase(projector, "reveal")
    expect(first.get_by_test_id("result")).to_have_text("درست!")
    camera.shoot(projector, "urdu-projector-reveal", settle_ms=900)
    camera.shoot(first, "urdu-phone-correct")


def teams(browsers: Browsers, camera: Camera) -> None:
    """A team game with reading time: the question while it is read (projector and
    phone), a phone in its team's colour with its team's rank, the projector's team
    board and team podium."""
    projector = browsers.projector_page("teams projector")
    browsers.teacher_logs_in(projector)
    pin = browsers.start_seed_quiz(projector, questions=3, teams="3 teams", reading_s=10)
    phones = {name: browsers.phone(f"teams {name}") for name in CLASS}
    for name in CLASS:
        browsers.join(phones[name], pin, name, via_qr=True)
    questions = browsers.server.game_questions(pin)
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    first = phones[CLASS[0]]
    expect(projector.get_by_test_id("reading")).to_be_visible()
    camera.shoot(projector, "projector-reading", settle_ms=1500)
    expect(first.get_by_test_id("reading")).to_be_visible()
    camera.shoot(first, "phone-reading", settle_ms=100)
    for index, question in enumerate(questions):
        wait_phase(projector, "question")
        for at, name in enumerate(CLASS):
            answer_question(
                phones[name], question, right=(at + index) % 3 != 0, last=at == len(CLASS) - 1
            )
        wait_phase(projector, "reveal")
        if index == 1:
            camera.shoot(phones[CLASS[1]], "phone-team-rank")
            projector.get_by_test_id("scoreboard-button").click()
            wait_phase(projector, "scoreboard")
            camera.shoot(projector, "projector-team-scoreboard", settle_ms=900)
        projector.get_by_test_id("next").click()
    wait_phase(projector, "finished")
    expect(projector.get_by_test_id("team-podium")).to_be_visible()
    camera.shoot(projector, "projector-team-podium", settle_ms=900)


def homework(browsers: Browsers, camera: Camera) -> None:
    """Homework: the teacher's page with progress, a phone's reveal with the event on a
    mini timeline, the end with "Practise what you missed", a practice question, and
    the report's "Reteach the weakest"."""
    from tests.browser.test_homework import answer, set_homework

    teacher = browsers.projector_page("homework teacher")
    pin = set_homework(browsers, teacher, questions=3)
    questions = browsers.server.game_questions(pin)
    phones = {name: browsers.phone(name) for name in CLASS[:3]}
    for index, (name, phone) in enumerate(phones.items()):
        browsers.join(phone, pin, name, via_qr=True)
        phone.get_by_test_id("homework-start").tap()
        for number in range(index + 1):
            answer(phone, questions[number], right=number != 1 and name != "Chen Wei")
            phone.get_by_test_id("homework-next").tap()
    first = phones[CLASS[0]]
    expect(teacher.get_by_test_id("homework-summary")).to_contain_text("3 joined")
    height = teacher.evaluate("document.documentElement.scrollHeight")
    teacher.set_viewport_size({"width": 1280, "height": height})
    camera.shoot(teacher, "teacher-homework")
    teacher.set_viewport_size({"width": 1280, "height": 720})

    last = phones[CLASS[2]]
    expect(last.get_by_test_id("result")).to_have_text("Game over")
    expect(last.get_by_test_id("practise")).to_be_visible()
    camera.shoot(last, "phone-homework-finished")
    answer(first, questions[1], right=True)
    expect(first.get_by_test_id("mini-timeline")).to_be_visible()
    camera.shoot(first, "phone-homework-reveal", full_page=True)

    phones["Chen Wei"].get_by_test_id("practise").tap()
    expect(phones["Chen Wei"].get_by_test_id("prompt")).not_to_be_empty()
    camera.shoot(phones["Chen Wei"], "phone-practice")

    teacher.get_by_test_id("end-homework").click()
    expect(teacher.get_by_test_id("homework-ended")).to_be_visible()
    teacher.get_by_test_id("report-link").click()
    section = teacher.get_by_test_id("reteach")
    expect(section).to_be_visible()
    section.scroll_into_view_if_needed()
    box = section.bounding_box()
    clip = {"x": box["x"] - 16, "y": box["y"] - 16, "width": box["width"] + 32}
    camera.shoot(teacher, "teacher-reteach", clip={**clip, "height": box["height"] + 32})


SCENES = {
    "setup": setup,
    "game": play,
    "gate": gate,
    "pictures": pictures,
    "verdict": verdict,
    "urdu": urdu,
    "teams": teams,
    "homework": homework,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--only",
        choices=tuple(SCENES),
        action="append",
        help="take only these scenes' screenshots (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(CHROMIUM_MISSING, file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    camera = Camera(args.out)
    expect.set_options(timeout=TIMEOUT_MS)
    with live_server() as server, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        browsers = Browsers(chromium, server)
        try:
            for name, scene in SCENES.items():
                if not args.only or name in args.only:
                    scene(browsers, camera)
        finally:
            browsers.close()
            chromium.close()
        problems = browsers.problems()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    total = sum(path.stat().st_size for path in camera.taken)
    print(f"{len(camera.taken)} screenshots, {total / 1024 / 1024:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
