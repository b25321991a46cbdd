"""The demo's 全民争信 (web/demo/engagement.py): told through the services after the
finished cycle, every entry approved by a member other than its recorder and outside
its household, the ledger year's review queue left as it was; the board shows it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.engagement.choices import SelectionState, SuggestionState
from sanxin.engagement.models import (
    Activity,
    CheckIn,
    Contribution,
    Honour,
    Project,
    Selection,
    Suggestion,
)
from sanxin.ledger.models import Entry
from sanxin.regions.models import Region
from sanxin.web import demo

SMALL = 24


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_tells_the_engagement_story(db, client):
    result = demo.build(households=SMALL)
    cal = result.calendar
    village = Region.objects.get(name="大贵口村")
    today = timezone.localdate()

    selections = {s.honour_type.name: s for s in Selection.objects.select_related("honour_type")}
    assert selections["美丽庭院"].state == SelectionState.AWARDED
    assert selections["道德模范"].state == SelectionState.AWARDED
    labour = selections["劳动模范"]
    assert labour.state == SelectionState.NOMINATING
    assert labour.nominate_from <= today <= labour.nominate_until
    assert labour.nominations.count() == 3
    courtyards = Honour.objects.filter(honour_type__name="美丽庭院").count()
    assert 1 <= courtyards <= 50 and Honour.objects.filter(honour_type__name="道德模范").count()

    past = Activity.objects.filter(village=village, ends_at__lt=timezone.now())
    assert past.count() == 12
    assert Activity.objects.filter(village=village, starts_at__gt=timezone.now()).count() == 1
    assert CheckIn.objects.filter(entry__isnull=False).count() >= 100

    suggestions = Suggestion.objects.filter(village=village)
    assert suggestions.count() == 40
    assert suggestions.filter(state=SuggestionState.ADOPTED, entry__isnull=False).count() == 6
    assert suggestions.exclude(state=SuggestionState.SUBMITTED).count() >= 20

    project = Project.objects.get(village=village, name="外墙保温改造")
    money = Contribution.objects.filter(project=project, kind="money").aggregate(s=Sum("amount"))
    assert Decimal(0) < money["s"] <= Decimal(350000)
    produce = Contribution.objects.filter(kind="goods").aggregate(s=Sum("goods_quantity"))["s"]
    assert produce == 7000

    # Every entry of the story comes after the cut-off and is approved by another member.
    later = Entry.objects.filter(occurred_on__gt=cal.as_of).select_related(
        "review__reviewer__person"
    )
    assert later.count() >= 150
    for entry in later:
        assert entry.occurred_on <= today
        assert entry.review.approved and entry.review.reviewer_id != entry.recorded_by_id
        reviewer_home = getattr(entry.review.reviewer.person, "household_id", None)
        assert reviewer_home != entry.household_id

    # The board of the village, as one of its villagers sees it.
    client.force_login(User.objects.get(username="cunmin1"))
    html = client.get(f"/village/{village.pk}/board/").content.decode()
    assert "美丽庭院" in html and "外墙保温改造" in html and "村民学习会：年终村务公开" in html
    pdf = client.get(f"/village/{village.pk}/board.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    # Idempotent: a second build adds nothing.
    counts = (Selection.objects.count(), Suggestion.objects.count(), Entry.objects.count())
    demo.build(households=SMALL)
    assert counts == (Selection.objects.count(), Suggestion.objects.count(), Entry.objects.count())
