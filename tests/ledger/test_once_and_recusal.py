"""Forms that record something record once, however often they are submitted; the
annual cap holds under concurrent recording; nobody records for their own household."""

from __future__ import annotations

import threading
from datetime import date
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from sanxin.credit import importing as credit_import
from sanxin.credit import services as credit
from sanxin.credit.models import CreditAssessment
from sanxin.households.models import Person
from sanxin.ledger import entry_import, services
from sanxin.ledger.models import Entry, Submission, VetoEvent
from sanxin.ledger.services import EntryRequest
from tests.credit.test_credit import GOOD_LABELS, MIXED, post_data
from tests.credit.test_credit import _xlsx as credit_xlsx
from tests.factories import sheet_xlsx


def _today():
    return timezone.localdate()


def _batch_post(world, key="batch-key-1", **overrides):
    data = {
        "households": [world.household.pk, world.household_a1_2.pk],
        "item_code": "env.tidy",
        "quantity": "1",
        "occurred_on": _today().isoformat(),
        "evidence_text": "全村环境整治",
        "idempotency_key": key,
    }
    data.update(overrides)
    return data


# --- double submits --------------------------------------------------------------------


def test_the_batch_form_posted_twice_with_one_key_records_once(world, scheme, login):
    client = login(world.users["committee_head"])
    page = client.get("/points/batch/").content.decode()
    assert 'name="idempotency_key"' in page
    first = client.post("/points/batch/", _batch_post(world))
    assert first.status_code == 302 and Entry.objects.count() == 2
    second = client.post("/points/batch/", _batch_post(world))
    assert second.status_code == 302
    assert Entry.objects.count() == 2, "the second submit recorded nothing"
    shown = client.get(second["Location"]).content.decode()
    assert "已经提交过" in shown and "已为 2 户记录积分" in shown
    # A fresh form (a new key) records again.
    client.post("/points/batch/", _batch_post(world, key="batch-key-2"))
    assert Entry.objects.count() == 4


def test_a_batch_key_reused_for_other_content_is_refused(world, scheme):
    actor = world.users["committee_head"]
    record = partial(
        services.entries_record_batch,
        actor=actor,
        item_code="env.tidy",
        occurred_on=_today(),
        idempotency_key="k",
    )
    first = record(households=[world.household])
    again = record(households=[world.household])
    assert again.repeated and [e.pk for e in again.entries] == [e.pk for e in first.entries]
    with pytest.raises(ValidationError, match="另一份不同的提交"):
        record(households=[world.household_a1_2])
    assert Entry.objects.count() == 1


def test_a_batch_with_errors_keeps_its_key_free_for_the_corrected_submit(world, scheme):
    actor = world.users["committee_head"]
    record = partial(
        services.entries_record_batch,
        actor=actor,
        households=[world.household],
        occurred_on=_today(),
        idempotency_key="k",
    )
    failed = record(item_code="env.dumping")  # needs evidence
    assert failed.errors and not Submission.objects.exists()
    assert record(item_code="env.dumping", evidence_text="乱倒垃圾").entries


def test_the_credit_form_posted_twice_records_one_assessment(world, scheme, login):
    client = login(world.users["credit_officer"])
    url = f"/credit/households/{world.household.pk}/assess/"
    assert 'name="idempotency_key"' in client.get(url).content.decode()
    data = post_data(MIXED, idempotency_key="credit-key")
    assert client.post(url, data).status_code == 302
    second = client.post(url, data)
    assert second.status_code == 302
    assert CreditAssessment.objects.count() == 1
    assert "已经提交过" in client.get(second["Location"]).content.decode()


def test_the_veto_form_posted_twice_records_one_event(world, scheme, login):
    client = login(world.users["committee_head"])
    url = f"/points/households/{world.household.pk}/vetoes/"
    assert 'name="idempotency_key"' in client.get(url).content.decode()
    data = {
        "rule_code": "wd.d.dishonest_debtor",
        "starts_on": "2025-09-01",
        "evidence_text": "法院名单",
        "idempotency_key": "veto-key",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert VetoEvent.objects.count() == 1


# --- the annual cap under concurrency ----------------------------------------------------


@pytest.fixture
def committing(transactional_db):
    """These tests commit for real (threads see each other's writes), and Django then
    empties every table; drop the append-only triggers just for that flush (as the
    browser tests do)."""
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()


def _race(n, work):
    """Run `work` in n threads released together; collect what each returned or raised."""
    barrier = threading.Barrier(n)
    outcomes: list = []

    def run():
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as exc:  # noqa: BLE001 - the outcome is the test's subject
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["TEST"].get("NAME") is None,
    reason="threads need a database file (in-memory SQLite is one connection's); "
    "set SANXIN_TEST_SQLITE_NAME, or run on PostgreSQL",
)
def test_concurrent_recordings_cannot_exceed_the_annual_cap(committing, world, scheme):
    # 家庭“六齐”达标: 2 points each, at most 12 a year. Four recorders at once each ask
    # for 4 (8 points): only one fits under the cap.
    actor = world.users["committee_head"]
    household_pk = world.household.pk

    def record():
        from sanxin.households.models import Household

        return services.entry_record(
            actor=actor,
            request=EntryRequest(
                household=Household.objects.get(pk=household_pk),
                item_code="env.tidy",
                occurred_on=_today(),
                quantity=4,
            ),
        )

    outcomes = _race(4, record)
    saved = [o for o in outcomes if isinstance(o, Entry)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(saved) == 1 and len(refused) == 3, outcomes
    assert all("每年最多 12 分" in str(e) for e in refused)
    assert (
        services.entry_year_total(
            household=world.household, item_code="env.tidy", person=None, year=_today().year
        )
        == 8
    )


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["TEST"].get("NAME") is None,
    reason="threads need a database file (in-memory SQLite is one connection's)",
)
def test_concurrent_batch_submits_with_one_key_record_once(committing, world, scheme):
    actor = world.users["committee_head"]
    households = [world.household, world.household_a1_2]

    def submit():
        return services.entries_record_batch(
            actor=actor,
            households=households,
            item_code="env.tidy",
            occurred_on=_today(),
            idempotency_key="same-tap",
        )

    outcomes = _race(3, submit)
    assert all(isinstance(o, services.BatchResult) for o in outcomes), outcomes
    assert Entry.objects.count() == 2
    assert sum(not o.repeated for o in outcomes) == 1


