"""No internal codes or working notes on any page a villager can open (issue 10,
item 6): item codes (`law.fighting`, `own.…`), research remarks of the scheme
("（120为推断）", "（yfs8）", "（访谈）", source abbreviations) stay in the exports,
the API and the admin pages. The demo district is the world: its villagers have
entries, a notice, appeals, grades in force and certificates."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from sanxin.accounts.models import User
from sanxin.ledger.models import Entry
from sanxin.ratings.certificates import token_for
from sanxin.ratings.models import Appeal, Certificate, Cycle
from sanxin.web import demo

CODE = re.compile(r"\b[a-z]+\.[a-z_]+\b")
REMARKS = re.compile(
    r"推断|访谈|yfs8|76hw|§|own\.|\b(?:WD|FJ|BJ|ZH|EM|LL|GY|TS|PBOC)\b|镇方案|鼎城|巴楚|太湖|东阳"
)
VISIBLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}


class _Text(HTMLParser):
    """The text a person reads: text nodes (not scripts or styles) and the
    attributes that are shown."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in VISIBLE_ATTRIBUTES and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


@pytest.fixture
def built(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return demo.build(households=24)


def _villager_pages(user) -> list[str]:
    household = user.person.household
    pages = [
        "/",
        f"/points/households/{household.pk}/",
        f"/points/households/{household.pk}/vetoes/",
        f"/households/{household.pk}/",
        f"/ratings/households/{household.pk}/grades/",
        "/notifications/",
        "/ratings/",
        "/rules/",
        f"/rules/?village={household.village_id}",
    ]
    pages += [f"/points/entries/{pk}/" for pk in household.entries.values_list("pk", flat=True)]
    cycles = Cycle.objects.filter(village=household.village_id)
    pages += [f"/ratings/{c.pk}/notice/" for c in cycles if c.state in ("notice", "final")]
    pages += [f"/ratings/appeals/{a.pk}/" for a in Appeal.objects.filter(household=household)]
    pages += [
        f"/v/{token_for(c)}/" for c in Certificate.objects.filter(grade_record__household=household)
    ]
    return pages


def test_no_codes_or_working_notes_on_a_villagers_pages(built, client):
    villagers = list(User.objects.filter(username__startswith="cunmin").select_related("person"))
    assert villagers and Entry.objects.exists()
    seen = 0
    for user in villagers:
        client.force_login(user, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
        for url in _villager_pages(user):
            response = client.get(url)
            assert response.status_code == 200, url
            text = visible_text(response.content.decode())
            assert not CODE.findall(text), (url, CODE.findall(text)[:5])
            assert not REMARKS.findall(text), (url, REMARKS.findall(text)[:5])
            seen += 1
    assert seen > 20
