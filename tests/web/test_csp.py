"""The Content-Security-Policy (settings: script-src and style-src 'self', no
'unsafe-inline') holds only if no template carries inline script, inline style or
event-handler attributes: behaviour lives in static/sanxin/sanxin.js (data- attributes),
styles in static/sanxin/*.css, data for scripts in json_script. This scan keeps it so;
tests/e2e/test_csp.py loads pages in Chromium and listens for violations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sanxin

SRC = Path(sanxin.__file__).parent
TEMPLATES = sorted(p for p in SRC.rglob("*.html") if "templates" in p.parts)

TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.S)
FORBIDDEN_IN_TAG = {
    "event handler attribute (on…=)": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "javascript: URL": re.compile(r"=\s*[\"']?\s*javascript:", re.I),
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def _problems(text: str) -> list[str]:
    found = []
    for tag in TAG.findall(text):
        found += [f"{what}: {tag[:80]}" for what, rx in FORBIDDEN_IN_TAG.items() if rx.search(tag)]
    found += [f"inline <script>: {m[:80]}" for m in INLINE_SCRIPT.findall(text)]
    found += ["<style> element" for _ in STYLE_ELEMENT.findall(text)]
    return found


def test_the_scan_sees_each_kind_of_inline_code():
    assert len(_problems('<button onclick="go()">x</button>')) == 1
    assert len(_problems('<p style="margin:0">x</p>')) == 1
    assert len(_problems('<a href="javascript:void(0)">x</a>')) == 1
    assert len(_problems("<script>alert(1)</script>")) == 1
    assert len(_problems("<style>p{}</style>")) == 1
    assert _problems('<script src="/static/sanxin/sanxin.js" defer></script>') == []
    assert _problems('<button data-print class="btn">x</button><p class="m-0">one=two</p>') == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_inline_script_or_style(path):
    assert _problems(path.read_text(encoding="utf-8")) == []


def test_pages_carry_the_policy(client, db):
    response = client.get("/accounts/login/")
    policy = dict(
        part.strip().partition(" ")[::2] for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data: blob:"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_the_behaviour_script_is_on_every_page(client, db):
    content = client.get("/accounts/login/").content.decode()
    assert '<script src="/static/sanxin/sanxin.js" defer></script>' in content
    # htmx is told not to insert its indicator style nor to evaluate code
    assert '"includeIndicatorStyles": false' in content and '"allowEval": false' in content
