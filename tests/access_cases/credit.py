"""Access cases for the 双基 credit assessment screens and import."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access_cases import SEES_POINTS, Case
from tests.access_cases.effects import audited, succeeded

CREDIT_OFFICERS = {"credit_officer", "other_credit_officer"}
ANSWERS = {
    "household_size": "3plus",
    "workers": "2",
    "village_appraisal": "good",
    "total_assets": "ge_1",
    "net_assets": "ge_1",
    "net_income": "ge_1",
    "deposits": "ge_5k",
    "repayment": "normal",
}
CSV_HEADER = (
    "户号,评定期,评定日期,家庭人口,劳动力人数,村级综合评价（品行、信誉、邻里、敬老、公益）,"
    "家庭总资产（与当地平均水平比）,家庭净资产（与当地平均水平比）,家庭纯收入（与当地平均水平比）,"
    "在信用社的存款与结算往来,还款记录,备注"
)


def _csv(number: str = "001", period: str = "2024") -> bytes:
    row = f"{number},{period},2024-05-01,3plus,2,good,ge_1,ge_1,ge_1,ge_5k,normal,"
    return f"{CSV_HEADER}\r\n{row}\r\n".encode()


def _scheme(w) -> None:
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


def _assessed(w) -> None:
    from sanxin.credit.services import assessment_record

    _scheme(w)
    assessment_record(
        actor=w.users["credit_officer"],
        household=w.household,
        period="2025",
        assessed_on=date(2025, 3, 1),
        answers=ANSWERS,
    )


def _pending(w) -> None:
    from sanxin.credit.importing import pending_credit_create

    _scheme(w)
    w.credit_token = pending_credit_create(
        user=w.users["credit_officer"], village=w.village_a1, filename="评定.csv", content=_csv()
    ).token


def _assess_post(w) -> dict:
    data = {"period": "2024", "assessed_on": "2024-05-01", "note": "", "supersedes": ""}
    data.update({f"answer_{k}": v for k, v in ANSWERS.items()})
    return data


def _assessed_2024(w, username):
    from sanxin.credit.models import CreditAssessment

    succeeded(w, username)
    assessment = CreditAssessment.objects.get(household=w.household, period="2024")
    assert (assessment.total, assessment.assessed_by) == (87, w.users[username])
    audited(w, username, "credit.assess", object_id=str(assessment.pk))


def _previewed(w, username):
    """The preview shows what would be saved and saves nothing but the pending file."""
    from sanxin.credit.models import CreditAssessment
    from sanxin.households.models import PendingImport

    assert not CreditAssessment.objects.exists()
    pending = PendingImport.objects.get(user=w.users[username])
    assert f"/credit/import/{pending.token}/confirm/" in w.response.content.decode()


def _imported(w, username):
    from sanxin.credit.models import CreditAssessment
    from sanxin.households.models import PendingImport

    succeeded(w, username)
    assessment = CreditAssessment.objects.get(household=w.household, period="2024")
    assert (assessment.total, assessment.assessed_by) == (87, w.users[username])
    assert not PendingImport.objects.exists(), "a confirmed upload is not kept"


CASES = [
    Case("credit:list", lambda w: "/credit/", CREDIT_OFFICERS),
    Case(
        "credit:detail",
        lambda w: f"/credit/households/{w.household.pk}/",
        SEES_POINTS,
        setup=_assessed,
    ),
    Case(
        "credit:assess",
        lambda w: f"/credit/households/{w.household.pk}/assess/",
        {"credit_officer"},
        setup=_scheme,
    ),
    # A correction form: the present answers are shown (and audited) to the officer only.
    Case(
        "credit:assess",
        lambda w: f"/credit/households/{w.household.pk}/assess/?period=2025",
        {"credit_officer"},
        setup=_assessed,
    ),
    Case(
        "credit:assess",
        lambda w: f"/credit/households/{w.household.pk}/assess/",
        {"credit_officer"},
        method="post",
        data=_assess_post,
        setup=_scheme,
        effect=_assessed_2024,
    ),
    Case("credit:import", lambda w: "/credit/import/", CREDIT_OFFICERS),
    Case(
        "credit:import",
        lambda w: "/credit/import/",
        {"credit_officer"},
        method="post",
        setup=_scheme,
        data=lambda w: {"village": w.village_a1.pk, "file": SimpleUploadedFile("评定.csv", _csv())},
        effect=_previewed,
    ),
    # Without a scheme in force the officers are sent back to the import page (302):
    # the matrix reads every allowed response as UTF-8 text, which an .xlsx is not.
    # The download itself is tested in tests/credit/test_credit.py.
    Case("credit:template", lambda w: "/credit/import/template.xlsx", CREDIT_OFFICERS),
    Case(
        "credit:import_confirm",
        lambda w: f"/credit/import/{w.credit_token}/confirm/",
        {"credit_officer"},
        method="post",
        setup=_pending,
        effect=_imported,
    ),
]
