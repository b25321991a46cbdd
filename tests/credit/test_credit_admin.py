"""The superuser admin shows a 双基 assessment's area scores and total, never its
indicator details (whose every read elsewhere writes an audit row), and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from sanxin.accounts.models import User
from sanxin.audit.models import AuditEvent
from sanxin.credit.models import CreditAssessment
from sanxin.credit.services import assessment_record

# Option codes of the credit_for fixture's answers and an indicator code: all details.
DETAIL_CODES = ["ge_5k", "3plus", "village_appraisal", "deposits", "repayment"]
NOTE = "存款核实于信用社柜台"


@pytest.fixture
def admin_client(client, db):
    root = User.objects.create_superuser("root", password="x-Sanxin-2026")
    client.force_login(root, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
    return client


@pytest.fixture
def assessment(world, scheme, credit_for):
    first = credit_for(world.household)
    return assessment_record(
        actor=world.users["credit_officer"],
        household=world.household,
        period="2025",
        assessed_on=date(2025, 3, 2),
        answers=dict(first.answers),
        note=NOTE,
        supersedes=first,
    )


def _assert_no_details(page: str) -> None:
    # The admin's own content, not its navigation (whose links name other apps'
    # models, e.g. lending's /admin/lending/repayment/).
    page = page.split('id="content"', 1)[1]
    for code in DETAIL_CODES:
        assert code not in page
    assert NOTE not in page
    assert "指标明细" not in page


def test_admin_list_shows_the_total_not_the_details(admin_client, assessment):
    reads_before = AuditEvent.objects.filter(action="credit.view_details").count()
    response = admin_client.get("/admin/credit/creditassessment/")
    assert response.status_code == 200
    page = response.content.decode()
    assert str(assessment.total) in page
    _assert_no_details(page)
    # Searching the details finds nothing: they are not searchable.
    found = admin_client.get("/admin/credit/creditassessment/", {"q": "ge_5k"})
    assert found.status_code == 200
    assert found.context["cl"].result_count == 0
    assert AuditEvent.objects.filter(action="credit.view_details").count() == reads_before


def test_admin_change_page_shows_area_scores_not_the_details(admin_client, assessment):
    url = f"/admin/credit/creditassessment/{assessment.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200  # view only
    page = response.content.decode()
    assert "各方面得分" in page and "总分" in page
    _assert_no_details(page)


def test_admin_cannot_add_change_or_delete_assessments(admin_client, assessment):
    assert admin_client.get("/admin/credit/creditassessment/add/").status_code == 403
    url = f"/admin/credit/creditassessment/{assessment.pk}/"
    assert admin_client.post(url + "change/", {"total": "1", "note": "x"}).status_code == 403
    assert admin_client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.note == NOTE
    assert CreditAssessment.objects.count() == 2
