"""The staff area builds no HTML in Python: pages come from Jinja2 templates with autoescaping."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from assistant.curation.staff.render import TEMPLATES, environment, macro

ROOT = Path(__file__).resolve().parents[2]
# the staff package and the modules that feed its pages
MODULES = sorted((ROOT / "assistant/curation/staff").glob("*.py")) + [
    ROOT / "assistant/curation/pages.py", ROOT / "assistant/curation/stats.py"]
TAG = re.compile(r"</?(a|p|div|span|table|thead|tbody|tr|td|th|caption|form|input|button|label|select|option|"
                 r"textarea|ul|ol|li|h[1-6]|svg|rect|text|g|title|details|summary|section|article|code|pre|"
                 r"strong|em|mark|br|nav|main|header|html|body|head|meta|link|script|style)\b[^<>]*>", re.I)


def _string_literals(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_html_in_python(path: Path) -> None:
    found = [(line, text[:60]) for line, text in _string_literals(path) if TAG.search(text)]
    assert found == [], f"{path.name}: HTML in string literals (move it into assistant/curation/templates/): {found}"


def test_the_html_check_finds_markup() -> None:
    """The check above is not vacuous: an f-string with a tag is found."""
    src = 'x = 1\nhtml = f\'<td class="a">{x}</td>\'\n'
    nodes = [n.value for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert any(TAG.search(v) for v in nodes)


def test_every_template_compiles_and_autoescapes() -> None:
    env = environment()
    names = [n for n in env.list_templates() if n.endswith(".html")]
    assert {"inbox.html", "overview.html", "feedback.html", "local/list.html", "local/edit.html",
            "training/list.html", "training/detail.html", "login.html", "forbidden.html"} <= set(names)
    for name in names:
        env.get_template(name)
    page = env.get_template("forbidden.html").render(staff=None, title="T", notices=[], active="",
                                                      text='<script>alert("x")</script>')
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert len(list(TEMPLATES.rglob("*.html"))) == len(names)


def test_chart_macro_escapes_labels() -> None:
    from assistant.curation import stats

    chart = stats.bar_chart([("<b>Sperrmüll</b>", 3.0), ("Reisepass", 1.0)], "Leistungen")
    svg = macro("charts.html", "bar_chart", chart)
    assert "&lt;b&gt;Sperrmüll" in svg and 'aria-label="Leistungen"' in svg
    assert svg.count('class="bar"') == 2
