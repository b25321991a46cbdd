"""The honour pages, walked by the users a selection involves: the committee opens
it, a villager nominates a courtyard with a photo, the committee checks it, the
representatives vote, the count, the notice, the award, the badge and certificate."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from sanxin.engagement.choices import NominationState, SelectionState
from sanxin.engagement.models import Ballot, BallotCast, Honour, Nomination, Selection
from sanxin.ledger.services import entry_review
from tests.engagement.conftest import give_grade
from tests.engagement.test_honours import photo


def _open(client, world):
    today = timezone.localdate()
    response = client.post(
        "/village/honours/new/",
        {
            "honour_type": f"new:{world.district.pk}:美丽庭院",
            "region": world.village_a1.pk,
            "year": today.year,
            "nominate_from": today,
            "nominate_until": today + timedelta(days=3),
            "vote_from": today + timedelta(days=4),
            "vote_until": today + timedelta(days=6),
            "quota": 2,
            "voters": "representatives",
            "quorum_percent": 66,
            "tie_rule": "none_tied",
            "notice_days": 5,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Selection.objects.get()


def _days_pass(selection, **dates):
    Selection.objects.filter(pk=selection.pk).update(**dates)
    selection.refresh_from_db()


def test_the_whole_selection_through_the_pages(world, scheme, reps, login):
    today = timezone.localdate()
    give_grade(world.household, "4A", day=today - timedelta(days=30))
    head = login(world.users["committee_head"])
    selection = _open(head, world)
    url = f"/village/honours/{selection.pk}/"

    villager = login(world.users["villager"])
    page = villager.get(f"{url}nominate/")
    assert page.status_code == 200 and 'value="001"' in page.content.decode()
    response = villager.post(
        f"{url}nominate/",
        {"household_number": "001", "reason": "院子干净整洁，种满了月季", "photos": [photo()]},
    )
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.photos.count() == 1
    shown = villager.get(url).content.decode()
    assert "院子干净整洁" in shown
    photo_url = f"/village/honours/photos/{nomination.photos.get().pk}/"
    assert villager.get(photo_url).status_code == 200
    # Another villager of the village sees neither the nomination nor its photo.
    other = login(world.users["other_villager"])
    assert "院子干净整洁" not in other.get(url).content.decode()
    assert other.get(photo_url).status_code == 404

    head = login(world.users["committee_head"])
    _days_pass(
        selection,
        nominate_from=today - timedelta(days=3),
        nominate_until=today - timedelta(days=1),
        vote_from=today,
        vote_until=today + timedelta(days=2),
    )
    head.post(f"{url}step/", {"step": "close_nominations"})
    head.post(
        f"/village/honours/nominations/{nomination.pk}/check/",
        {f"c{nomination.pk}-eligible": "1", f"c{nomination.pk}-reason": "符合条件"},
    )
    head.post(f"{url}step/", {"step": "open_vote"})
    selection.refresh_from_db()
    nomination.refresh_from_db()
    assert (selection.state, nomination.state) == (SelectionState.VOTING, NominationState.ELIGIBLE)
    page = head.get(url).content.decode()
    assert "每人一票、无记名" in page and "同票者均不当选" in page

    for rep in reps:
        client = login(rep)
        assert "去投票" in client.get(url).content.decode()
        assert client.post(f"{url}vote/", {"choices": [nomination.pk]}).status_code == 302
        # A second ballot is refused.
        client.post(f"{url}vote/", {"choices": [nomination.pk]})
    assert BallotCast.objects.count() == Ballot.objects.count() == 3
    # The villager is not a representative.
    response = login(world.users["villager"]).post(f"{url}vote/", {"choices": [nomination.pk]})
    assert response.status_code == 403 and Ballot.objects.count() == 3

    head = login(world.users["committee_head"])
    head.post(f"{url}step/", {"step": "count"})
    selection.refresh_from_db()
    assert selection.state == SelectionState.NOTICE
    notice = login(world.users["other_villager"]).get(url).content.decode()
    assert "王*山" in notice and "王大山" not in notice  # masked on notice
    _days_pass(selection, notice_until=today - timedelta(days=1), notice_from=today - timedelta(5))
    head = login(world.users["committee_head"])
    head.post(f"{url}step/", {"step": "award"})
    honour = Honour.objects.get()
    assert honour.entry is not None and not hasattr(honour.entry, "review")
    entry_review(actor=world.users["committee_deputy"], entry=honour.entry, approve=True)

    villager = login(world.users["villager"])
    household_page = villager.get(f"/households/{world.household.pk}/").content.decode()
    assert "美丽庭院" in household_page and "honour-badge" in household_page
    pdf = villager.get(f"/village/honours/awarded/{honour.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    roll = villager.get(f"/village/honours/roll/{world.village_a1.pk}/").content.decode()
    assert "王大山" in roll  # its own name, in full
    other = login(world.users["other_villager"])
    roll = other.get(f"/village/honours/roll/{world.village_a1.pk}/").content.decode()
    assert "王*山" in roll and "王大山" not in roll  # no consent: masked


def test_the_verification_page_says_whether_the_honour_stands(world, scheme, reps, client):
    from sanxin.engagement.certificates import token_for
    from sanxin.engagement.services import honours as svc
    from tests.engagement.conftest import head_of

    give_grade(world.household_a1_2, "4A")
    selection = svc.selection_finished(
        committee=world.users["committee_head"],
        honour_type=svc.honour_types_install_default(district=world.district)[0],
        region=world.village_a1,
        year=2025,
        nominees=[(world.household_a1_2, head_of(world.household_a1_2), "孝老爱亲十余年")],
        voters=reps,
        votes_for=[0],
        awarded_on=timezone.localdate() - timedelta(days=1),
    )
    honour = selection.honours.get()
    page = client.get(f"/village/honours/verify/{token_for(honour)}/")
    assert page.status_code == 200 and "有效" in page.content.decode()
    assert "李二河" not in page.content.decode()
    tampered = token_for(honour)[:-2] + "xx"
    assert client.get(f"/village/honours/verify/{tampered}/").status_code == 404
    svc.honour_withdraw(actor=world.users["committee_member"], honour=honour, reason="事迹不实")
    assert "已撤销" in client.get(f"/village/honours/verify/{token_for(honour)}/").content.decode()


def test_the_list_and_the_page_take_a_fixed_number_of_queries(
    world, scheme, reps, login, django_assert_max_num_queries
):
    from sanxin.engagement.services import honours as svc
    from tests.engagement.conftest import head_of

    head = login(world.users["committee_head"])
    types = svc.honour_types_install_default(district=world.district)
    today = timezone.localdate()
    selections = []
    for i, honour_type in enumerate(types):
        selections.append(
            svc.selection_open(
                actor=world.users["committee_head"],
                honour_type=honour_type,
                region=world.village_a1,
                year=today.year - i,
                nominate_from=today,
                nominate_until=today,
                vote_from=today,
                vote_until=today,
                quota=3,
            )
        )
    for i in range(6):
        from tests.factories import make_household

        h = make_household(
            world.village_a1, world.group_a1_2, f"3{i:02d}", head=f"周{i}", head_seq=900 + i
        )
        give_grade(h, "4A")
        svc.nomination_submit(
            actor=world.users["committee_head"],
            selection=selections[2],
            household=h,
            person=head_of(h),
            reason="院子干净整洁",
            photos=[photo()],
        )
    with django_assert_max_num_queries(12):
        assert head.get("/village/honours/").status_code == 200
    with django_assert_max_num_queries(25):
        page = head.get(f"/village/honours/{selections[2].pk}/")
    assert (
        page.status_code == 200 and len(re.findall(r'id="nomination-', page.content.decode())) == 6
    )
