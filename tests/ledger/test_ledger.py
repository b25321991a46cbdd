"""The ledger: recording, maker-checker review with recusal, reversals, immutability,
and the grade each household gets from it."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from sanxin.households.models import Person
from sanxin.ledger import services
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.services import EntryRequest
from sanxin.ratings.facts import household_grade

TODAY = date(2025, 11, 1)


def _record(
    world, user="subteam_member", household=None, item="env.tidy", on=date(2025, 6, 1), **kw
):
    return services.entry_record(
        actor=world.users[user],
        request=EntryRequest(
            household=household or world.household, item_code=item, occurred_on=on, **kw
        ),
        today=TODAY,
    )


def test_record_review_and_grade(world, scheme, credit_for):
    credit_for(world.household)
    before = household_grade(world.household, TODAY).result
    entry = _record(world, quantity=3)
    assert entry.points == 6 and entry.scheme_version == scheme
    assert household_grade(world.household, TODAY).result.total == before.total, (
        "pending entries do not count"
    )
    services.entry_review(actor=world.users["committee_member"], entry=entry, approve=True)
    after = household_grade(world.household, TODAY).result
    assert after.total > before.total
    scheme.refresh_from_db()
    assert scheme.in_use_since is not None


def test_maker_cannot_check_their_own_entry(world, scheme):
    entry = _record(world, user="committee_member")
    with pytest.raises(ValidationError, match="不能审核自己记录"):
        services.entry_review(actor=world.users["committee_member"], entry=entry, approve=True)


def test_reviewer_recuses_from_own_household(world, scheme):
    member = world.users["committee_head"]
    member.person = Person.objects.get(household=world.household, is_head=True)
    member.save()
    entry = _record(world)
    with pytest.raises(ValidationError, match="回避"):
        services.entry_review(actor=world.users["committee_head"], entry=entry, approve=True)


def test_subteam_cannot_record_outside_their_group(world, scheme):
    with pytest.raises(PermissionDenied):
        _record(world, household=world.household_a1_2)
    assert not Entry.objects.exists()


def test_bad_requests_are_refused_with_reasons(world, scheme):
    cases = [
        ({"on": date(2025, 12, 1)}, "在今天之后"),
        ({"item": "no.such"}, "不在本户适用的方案"),
        ({"item": "env.dumping"}, "必须填写事实依据"),
        ({"item": "public.volunteer"}, "请选择人员"),
        ({"quantity": 7}, "最多还能记"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError, match=message):
            _record(world, **kwargs)
    assert not Entry.objects.exists()


def test_vanguard_items_only_for_party_members(world, scheme):
    person = Person.objects.get(household=world.household, is_head=True)
    with pytest.raises(ValidationError, match="只适用于党员"):
        _record(world, item="party.meeting", person=person)


def test_rejection_needs_a_reason_and_decisions_are_final(world, scheme):
    entry = _record(world)
    with pytest.raises(ValidationError, match="理由"):
        services.entry_review(actor=world.users["committee_member"], entry=entry, approve=False)
    services.entry_review(
        actor=world.users["committee_member"], entry=entry, approve=False, reason="照片不清楚"
    )
    with pytest.raises(ValidationError, match="已经审核过"):
        services.entry_review(actor=world.users["committee_head"], entry=entry, approve=True)


def test_reversal_restores_the_grade_exactly(world, scheme, credit_for):
    credit_for(world.household)
    before = household_grade(world.household, TODAY).result
    entry = _record(world, item="env.dumping", evidence_text="门前倒垃圾，有照片")
    services.entry_review(actor=world.users["committee_member"], entry=entry, approve=True)
    lowered = household_grade(world.household, TODAY).result
    assert lowered.total < before.total
    reversal = services.entry_reverse(
        actor=world.users["committee_head"], entry=entry, reason="查明不是该户所为"
    )
    services.entry_review(actor=world.users["committee_member"], entry=reversal, approve=True)
    restored = household_grade(world.household, TODAY).result
    assert (restored.total, restored.grade) == (before.total, before.grade)
    with pytest.raises(ValidationError, match="已经冲正过"):
        services.entry_reverse(actor=world.users["committee_head"], entry=entry, reason="again")


def test_a_rejected_reversal_can_be_followed_by_another(world, scheme, credit_for):
    credit_for(world.household)
    entry = _record(world, item="env.dumping", evidence_text="门前倒垃圾，有照片")
    services.entry_review(actor=world.users["committee_member"], entry=entry, approve=True)
    first = services.entry_reverse(
        actor=world.users["committee_head"], entry=entry, reason="可能记错了户"
    )
    with pytest.raises(ValidationError, match="已有一条待审核的冲正"):
        services.entry_reverse(actor=world.users["committee_head"], entry=entry, reason="再冲一次")
    services.entry_review(
        actor=world.users["committee_member"],
        entry=first,
        approve=False,
        reason="核实无误，不予冲正",
    )
    second = services.entry_reverse(
        actor=world.users["committee_head"], entry=entry, reason="户主补充了新的证据"
    )
    services.entry_review(actor=world.users["committee_member"], entry=second, approve=True)
    assert sorted(entry.reversals.values_list("pk", flat=True)) == [first.pk, second.pk]
    with pytest.raises(ValidationError, match="已经冲正过"):
        services.entry_reverse(actor=world.users["committee_head"], entry=entry, reason="third")


def test_entry_table_stays_append_only_after_the_reversal_migration(world, scheme):
    from django.db import DatabaseError, transaction

    entry = _record(world, item="env.dumping", evidence_text="门前倒垃圾")
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(points=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).delete()


def test_batch_is_all_or_nothing(world, scheme):
    households = [world.household, world.household_a1_2]
    result = services.entries_record_batch(
        actor=world.users["committee_head"],
        households=households,
        item_code="env.tidy",
        occurred_on=date(2025, 6, 1),
        today=TODAY,
    )
    assert len(result.entries) == 2 and len({e.batch_key for e in result.entries}) == 1
    result = services.entries_record_batch(
        actor=world.users["committee_head"],
        households=households,
        item_code="env.tidy",
        occurred_on=date(2025, 12, 1),
        today=TODAY,
    )
    assert result.errors and not result.entries
    assert Entry.objects.count() == 2


def test_idempotent_submission(world, scheme):
    first = services.entry_record(
        actor=world.users["subteam_member"],
        request=EntryRequest(
            household=world.household, item_code="env.tidy", occurred_on=date(2025, 6, 1)
        ),
        idempotency_key="k1",
        today=TODAY,
    )
    again = services.entry_record(
        actor=world.users["subteam_member"],
        request=EntryRequest(
            household=world.household, item_code="env.tidy", occurred_on=date(2025, 6, 1)
        ),
        idempotency_key="k1",
        today=TODAY,
    )
    assert first.pk == again.pk and Entry.objects.count() == 1
    with pytest.raises(ValidationError):
        services.entry_record(
            actor=world.users["subteam_member"],
            request=EntryRequest(
                household=world.household, item_code="env.tidy", occurred_on=date(2025, 6, 2)
            ),
            idempotency_key="k1",
            today=TODAY,
        )


def test_entries_and_reviews_cannot_be_changed_or_deleted(world, scheme):
    entry = _record(world)
    review = services.entry_review(actor=world.users["committee_member"], entry=entry, approve=True)
    for attempt in [
        lambda: Entry.objects.filter(pk=entry.pk).update(points=100),
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
        lambda: Review.objects.filter(pk=review.pk).update(approved=False),
        lambda: Review.objects.filter(pk=review.pk).delete(),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    for sql in [
        f"UPDATE ledger_entry SET points = 99 WHERE id = {entry.pk}",
        f"DELETE FROM ledger_entry WHERE id = {entry.pk}",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    entry.refresh_from_db()
    assert entry.points == 2


def test_frozen_scheme_version_cannot_change(world, scheme):
    _record(world)
    scheme.refresh_from_db()
    from sanxin.rules.models import SchemeVersion

    with pytest.raises(DatabaseError), transaction.atomic():
        SchemeVersion.objects.filter(pk=scheme.pk).update(document={})


def test_party_cadre_household_is_graded_more_strictly(world, scheme, credit_for):
    """The same conduct: an ordinary household and a cadre's household."""
    from sanxin.households.choices import CadrePost, PoliticalStatus

    cadre_head = Person.objects.get(household=world.household_a1_2, is_head=True)
    Person.objects.filter(pk=cadre_head.pk).update(
        political_status=PoliticalStatus.PARTY_MEMBER, cadre_post=CadrePost.PARTY_SECRETARY
    )
    for h in (world.household, world.household_a1_2):
        credit_for(h)
        e = services.entry_record(
            actor=world.users["committee_head"],
            request=EntryRequest(
                household=h,
                item_code="env.dumping",
                occurred_on=date(2025, 6, 1),
                evidence_text="x",
            ),
            today=TODAY,
        )
        services.entry_review(actor=world.users["committee_member"], entry=e, approve=True)
    plain = household_grade(world.household, TODAY).result
    cadre = household_grade(world.household_a1_2, TODAY).result
    assert cadre.tier == "party_cadre" and plain.tier == "masses"
    assert cadre.total < plain.total


