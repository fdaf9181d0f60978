"""axe-core's WCAG 2.1 A and AA rules run in a page (axe-playwright-python ships axe-core,
so nothing is fetched).

Used by the screenshot scenes in their audit mode (`Camera(audit=True)`): every screen
that docs/screens.md shows is checked, as the teacher or the student sees it at that
moment, not a page rendered for the check.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE = Axe()


def axe_violations(page: Any) -> list[str]:
    """One line per violated rule: rule id, impact, the first offending elements."""
    results = _AXE.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )
    lines = []
    for violation in results.response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        where = ", ".join(targets)
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {where}")
    return lines
