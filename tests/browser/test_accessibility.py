"""Every screen of docs/screens.md passes axe-core's WCAG 2.1 A and AA rules.

The screenshot scenes (tests/browser/screenshots.py) play the product the way the
screenshots show it: projector, phones, teacher pages, in every mode. Here they run with
the camera auditing each screen instead of a list of pages kept by hand, so a new
screen added to the docs is checked by the same run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.harness import Browsers
from tests.browser.screenshots import SCENES, Camera

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scene", list(SCENES))
def test_every_screen_of_the_scene_has_no_wcag_21_aa_violation(
    browsers: Browsers, tmp_path: Path, scene: str
) -> None:
    camera = Camera(tmp_path, audit=True)
    SCENES[scene](browsers, camera)
    assert camera.taken, f"the {scene} scene took no screenshot"
    assert camera.findings == {}
