"""Where an import leads once applied (ImportKind.done_url): back to the village the
user was working on where the page takes one. A credit-union officer serves several
villages: the 双基 import's link back is the credit list of the imported village
(`?village=`), and the entry import's is its upload form with that village chosen
again. The roster's household list and the repayments' loan list have no village
filter: they lead to the list as it is."""

from __future__ import annotations

import re

import pytest

from sanxin.credit.jobs import CREDIT
from sanxin.households.jobs import ROSTER
from sanxin.households.models import PendingImport
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.models import Job
from sanxin.ledger.jobs import ENTRIES
from sanxin.lending.jobs import REPAYMENTS
from tests.lending.test_import_jobs_credit_repayments import CREDIT_ROWS, OFFICER, check, credit_csv


def test_the_credit_import_leads_back_to_its_village(world, scheme, login):
    client = login(world.users[OFFICER])  # over town A: villages A1 and A2
    checked = check(CREDIT, world.village_a1, world, credit_csv(CREDIT_ROWS))
    token = PendingImport.objects.get(pk=checked.params["pending"]).token
    response = client.post(f"/credit/import/{token}/confirm/")
    expected = f"/credit/?village={world.village_a1.pk}"
    assert response.status_code == 302 and response["Location"] == expected
    applied = Job.objects.get(kind=CREDIT.apply_kind)
    assert applied.status == JobStatus.SUCCEEDED and applied.result["url"] == expected
    # The list shows that village chosen, with the message; the job's page offers
    # the same link.
    listing = client.get(expected).content.decode()
    assert re.search(rf'<option value="{world.village_a1.pk}"\s+selected>', listing)
    assert "录入 3 户的评定" in listing
    page = client.get(f"/jobs/{applied.pk}/").content.decode()
    assert f'href="/credit/?village={world.village_a1.pk}"' in page


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (CREDIT, "/credit/?village={pk}"),
        (ENTRIES, "/points/import/?village={pk}"),
        (ROSTER, "/households/"),
        (REPAYMENTS, "/lending/loans/"),
    ],
    ids=["credit", "entries", "roster", "repayments"],
)
def test_each_import_names_where_it_leads(world, kind, expected):
    assert kind.done_url(world.village_a2) == expected.format(pk=world.village_a2.pk)


def test_the_upload_form_takes_the_village_back(world, login):
    client = login(world.users[OFFICER])

    def chosen(query: str) -> list[str]:
        html = client.get(f"/credit/import/{query}").content.decode()
        return re.findall(r'<option value="(\d+)"[^>]*\bselected\b', html)

    assert chosen(f"?village={world.village_a2.pk}") == [str(world.village_a2.pk)]
    assert chosen("") == []  # several villages: the officer chooses
    assert chosen(f"?village={world.village_b1.pk}") == []  # not theirs: ignored
    assert chosen("?village=x") == []
