"""Contributions (捐资捐物、义务投工): projects, money, goods and labour with evidence,
the points per the scheme's items (whole hundreds of yuan, whole days, within the
annual caps) as pending entries, and a project's board with its totals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from sanxin.engagement import board as reads
from sanxin.engagement.choices import ContributionKind, ProjectKind
from sanxin.engagement.models import Contribution
from sanxin.engagement.services import contributions as svc
from sanxin.ledger.models import Entry
from tests.crafted_files import png_bomb


@pytest.fixture
def project(world, scheme):
    return svc.project_create(
        actor=world.users["committee_head"],
        village=world.village_a1,
        name="外墙保温",
        kind=ProjectKind.INSULATION,
        target_amount=Decimal("350000"),
    )


def give(world, project=None, **kw):
    values = {
        "actor": world.users["committee_member"],
        "household": world.household,
        "project": project,
        "kind": ContributionKind.MONEY,
        "amount": Decimal("1000"),
        "contributed_on": timezone.localdate() - timedelta(days=1),
        "evidence_text": "收据 No.0001",
    } | kw
    return svc.contribution_record(**values)


# --- the rounding rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "units"),
    [("99.99", 0), ("100", 1), ("250", 2), ("1999.99", 19), ("2000", 20), ("0", 0)],
)
def test_money_counts_whole_hundreds_rounded_down(amount, units):
    assert svc.donation_units(Decimal(amount)) == units


@pytest.mark.parametrize(("days", "units"), [("0.5", 0), ("1", 1), ("2.5", 2), ("3.0", 3)])
def test_labour_counts_whole_days_rounded_down(days, units):
    assert svc.labour_units(Decimal(days)) == units


@given(
    units=st.integers(min_value=0, max_value=10_000),
    per_unit=st.sampled_from([Decimal(1), Decimal(5), Decimal("2.5")]),
    used=st.decimals(min_value=0, max_value=100, places=1),
)
def test_units_within_the_cap_never_pass_it(units, per_unit, used):
    cap = Decimal(40)
    kept = svc.units_within_cap(units, per_unit, cap, used)
    assert 0 <= kept <= units
    assert used + kept * per_unit <= max(cap, used)
    assert kept == units or used + (kept + 1) * per_unit > cap


# --- recording ---------------------------------------------------------------------------


def test_money_earns_public_donation_per_hundred_as_a_pending_entry(world, project):
    c = give(world, project, amount=Decimal("1250.50"))
    assert c.amount == Decimal("1250.50")
    entry = c.entry
    assert (entry.item_code, entry.quantity, entry.points) == ("public.donation", 12, 12)
    assert entry.person is None  # the item counts per household
    assert "外墙保温" in entry.evidence_text and "1250.50" in entry.evidence_text
    assert "整百元" in c.points_note


def test_the_annual_cap_cuts_the_units_and_then_records_nothing(world, project):
    first = give(world, project, amount=Decimal("3000"))  # 30 of 40 points
    second = give(world, project, amount=Decimal("5000"))  # only 10 left
    third = give(world, project, amount=Decimal("800"))
    assert first.entry.points == 30
    assert second.entry.points == 10 and "上限" in second.points_note
    assert third.entry is None and "已达上限" in third.points_note
    assert Contribution.objects.count() == 3  # the gifts are all recorded


def test_labour_earns_public_labour_for_the_person_who_worked(world, project):
    worker = world.household.members.filter(is_head=False).first()
    c = give(
        world,
        project,
        kind=ContributionKind.LABOUR,
        amount=None,
        labour_days=Decimal("2.5"),
        person=worker,
    )
    assert (c.entry.item_code, c.entry.quantity, c.entry.person) == (
        "public.labour",
        2,
        worker,
    )
    half = give(
        world, project, kind=ContributionKind.LABOUR, amount=None, labour_days=Decimal("0.5")
    )
    assert half.entry is None and "不足" in half.points_note


def test_goods_earn_points_only_on_a_stated_value(world, scheme):
    apples = give(
        world,
        cause="帮扶困难户",
        kind=ContributionKind.GOODS,
        amount=None,
        goods="苹果",
        goods_quantity=Decimal("500"),
        goods_unit="斤",
    )
    assert apples.entry is None and "折合金额" in apples.points_note
    rice = give(
        world,
        cause="帮扶困难户",
        kind=ContributionKind.GOODS,
        amount=Decimal("600"),
        goods="大米",
        goods_quantity=Decimal("200"),
        goods_unit="斤",
    )
    assert rice.entry.points == 6


def test_evidence_photos_are_checked(world, project):
    with pytest.raises(ValidationError) as exc:
        give(world, project, photos=[SimpleUploadedFile("b.png", png_bomb(), "image/png")])
    assert "像素过多" in exc.value.message_dict["photos"][0]
    assert not Contribution.objects.exists() and not Entry.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"kind": ContributionKind.GOODS, "goods": ""}, "goods"),
        ({"project": None, "cause": ""}, "cause"),
        ({"cause": "捐\u202e款", "project": None}, "cause"),
        ({"evidence_text": "收据\u200b"}, "evidence_text"),
    ],
)
def test_wrong_records_are_refused(world, project, changes, field):
    with pytest.raises(ValidationError) as exc:
        give(world, **({"project": project} | changes))
    assert field in exc.value.message_dict
    assert not Contribution.objects.exists()


def test_a_future_date_and_another_villages_project_are_refused(world, project):
    with pytest.raises(ValidationError):
        give(world, project, contributed_on=timezone.localdate() + timedelta(days=1))
    neighbour = svc.project_create(
        actor=world.users["neighbour_committee_head"],
        village=world.village_a2,
        name="修路",
        kind=ProjectKind.ROAD,
    )
    with pytest.raises(ValidationError, match="不是本户所在村"):
        give(world, neighbour)


def test_who_records(world, project):
    for name in ("villager", "subteam_member", "town_admin", "neighbour_committee_head"):
        with pytest.raises(PermissionDenied):
            give(world, project, actor=world.users[name])
    member = world.users["committee_member"]
    member.person = world.household.members.get(is_head=True)
    member.save()
    with pytest.raises(ValidationError, match="本人的家庭"):
        give(world, project, actor=member)


def test_project_names_are_unique_per_village(world, project):
    with pytest.raises(ValidationError, match="同名"):
        svc.project_create(
            actor=world.users["committee_head"],
            village=world.village_a1,
            name="外墙保温",
            kind=ProjectKind.INSULATION,
        )


# --- totals and pages ----------------------------------------------------------------------


def test_totals_per_project_add_money_households_labour_and_goods(world, project):
    give(world, project, amount=Decimal("1000"))
    give(world, project, amount=Decimal("500.25"), household=world.household_a1_2)
    give(world, project, kind=ContributionKind.LABOUR, amount=None, labour_days=Decimal("1.5"))
    give(
        world,
        project,
        kind=ContributionKind.GOODS,
        amount=Decimal("300"),
        goods="保温板",
        goods_quantity=Decimal("20"),
        goods_unit="块",
    )
    give(world, cause="帮扶困难户", amount=Decimal("200"))
    totals = reads.project_totals(world.village_a1)
    insulation, other = totals
    assert insulation.money == Decimal("1500.25")  # goods' value is not money raised
    assert insulation.households == 2
    assert insulation.labour_days == Decimal("1.5")
    assert insulation.goods == ["保温板 20块"]
    assert insulation.share == 0
    assert (other.name, other.money) == ("其他用途", Decimal("200"))


def test_the_project_page_masks_names_for_villagers(world, project, login):
    give(world, project, household=world.household_a1_2)
    html = login(world.users["villager"]).get(f"/village/projects/{project.pk}/").content
    assert "李*河".encode() in html and "李二河".encode() not in html
    staff = login(world.users["committee_member"]).get(f"/village/projects/{project.pk}/")
    assert "李二河" in staff.content.decode()


def test_recording_on_the_page(world, project, login):
    client = login(world.users["committee_member"])
    response = client.post(
        f"/village/{world.village_a1.pk}/contributions/new/",
        {
            "household_number": "００１",
            "project": str(project.pk),
            "kind": "money",
            "amount": "2000",
            "contributed_on": str(timezone.localdate()),
            "evidence_text": "收据 No.7",
        },
    )
    assert response.status_code == 302
    c = Contribution.objects.get()
    assert (c.household, c.amount, c.entry.points) == (world.household, Decimal("2000"), 20)


def test_the_project_page_runs_a_bounded_number_of_queries(
    world, project, login, django_assert_max_num_queries
):
    now = timezone.now()
    Contribution.objects.bulk_create(
        Contribution(
            village=world.village_a1,
            project=project,
            household=world.household if i % 2 else world.household_a1_2,
            kind=ContributionKind.MONEY,
            amount=Decimal(1000 + i),
            contributed_on=date(2026, 5, 1),
            recorded_by=world.users["committee_head"],
            recorded_at=now,
        )
        for i in range(60)
    )
    client = login(world.users["villager"])
    with django_assert_max_num_queries(14):
        assert client.get(f"/village/projects/{project.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/village/{world.village_a1.pk}/projects/").status_code == 200
