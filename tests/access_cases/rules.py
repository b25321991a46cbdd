"""Scoring-scheme screens: the public catalogue, the district's versions (export,
import, new version) and a village's own items."""

from __future__ import annotations

import copy
import json

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access_cases import ALL_USERS, WITH_ROLES, Case
from tests.access_cases.effects import audited, succeeded

DISTRICT_ADMINS = {"district_admin", "other_district_admin"}


def install_scheme(world):
    from sanxin.rules.services import scheme_install_default

    return scheme_install_default(district=world.district)


def district_version(world):
    from sanxin.rules.models import SchemeVersion

    return (
        SchemeVersion.objects.filter(district=world.district, village__isnull=True)
        .order_by("id")
        .first()
    )


def scheme_file(
    version, *, label: str = "2025.1", name: str = "scheme.json", mutate=None
) -> SimpleUploadedFile:
    """The version's document as an upload, with a new version label."""
    data = dict(copy.deepcopy(version.document), version=label)
    if mutate:
        mutate(data)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="application/json")


def edit_form_data(version, /, **overrides) -> dict:
    """POST data for rules:edit with every field at its initial value (a valid form)."""
    from sanxin.rules.forms import SchemeEditForm

    form = SchemeEditForm(base=version)
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    data.update({"version": "2025.1"}, **overrides)
    return {k: v for k, v in data.items() if v is not None}


def village_items_data(world, **overrides) -> dict:
    data = {
        "village": world.village_a1.pk,
        "base": district_version(world).pk,
        "version": "2025.1-村",
        "effective_from": "2025-01-01",
        "o0_name": "庭院整洁（村级）",
        "o0_category": "env",
        "o0_points": "2",
        "o0_applies": "household",
    }
    data.update(overrides)
    return data


def _published(version: str):
    def effect(w, username):
        from sanxin.rules.models import SchemeVersion

        succeeded(w, username)
        district = w.district if username == "district_admin" else w.other_district
        new = SchemeVersion.objects.get(district=district, village=None, version=version)
        assert new.created_by == w.users[username]
        # The version it was made from is still there, unchanged.
        assert district_version(w).version == "2024.1"
        audited(w, username, "scheme.publish" if version == "2025.1" else "scheme.derive")

    return effect


def _village_items_saved(w, username):
    from sanxin.rules.models import SchemeVersion

    succeeded(w, username)
    version = SchemeVersion.objects.get(village=w.village_a1, version="2025.1-村")
    assert version.based_on == district_version(w) and version.created_by == w.users[username]
    own = [i for i in version.document["items"] if i.get("own")]
    assert [(i["name"], i["points"]) for i in own] == [("庭院整洁（村级）", 2)]


CASES = [
    Case("rules:catalogue", lambda w: "/rules/", set(ALL_USERS), public=True, setup=install_scheme),
    Case("rules:versions", lambda w: "/rules/versions/", DISTRICT_ADMINS, setup=install_scheme),
    Case(
        "rules:export",
        lambda w: f"/rules/versions/{district_version(w).pk}/export.json",
        WITH_ROLES - {"other_district_admin"},
        setup=install_scheme,
    ),
    Case(
        "rules:import", lambda w: "/rules/versions/import/", DISTRICT_ADMINS, setup=install_scheme
    ),
    Case(
        "rules:import",
        lambda w: "/rules/versions/import/",
        DISTRICT_ADMINS,
        method="post",
        setup=install_scheme,
        data=lambda w: {"file": scheme_file(district_version(w)), "effective_from": "2025-01-01"},
        effect=_published("2025.1"),
    ),
    Case(
        "rules:edit",
        lambda w: f"/rules/versions/{district_version(w).pk}/new/",
        {"district_admin"},
        setup=install_scheme,
    ),
    Case(
        "rules:edit",
        lambda w: f"/rules/versions/{district_version(w).pk}/new/",
        {"district_admin"},
        method="post",
        setup=install_scheme,
        data=lambda w: edit_form_data(district_version(w)),
        effect=_published("2025.1"),
    ),
    Case(
        "rules:village_items",
        lambda w: "/rules/village/",
        {"committee_head", "neighbour_committee_head"},
        setup=install_scheme,
    ),
    Case(
        "rules:village_items",
        lambda w: "/rules/village/",
        {"committee_head"},
        method="post",
        setup=install_scheme,
        data=village_items_data,
        effect=_village_items_saved,
    ),
]