def test_recording_locks_the_households_rows(world, scheme, django_assert_num_queries):
    """What the annual-cap check reads is locked first (a no-op on SQLite, whose
    BEGIN IMMEDIATE already serialises writers)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.entry_record(
            actor=world.users["committee_head"],
            request=EntryRequest(
                household=world.household, item_code="env.tidy", occurred_on=_today()
            ),
        )
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    assert connection.settings_dict["ENGINE"] != "django.db.backends.sqlite3" or (
        connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    )


# --- recusal: not for one's own household --------------------------------------------------


@pytest.fixture
def own(world):
    """The sub-team member and the credit officer both live in world.household."""
    head = Person.objects.filter(household=world.household).order_by("id")
    for user, person in zip(
        (world.users["subteam_member"], world.users["credit_officer"]), head, strict=False
    ):
        user.person = person
        user.save(update_fields=["person"])
    return world


def test_recording_for_ones_own_household_is_refused(own, scheme):
    with pytest.raises(ValidationError, match="本人的家庭"):
        services.entry_record(
            actor=own.users["subteam_member"],
            request=EntryRequest(
                household=own.household, item_code="env.tidy", occurred_on=_today()
            ),
        )
    with pytest.raises(ValidationError, match="001号户是您本人的家庭"):
        services.entries_record_batch(
            actor=own.users["subteam_member"],
            households=[own.household],
            item_code="env.tidy",
            occurred_on=_today(),
        )
    assert not Entry.objects.exists()


def test_the_forms_do_not_offer_ones_own_household(own, scheme, login):
    client = login(own.users["subteam_member"])
    batch_page = client.get("/points/batch/").content.decode()
    assert f'name="households" value="{own.household.pk}"' not in batch_page
    assert own.household.head_name not in batch_page
    pick = client.get("/points/record/").content.decode()
    assert own.household.head_name not in pick
    response = client.get(f"/points/record/?household={own.household.pk}", follow=True)
    assert "本人的家庭，不能为其记录积分" in response.content.decode()
    posted = client.post(
        "/points/batch/",
        {
            "households": [own.household.pk],
            "item_code": "env.tidy",
            "quantity": "1",
            "occurred_on": _today().isoformat(),
        },
    )
    assert posted.status_code == 200 and not Entry.objects.exists()


def test_an_import_reports_rows_of_ones_own_household(own, scheme):
    header = ["户号", "姓名", "积分项", "数量", "发生日期", "事实依据"]
    content = sheet_xlsx([["001", "", "env.tidy", 1, date(2025, 6, 2), ""]], header=header)
    result = entry_import.import_entries(
        content, "积分.xlsx", own.village_a1, actor=own.users["subteam_member"], dry_run=False
    )
    assert not result.ok
    assert any(p.row == 2 and "本人的家庭" in p.message for p in result.errors)
    assert not Entry.objects.exists()


def test_a_credit_officer_does_not_assess_his_own_household(own, scheme, login):
    officer = own.users["credit_officer"]
    with pytest.raises(ValidationError, match="本人的家庭"):
        credit.assessment_record(
            actor=officer,
            household=own.household,
            period="2025",
            assessed_on=date(2025, 3, 1),
            answers={
                "household_size": "3plus",
                "workers": "2",
                "village_appraisal": "good",
                "total_assets": "ge_1",
                "net_assets": "ge_1",
                "net_income": "ge_1",
                "deposits": "ge_5k",
                "repayment": "normal",
            },
        )
    result = credit_import.import_credit(
        credit_xlsx([["001", "2025", "2025-03-01", *GOOD_LABELS, ""]], scheme_version=scheme),
        "评定.xlsx",
        own.village_a1,
        actor=officer,
        dry_run=False,
    )
    assert not result.ok and any("本人的家庭" in p.message for p in result.errors)
    response = login(officer).post(
        f"/credit/households/{own.household.pk}/assess/", post_data(MIXED)
    )
    assert "本人的家庭" in response.content.decode()
    assert not CreditAssessment.objects.exists()
