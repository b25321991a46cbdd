"""The superuser admin lists and shows lending's records and offers no way to add,
change or delete them (the services write their history and audit rows)."""

from __future__ import annotations

import pytest

from sanxin.accounts.models import User
from sanxin.lending.models import CreditLine, CreditPolicy
from sanxin.lending.services.lines import credit_lines_grant_village


@pytest.fixture
def admin_client(client, db):
    root = User.objects.create_superuser("root", password="x-Sanxin-2026")
    client.force_login(root, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
    return client


def test_the_admin_shows_policies_and_lines_read_only(world, final, admin_client):
    credit_lines_grant_village(actor=world.users["credit_officer"], village=world.village_a1)
    line = CreditLine.objects.get(household=world.household)
    policy = CreditPolicy.objects.get()
    for model in (
        "creditpolicy",
        "creditline",
        "creditlineevent",
        "loanapplication",
        "loan",
        "instalment",
        "repayment",
    ):
        assert admin_client.get(f"/admin/lending/{model}/").status_code == 200
    page = admin_client.get(f"/admin/lending/creditline/{line.pk}/change/").content.decode()
    assert line.reference in page and 'name="_save"' not in page
    page = admin_client.get(f"/admin/lending/creditpolicy/{policy.pk}/change/").content.decode()
    assert "150000" in page and 'name="_save"' not in page
    assert admin_client.get("/admin/lending/creditline/add/").status_code == 403
    response = admin_client.post(f"/admin/lending/creditline/{line.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and CreditLine.objects.filter(pk=line.pk).exists()