def test_vanguard_points_are_recorded_only_by_the_roles_the_scheme_names(world, scheme):
    from sanxin.households.choices import PoliticalStatus

    head = Person.objects.get(household=world.household, is_head=True)
    Person.objects.filter(pk=head.pk).update(political_status=PoliticalStatus.PARTY_MEMBER)
    head.refresh_from_db()
    with pytest.raises(ValidationError, match="只能由评信团团长、评信团副团长、评信团成员记录"):
        _record(world, item="party.meeting", person=head)
    entry = _record(world, user="committee_member", item="party.meeting", person=head)
    assert entry.points == 3 and entry.component == "vanguard"


def test_a_veto_event_caps_the_grade_until_revoked(world, scheme, credit_for):
    from sanxin.ratings.services import vetoes

    credit_for(
        world.household,
        {
            "village_appraisal": "excellent",
            "net_income": "ge_1_5",
            "total_assets": "ge_1_5",
            "net_assets": "ge_1_5",
            "deposits": "ge_10k",
            "workers": "3plus",
        },
    )
    before = household_grade(world.household, TODAY).result
    assert before.grade not in ("unrated", "A")
    with pytest.raises(ValidationError, match="事实与依据"):
        vetoes.veto_record(
            actor=world.users["committee_head"],
            household=world.household,
            rule_code="wd.d.dishonest_debtor",
            starts_on=date(2025, 9, 1),
            evidence_text="",
            today=TODAY,
        )
    event = vetoes.veto_record(
        actor=world.users["credit_officer"],
        household=world.household,
        rule_code="wd.d.dishonest_debtor",
        starts_on=date(2025, 9, 1),
        evidence_text="法院公布失信被执行人名单（2025）冀0803执123号",
        today=TODAY,
    )
    capped = household_grade(world.household, TODAY).result
    assert capped.grade == "unrated" and capped.total == before.total
    assert any("失信被执行人" in r for r in capped.reasons)
    with pytest.raises(PermissionDenied):
        vetoes.veto_record(
            actor=world.users["shop_clerk"],
            household=world.household,
            rule_code="wd.d.dishonest_debtor",
            starts_on=date(2025, 9, 1),
            evidence_text="x",
            today=TODAY,
        )
    vetoes.veto_revoke(actor=world.users["committee_head"], event=event, reason="查明同名误报")
    assert household_grade(world.household, TODAY).result.grade == before.grade
