"""The veto page, and the ledger in the admin: neither can change history."""

from datetime import date

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.ledger import services
from sanxin.ledger.models import Entry, VetoEvent
from sanxin.ledger.services import EntryRequest
from tests.test_form_labels import unlabelled_fields


@pytest.fixture
def entry(world, scheme):
    return services.entry_record(
        actor=world.users["subteam_member"],
        request=EntryRequest(
            household=world.household, item_code="env.tidy", occurred_on=date(2025, 6, 1)
        ),
        today=date(2025, 11, 1),
    )


def test_admin_offers_no_change_or_delete_of_entries(entry, client):
    root = User.objects.create_superuser("root", password="x-Sanxin-2026")
    client.force_login(root, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
    assert client.get(f"/admin/ledger/entry/{entry.pk}/change/").status_code == 200  # view only
    response = client.post(f"/admin/ledger/entry/{entry.pk}/change/", {"points": "99"})
    assert response.status_code == 403
    assert (
        client.post(f"/admin/ledger/entry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    entry.refresh_from_db()
    assert entry.points == 2
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(points=99)


def test_committee_records_and_revokes_a_veto_in_the_browser_forms(world, scheme, login):
    client = login(world.users["committee_head"])
    url = f"/points/households/{world.household.pk}/vetoes/"
    page = client.get(url).content.decode()
    assert "被列为失信被执行人" in page
    bad = client.post(
        url, {"rule_code": "wd.d.dishonest_debtor", "starts_on": "2025-09-01", "evidence_text": ""}
    )
    assert bad.status_code == 200 and not VetoEvent.objects.exists()
    ok = client.post(
        url,
        {
            "rule_code": "wd.d.dishonest_debtor",
            "starts_on": "2025-09-01",
            "evidence_text": "法院名单",
        },
    )
    assert ok.status_code == 302
    event = VetoEvent.objects.get()
    listed = client.get(url).content.decode()
    assert "生效中" in listed or event.ends_on < timezone.localdate()
    assert not unlabelled_fields(listed), "the revoke form's reason has a visible label"
    client.post(f"/points/vetoes/{event.pk}/revoke/", {"reason": "误报"})
    assert VetoEvent.objects.filter(revokes=event).exists()
    assert "已撤销" in client.get(url).content.decode()
    # A villager sees the page but not the form.
    villager_page = login(world.users["villager"]).get(url).content.decode()
    assert "确认认定" not in villager_page


def test_the_veto_form_shows_todays_date_in_the_date_widget(world, scheme, login):
    from django.utils import timezone

    page = login(world.users["committee_head"]).get(
        f"/points/households/{world.household.pk}/vetoes/"
    )
    html = page.content.decode()
    today = timezone.localdate().isoformat()
    assert f'type="date" name="starts_on" value="{today}"' in html, (
        "an <input type=date> shows its default only in ISO form"
    )
