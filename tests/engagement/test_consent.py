"""Consent to publication, enforced: the village board, its poster, the honour roll (and
its courtyard photos), the vote, a project's list of givers and the suggestions show a
villager's full name or photo only when the household consented; without consent (or
after withdrawing it) the name is masked as the 公示 masks it and the photo is not
shown. The household itself always sees its own name. The big screen never shows a
name. The board stays at a fixed number of queries however many households consented."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanxin.engagement.choices import ContributionKind
from sanxin.engagement.models import Contribution, Honour, NominationPhoto, Project
from sanxin.households.choices import ConsentPurpose
from sanxin.households.consent import Publication, in_force
from sanxin.households.models import Consent
from tests.engagement.test_board import filled, texts  # noqa: F401 (a fixture)
from tests.engagement.test_honours import photo

FULL, MASKED = "王大山", "王*山"


@pytest.fixture
def login():
    """A client of its own per user (the suite's `login` shares one client)."""

    def _login(user) -> Client:
        client = Client()
        client.force_login(user, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
        return client

    return _login


def _consent(client, household, purpose: str, given: bool) -> None:
    """The household gives or withdraws consent on its own 我的信息 page."""
    response = client.post(
        f"/my/{household.pk}/consent/", {"purpose": purpose, "given": "1" if given else "0"}
    )
    assert response.status_code == 302


def _board(client, village) -> str:
    return client.get(f"/village/{village.pk}/board/").content.decode()


def _honours_section(html: str) -> str:
    return html.split('id="b-honours"', 1)[1].split("</section>", 1)[0]


def _suggestions_section(html: str) -> str:
    return html.split('id="b-suggestions"', 1)[1].split("</section>", 1)[0]


def test_a_household_that_never_answered_has_not_consented(filled):  # noqa: F811
    w = filled
    assert in_force([w.household.pk, w.household_a1_2.pk]) == {p: set() for p in ConsentPurpose}
    publication = Publication([w.household.pk])
    assert publication.name(w.household.pk, FULL) == MASKED
    assert not publication.photos(w.household.pk)
    assert Publication([w.household.pk], own={w.household.pk}).name(w.household.pk, FULL) == FULL


def test_giving_and_withdrawing_changes_the_board_at_once(filled, login):  # noqa: F811
    w = filled
    own, other = login(w.users["villager"]), login(w.users["other_villager"])
    village = w.village_a1

    # Never answered: another villager sees the honour and the named suggestion masked.
    html = _board(other, village)
    assert MASKED in _honours_section(html) and FULL not in html
    assert MASKED in _suggestions_section(html)
    # The household itself sees its own name in full.
    mine = _board(own, village)
    assert FULL in _honours_section(mine) and FULL in _suggestions_section(mine)

    _consent(own, w.household, ConsentPurpose.NAME_ON_HONOUR_ROLL, True)
    html = _board(other, village)
    assert FULL in _honours_section(html)
    assert MASKED in _suggestions_section(html)  # that is another purpose

    _consent(own, w.household, ConsentPurpose.NAME_ON_BOARD, True)
    assert FULL in _suggestions_section(_board(other, village))

    _consent(own, w.household, ConsentPurpose.NAME_ON_HONOUR_ROLL, False)
    _consent(own, w.household, ConsentPurpose.NAME_ON_BOARD, False)
    html = _board(other, village)
    assert FULL not in html and MASKED in _honours_section(html)
    # Every choice is kept (append-only); the newest decides.
    assert Consent.objects.filter(household=w.household).count() == 4


def test_the_poster_follows_consent_whoever_prints_it(filled, login):  # noqa: F811
    w = filled
    own = login(w.users["villager"])
    url = f"/village/{w.village_a1.pk}/board.pdf"
    # A printed poster is public: even the household's own print masks its name.
    text = "".join(texts(own.get(url).content))
    assert MASKED in text and FULL not in text
    _consent(own, w.household, ConsentPurpose.NAME_ON_HONOUR_ROLL, True)
    _consent(own, w.household, ConsentPurpose.NAME_ON_BOARD, True)
    text = "".join(texts(login(w.users["committee_head"]).get(url).content))
    assert FULL in text and MASKED not in text
    _consent(own, w.household, ConsentPurpose.NAME_ON_BOARD, False)
    text = "".join(texts(own.get(url).content))
    assert FULL in text and MASKED in text  # the roll in full, the suggestion masked


def test_courtyard_photos_on_the_honour_roll_follow_consent(filled, login):  # noqa: F811
    w = filled
    honour = Honour.objects.get(household=w.household)
    stored = NominationPhoto.objects.create(
        nomination=honour.nomination, sha256="0" * 64, image=photo()
    )
    photo_url = f"/village/honours/photos/{stored.pk}/"
    roll_url = f"/village/honours/roll/{w.village_a1.pk}/"
    own, other = login(w.users["villager"]), login(w.users["other_villager"])

    assert photo_url in own.get(roll_url).content.decode()  # its own photos
    assert own.get(photo_url).status_code == 200
    assert photo_url not in other.get(roll_url).content.decode()
    assert other.get(photo_url).status_code == 404

    _consent(own, w.household, ConsentPurpose.PHOTOS, True)
    page = other.get(roll_url).content.decode()
    assert photo_url in page and MASKED in page  # photos given, the name still masked
    assert other.get(photo_url).status_code == 200

    _consent(own, w.household, ConsentPurpose.PHOTOS, False)
    assert photo_url not in other.get(roll_url).content.decode()
    assert other.get(photo_url).status_code == 404


def test_a_projects_givers_follow_consent(filled, login):  # noqa: F811
    w = filled
    project = Project.objects.get(village=w.village_a1, name="外墙保温")
    Contribution.objects.create(
        village=w.village_a1,
        project=project,
        household=w.household,
        kind=ContributionKind.MONEY,
        amount=Decimal("500"),
        contributed_on=date(2026, 5, 1),
        recorded_by=w.users["committee_member"],
        recorded_at=timezone.now(),
    )
    own, other = login(w.users["villager"]), login(w.users["other_villager"])
    url = f"/village/projects/{project.pk}/"
    assert FULL in own.get(url).content.decode()
    page = other.get(url).content.decode()
    assert MASKED in page and FULL not in page
    _consent(own, w.household, ConsentPurpose.NAME_ON_BOARD, True)
    assert FULL in other.get(url).content.decode()
    # The staff see every name in full, consent or not (their work, not a publication).
    _consent(own, w.household, ConsentPurpose.NAME_ON_BOARD, False)
    assert FULL in login(w.users["committee_head"]).get(url).content.decode()


def test_the_suggestion_list_follows_consent(filled, login):  # noqa: F811
    w = filled
    own, other = login(w.users["villager"]), login(w.users["other_villager"])
    url = f"/village/{w.village_a1.pk}/suggestions/"
    page = other.get(url).content.decode()
    assert MASKED in page and FULL not in page
    _consent(own, w.household, ConsentPurpose.NAME_ON_BOARD, True)
    assert FULL in other.get(url).content.decode()


def test_the_big_screen_never_shows_a_name(filled, login):  # noqa: F811
    w = filled
    own = login(w.users["villager"])
    for purpose in ConsentPurpose.values:
        _consent(own, w.household, purpose, True)
    client = login(w.users["display"])
    for url in ("/oversight/screen/", "/oversight/screen/data.json"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode("unicode_escape" if url.endswith(".json") else "utf-8")
        assert FULL not in body and MASKED not in body and "李二河" not in body
        assert "/village/honours/photos/" not in body


@pytest.mark.parametrize("extra", [0, 25])
def test_the_board_stays_at_a_fixed_number_of_queries(filled, login, extra):  # noqa: F811
    """Honours of `extra` more households, each with a consent row: the same count."""
    from tests.factories import make_household

    w = filled
    honour = Honour.objects.get(household=w.household)
    now = timezone.now()
    for i in range(extra):
        household = make_household(
            w.village_a1, w.household.villager_group, f"9{i:02d}", head=f"郑{i}明", head_seq=900 + i
        )
        nomination = honour.nomination
        nomination.pk, nomination.household = None, household
        nomination.save()
        Honour.objects.create(
            selection=honour.selection,
            nomination=nomination,
            honour_type=honour.honour_type,
            household=household,
            year=honour.year,
            awarded_on=honour.awarded_on,
            awarded_by=honour.awarded_by,
            awarded_at=now - timedelta(days=1),
        )
        Consent.objects.create(
            household=household,
            purpose=ConsentPurpose.NAME_ON_HONOUR_ROLL,
            given=i % 2 == 0,
            recorded_by=w.users["committee_head"],
            recorded_at=now,
            on_paper=True,
        )
    client = login(w.users["other_villager"])
    client.get(f"/village/{w.village_a1.pk}/board/")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        html = _board(client, w.village_a1)
    if extra:
        assert "郑0明" in html and "郑*明" in html  # 郑1明 did not consent
    # The same count with one household on the roll as with 26, consent rows or not.
    assert len(queries) == 15, [q["sql"] for q in queries]
