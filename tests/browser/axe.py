"""Accessibility checks with axe-core, injected into the page under test.

axe-core comes from the npm registry (tests/browser/package.json, installed by `make`); it runs
inside Chromium against the rendered page, as cypress-axe and pa11y do for CKAN and data.gov.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as it stands now (WCAG 2.x A and AA rules)."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make install-dev` (npm installs axe-core)")
    # evaluated through the DevTools protocol, which the page's Content-Security-Policy (scripts
    # from the app's own origin only) does not govern; add_script_tag would be blocked by it
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return list(result["violations"])


def blocking(page: Page) -> list[str]:
    """Serious and critical violations, one readable line each (empty when the page passes)."""
    return [
        f"{v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])}×: {v['nodes'][0]['target']})"
        for v in violations(page)
        if v["impact"] in BLOCKING
    ]
