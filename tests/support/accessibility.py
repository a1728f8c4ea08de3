"""Accessibility measured with axe-core (the npm package pinned in tests/browser/package-lock.json, installed
by scripts/setup.sh): inject it into a Playwright page, run the WCAG 2.1 A and AA rules, read the violations.

    assert not (found := violations(page)), report(found)
"""
from __future__ import annotations

from typing import List, Optional

from bot.devservers import ROOT

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MISSING = (f"axe-core is not installed ({AXE} is missing): run `npm ci --prefix tests/browser` "
           "(scripts/setup.sh does this when npm is installed)")

RUN = """async ([context, tags]) => {
  const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
  const result = await axe.run(context || document, options);
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary, html: n.html}))}));
}"""


def axe_installed() -> bool:
    return AXE.is_file()


def inject(page) -> None:
    """axe into the page. add_script_tag adds an inline <script>, which the console's Content-Security-Policy
    (no inline scripts) refuses; then the file runs as a devtools evaluation, which the CSP does not govern."""
    if page.evaluate("typeof window.axe") == "object":
        return
    try:
        page.add_script_tag(path=str(AXE))
    except Exception:  # noqa: BLE001 - Playwright raises its own Error when the CSP blocks the tag
        pass
    if page.evaluate("typeof window.axe") != "object":
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    assert page.evaluate("typeof window.axe") == "object", "axe-core did not load into the page"


def violations(page, context: Optional[str] = None, tags: List[str] = WCAG21_AA) -> list:
    """The page's WCAG 2.1 AA violations (or those inside the CSS selector `context`), as axe reports them."""
    if not axe_installed():
        raise AssertionError(MISSING)
    inject(page)
    return page.evaluate(RUN, [context, tags])


def report(found: list, where: str = "") -> str:
    """Violations, readable in a test failure: rule, impact, help, and each offending element."""
    lines = [f"{len(found)} WCAG 2.1 AA violation(s){' on ' + where if where else ''}:"]
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " >> ".join(" ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    {target}\n      {node['html'][:200]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)


def check(page, where: str, context: Optional[str] = None) -> None:
    """Fails with the readable report unless the page has 0 WCAG 2.1 AA violations."""
    found = violations(page, context)
    assert not found, report(found, where)

