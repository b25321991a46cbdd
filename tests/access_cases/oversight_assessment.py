"""Who may use the assessment (考核) pages: the list of years and a version's results
for everyone holding Perm.ASSESS_VIEW over a region with results (district admin,
department viewer, town admin, the committee), each seeing its own regions' rows; the
scheme editor, hand scoring, preview and publishing for the district admin alone
(Perm.ASSESS_MANAGE over the district). `_published` lays down the home district's
published 2025 assessment; `_draft` a 2024 draft with the default indicators, every
hand score set (one with a photo); `_empty` an empty 2022 draft."""

from __future__ import annotations

import io

from tests.access_cases import Case
from tests.access_cases.effects import audited, succeeded

VIEWERS = {
    "district_admin",
    "department_viewer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "committee_member",
    "other_district_admin",
    "other_town_admin",
    "neighbour_committee_head",
}
# Whose reach holds a region of the home district (all of them have results there).
HOME_VIEWERS = VIEWERS - {"other_district_admin"}
# Whose reach holds village A1.
A1_VIEWERS = {
    "district_admin",
    "department_viewer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "committee_member",
}
MANAGERS = {"district_admin", "other_district_admin"}
HOME_MANAGER = {"district_admin"}


def _regions(w):
    return (w.town_a, w.town_b, w.village_a1, w.village_a2, w.village_b1)


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile("evidence.png", buffer.getvalue(), content_type="image/png")


def _scheme(w, year: int, *, scored: bool = True):
    from sanxin.oversight.assessment import services
    from sanxin.oversight.models import AssessmentScheme, Indicator

    found = AssessmentScheme.objects.filter(district=w.district, year=year).first()
    if found is not None:
        return found
    admin = w.users["district_admin"]
    scheme = services.assessment_default_create(actor=admin, district=w.district, year=year)
    if scored:
        manual = Indicator.objects.get(scheme=scheme, kind="manual")
        for region in _regions(w):
            services.manual_score_set(
                actor=admin,
                indicator=manual,
                region=region,
                score="8",
                note="会议记录齐全",
                photos=[_photo()] if region == w.village_a1 else [],
            )
    return scheme


def _published(w):
    from sanxin.oversight.assessment import services

    scheme = _scheme(w, 2025)
    version = scheme.versions.first()
    if version is None:
        version = services.assessment_publish(
            actor=w.users["district_admin"], scheme=scheme, seen_version=0
        )
    return version


def _draft(w):
    return _scheme(w, 2024)


def _empty(w):
    from sanxin.oversight.assessment import services
    from sanxin.oversight.models import AssessmentScheme

    found = AssessmentScheme.objects.filter(district=w.district, year=2022).first()
    return found or services.assessment_scheme_create(
        actor=w.users["district_admin"], district=w.district, year=2022
    )


def _setup(w):
    _published(w)
    _draft(w)
    _empty(w)


def _indicator(w, computation: str):
    from sanxin.oversight.models import Indicator

    return Indicator.objects.get(scheme=_draft(w), computation=computation)


def _manual(w):
    from sanxin.oversight.models import Indicator

    return Indicator.objects.get(scheme=_draft(w), kind="manual")


def _result_a1(w):
    from sanxin.oversight.models import AssessmentResult

    return AssessmentResult.objects.get(version=_published(w), region=w.village_a1)


def _photo_a1(w):
    from sanxin.oversight.models import ManualScorePhoto

    return ManualScorePhoto.objects.filter(
        manual_score__region=w.village_a1, manual_score__indicator__scheme__year=2025
    ).first()


# --- effects -----------------------------------------------------------------------------


def _created(w, username):
    from sanxin.oversight.models import AssessmentScheme

    succeeded(w, username)
    district = w.other_district if username == "other_district_admin" else w.district
    scheme = AssessmentScheme.objects.get(district=district, year=2023)
    assert scheme.indicators.count() == 8
    audited(w, username, "assessment.scheme_create", object_id=str(scheme.pk))


def _renamed(w, username):
    succeeded(w, username)
    scheme = _empty(w)
    scheme.refresh_from_db()
    assert scheme.name == "2022 年度考核（修订）"
    audited(w, username, "assessment.scheme_edit", object_id=str(scheme.pk))


def _defaults_used(w, username):
    succeeded(w, username)
    assert _empty(w).indicators.count() == 8
    audited(w, username, "assessment.use_defaults", object_id=str(_empty(w).pk))


def _indicator_added(w, username):
    from sanxin.oversight.models import Indicator

    succeeded(w, username)
    made = Indicator.objects.get(scheme=_draft(w), name="宣传报道")
    assert (made.kind, made.weight) == ("manual", 5)
    audited(w, username, "assessment.indicator_add", object_id=str(made.pk))


def _indicator_edited(w, username):
    succeeded(w, username)
    indicator = _indicator(w, "rating_coverage")
    assert (indicator.weight, indicator.target) == (25, 90)
    audited(w, username, "assessment.indicator_edit", object_id=str(indicator.pk))


