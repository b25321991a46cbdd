"""Every visible input of every page has a visible label (issue 10, item 5).

Each GET page of the access table is rendered for a user who may open it, in a world
with a scheme in force; every `<input>`, `<select>` and `<textarea>` that a user sees
(hidden inputs and buttons excluded) must be named by a `<label for>` matching its id,
sit inside a `<label>`, or be named by `aria-labelledby`/`aria-label`."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.access_cases import ALL_USERS, CASES

NOT_FIELDS = {"hidden", "submit", "button", "reset", "image"}


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.fields: list[dict[str, str]] = []
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type", "text") in NOT_FIELDS:
                return
            self.fields.append({**a, "_tag": tag, "_in_label": "1" if self.open_labels else ""})

    def handle_endtag(self, tag):
        if tag == "label" and self.open_labels:
            self.open_labels -= 1

    def unlabelled(self) -> list[str]:
        missing = []
        for f in self.fields:
            if f["_in_label"] or f.get("aria-label"):
                continue
            if f.get("id") and f["id"] in self.label_for:
                continue
            named_by = f.get("aria-labelledby", "").split()
            if named_by and all(i in self.ids for i in named_by):
                continue
            missing.append(f"<{f['_tag']} name={f.get('name')!r} id={f.get('id')!r}>")
        return missing


def unlabelled_fields(html: str) -> list[str]:
    parser = _Fields()
    parser.feed(html)
    return parser.unlabelled()


def test_the_checker_finds_an_unlabelled_input():
    html = (
        '<label for="a">A</label><input id="a"><label><input type="checkbox"> B</label>'
        '<input type="hidden" name="h"><input id="c" name="c"><button>ok</button>'
    )
    assert unlabelled_fields(html) == ["<input name='c' id='c'>"]


GET_CASES = [c for c in CASES if c.method == "get" and c.allowed]


def _first_allowed(case) -> str:
    return next(u for u in ALL_USERS if u in case.allowed)


@pytest.mark.parametrize("case", GET_CASES, ids=lambda c: c.url_name)
def test_every_visible_input_of_the_page_has_a_label(case, world, scheme, login):
    if case.setup:
        case.setup(world)
    username = _first_allowed(case)
    response = login(world.users[username]).get(case.url(world))
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return
    missing = unlabelled_fields(response.content.decode())
    assert not missing, f"{case.url_name} for {username}: inputs without a label: {missing}"