def _indicator_removed(w, username):
    from sanxin.oversight.models import Indicator

    succeeded(w, username)
    assert not Indicator.objects.filter(scheme=_draft(w), computation="credit_usage").exists()
    audited(w, username, "assessment.indicator_remove")


def _scored(w, username):
    from sanxin.oversight.models import ManualScore

    latest = ManualScore.objects.filter(indicator=_manual(w), region=w.village_a2).latest("id")
    assert (latest.score, latest.note) == (7, "宣传材料不全")
    audited(w, username, "assessment.manual_score", object_id=str(latest.pk))


def _published_now(w, username):
    succeeded(w, username)
    version = _draft(w).versions.get()
    assert version.number == 1 and version.results.count() == 5
    audited(w, username, "assessment.publish", object_id=str(version.pk))


_INDICATOR_POST = {
    "name": "评定覆盖率",
    "weight": "25",
    "level": "both",
    "kind": "computed",
    "computation": "rating_coverage",
    "rule": "linear",
    "floor": "60",
    "target": "90",
    "thresholds": "",
    "note": "",
}

CASES = [
    Case("oversight:assessment", lambda w: "/oversight/assessment/", VIEWERS, setup=_setup),
    Case(
        "oversight:assessment_create",
        lambda w: "/oversight/assessment/new/",
        MANAGERS,
        method="post",
        data=lambda w: {"year": "2023", "name": "", "use_defaults": "on"},
        effect=_created,
    ),
    Case(
        "oversight:assessment_scheme",
        lambda w: f"/oversight/assessment/{_draft(w).pk}/",
        HOME_MANAGER,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_scheme",
        lambda w: f"/oversight/assessment/{_published(w).scheme_id}/",
        HOME_MANAGER,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_scheme_edit",
        lambda w: f"/oversight/assessment/{_empty(w).pk}/name/",
        HOME_MANAGER,
        method="post",
        setup=_setup,
        data=lambda w: {"name": "2022 年度考核（修订）"},
        effect=_renamed,
    ),
    Case(
        "oversight:assessment_use_defaults",
        lambda w: f"/oversight/assessment/{_empty(w).pk}/defaults/",
        HOME_MANAGER,
        method="post",
        setup=_setup,
        effect=_defaults_used,
    ),
    Case(
        "oversight:assessment_indicator_add",
        lambda w: f"/oversight/assessment/{_draft(w).pk}/indicators/add/",
        HOME_MANAGER,
        method="post",
        setup=_setup,
        data=lambda w: {"name": "宣传报道", "weight": "5", "level": "both", "kind": "manual"},
        effect=_indicator_added,
    ),
    Case(
        "oversight:assessment_indicator_edit",
        lambda w: f"/oversight/assessment/indicators/{_indicator(w, 'rating_coverage').pk}/",
        HOME_MANAGER,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_indicator_edit",
        lambda w: f"/oversight/assessment/indicators/{_indicator(w, 'rating_coverage').pk}/",
        HOME_MANAGER,
        method="post",
        setup=_setup,
        data=lambda w: _INDICATOR_POST,
        effect=_indicator_edited,
    ),
    Case(
        "oversight:assessment_indicator_remove",
        lambda w: f"/oversight/assessment/indicators/{_indicator(w, 'credit_usage').pk}/remove/",
        HOME_MANAGER,
        method="post",
        setup=_setup,
        effect=_indicator_removed,
    ),
    Case(
        "oversight:assessment_manual",
        lambda w: f"/oversight/assessment/indicators/{_manual(w).pk}/scores/",
        HOME_MANAGER,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_manual",
        lambda w: f"/oversight/assessment/indicators/{_manual(w).pk}/scores/",
        HOME_MANAGER,
        method="post",
        setup=_setup,
        data=lambda w: {"region": w.village_a2.pk, "score": "7", "note": "宣传材料不全"},
        effect=_scored,
    ),
    Case(
        "oversight:assessment_preview",
        lambda w: f"/oversight/assessment/{_draft(w).pk}/preview/",
        HOME_MANAGER,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_publish",
        lambda w: f"/oversight/assessment/{_draft(w).pk}/publish/",
        HOME_MANAGER,
        method="post",
        setup=_setup,
        data=lambda w: {"seen_version": "0", "reason": ""},
        effect=_published_now,
    ),
    Case(
        "oversight:assessment_results",
        lambda w: f"/oversight/assessment/versions/{_published(w).pk}/",
        HOME_VIEWERS,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_export",
        lambda w: f"/oversight/assessment/versions/{_published(w).pk}/export.xlsx",
        HOME_VIEWERS,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_result",
        lambda w: f"/oversight/assessment/results/{_result_a1(w).pk}/",
        A1_VIEWERS,
        setup=_setup,
    ),
    Case(
        "oversight:assessment_photo",
        lambda w: f"/oversight/assessment/photos/{_photo_a1(w).pk}/",
        A1_VIEWERS,
        setup=_setup,
    ),
]
