"""The village board (村务公开), suggestions and contributions (engagement/views/
board.py, suggestions.py, contributions.py): everyone of the village (its villagers,
sub-teams, committee) and the staff above it see the board; a villager submits
suggestions for their own village; the village's committee (and the town) answer;
the committee records contributions with their points."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.access_cases import COMMITTEE, Case
from tests.access_cases.effects import audited, succeeded
from tests.crafted_files import image_bytes

# Everyone whose scope holds village A1: its villagers (both households), both
# sub-teams, the committee, and the staff above (town, district, departments).
VILLAGE = COMMITTEE | {
    "district_admin",
    "department_viewer",
    "town_admin",
    "subteam_member",
    "other_group_subteam",
    "villager",
    "other_villager",
}
# Holders of engage.view anywhere: /village/board/ takes them to their own village(s).
ANY_VIEWER = VILLAGE | {"other_district_admin", "other_town_admin", "neighbour_committee_head"}
VILLAGERS = {"villager", "other_villager"}
MANAGERS = COMMITTEE | {"town_admin"}
# Photos show people and homes: the household (the main one's villager) and the staff.
PHOTO_VIEWERS = VILLAGE - {"other_villager"}


def _scheme(w):
    from sanxin.rules.services import scheme_install_default

    scheme_install_default(district=w.district)


def _suggestion(w):
    from sanxin.engagement.models import Suggestion
    from sanxin.engagement.services.suggestions import suggestion_submit

    _scheme(w)
    if not Suggestion.objects.exists():
        suggestion_submit(
            actor=w.users["villager"],
            text="建议在村口装路灯，晚上太黑。",
            photos=[SimpleUploadedFile("a.png", image_bytes("PNG", (12, 9)), "image/png")],
        )


def _suggestion_pk(w) -> int:
    from sanxin.engagement.models import Suggestion

    return Suggestion.objects.get().pk


def _suggestion_photo_pk(w) -> int:
    from sanxin.engagement.models import SuggestionPhoto

    return SuggestionPhoto.objects.get().pk


def _project(w):
    from sanxin.engagement.choices import ProjectKind
    from sanxin.engagement.models import Project
    from sanxin.engagement.services.contributions import project_create

    _scheme(w)
    if not Project.objects.exists():
        project_create(
            actor=w.users["committee_head"],
            village=w.village_a1,
            name="外墙保温",
            kind=ProjectKind.INSULATION,
            target_amount=Decimal("350000"),
        )


def _project_pk(w) -> int:
    from sanxin.engagement.models import Project

    return Project.objects.get().pk


def _contribution(w):
    from sanxin.engagement.choices import ContributionKind
    from sanxin.engagement.models import Contribution, Project
    from sanxin.engagement.services.contributions import contribution_record

    _project(w)
    if not Contribution.objects.exists():
        contribution_record(
            actor=w.users["committee_head"],
            household=w.household,
            project=Project.objects.get(),
            kind=ContributionKind.MONEY,
            amount=Decimal("500"),
            contributed_on=timezone.localdate() - timedelta(days=1),
            photos=[SimpleUploadedFile("r.jpg", image_bytes("JPEG", (12, 9)), "image/jpeg")],
        )


def _contribution_photo_pk(w) -> int:
    from sanxin.engagement.models import ContributionPhoto

    return ContributionPhoto.objects.get().pk


def _submitted(w, username):
    from sanxin.engagement.models import Suggestion

    succeeded(w, username)
    s = Suggestion.objects.get(author=w.users[username])
    assert s.text == "建议多组织村民学习会。" and s.show_name is False
    audited(w, username, "suggestion.submit", object_id=str(s.pk))


def _answered(w, username):
    from sanxin.engagement.models import Suggestion
    from sanxin.notifications.models import Notification

    succeeded(w, username)
    s = Suggestion.objects.get()
    assert (s.state, s.reply, s.replied_by) == ("noted", "收到，已记录在案。", w.users[username])
    assert Notification.objects.filter(household=w.household, kind="suggestion_answered").exists()
    audited(w, username, "suggestion.answer", object_id=str(s.pk))


def _project_created(w, username):
    from sanxin.engagement.models import Project

    succeeded(w, username)
    p = Project.objects.get(name="道路硬化二期")
    assert (p.village, p.target_amount) == (w.village_a1, Decimal("80000.00"))
    audited(w, username, "project.create", object_id=str(p.pk))


def _recorded(w, username):
    from sanxin.engagement.models import Contribution

    succeeded(w, username)
    c = Contribution.objects.get(recorded_by=w.users[username])
    assert (c.household, c.amount, c.entry.points) == (w.household_a1_2, Decimal("1000"), 10)
    audited(w, username, "contribution.record", object_id=str(c.pk))


CASES = [
    Case("engagement:my_board", lambda w: "/village/board/", ANY_VIEWER),
    Case("engagement:board", lambda w: f"/village/{w.village_a1.pk}/board/", VILLAGE),
    Case("engagement:board_pdf", lambda w: f"/village/{w.village_a1.pk}/board.pdf", VILLAGE),
    Case("engagement:suggestions", lambda w: f"/village/{w.village_a1.pk}/suggestions/", VILLAGE),
    Case(
        "engagement:suggestion_new",
        lambda w: f"/village/{w.village_a1.pk}/suggestions/new/",
        VILLAGERS,
    ),
    Case(
        "engagement:suggestion_new",
        lambda w: f"/village/{w.village_a1.pk}/suggestions/new/",
        VILLAGERS,
        method="post",
        data=lambda w: {"text": "建议多组织村民学习会。"},
        ok_statuses=(302,),
        effect=_submitted,
    ),
    Case(
        "engagement:suggestion",
        lambda w: f"/village/suggestions/{_suggestion_pk(w)}/",
        VILLAGE,
        setup=_suggestion,
    ),
    Case(
        "engagement:suggestion_answer",
        lambda w: f"/village/suggestions/{_suggestion_pk(w)}/answer/",
        MANAGERS,
        method="post",
        data=lambda w: {"state": "noted", "reply": "收到，已记录在案。"},
        setup=_suggestion,
        ok_statuses=(302,),
        effect=_answered,
    ),
    Case(
        "engagement:suggestion_photo",
        lambda w: f"/village/suggestions/photos/{_suggestion_photo_pk(w)}/",
        PHOTO_VIEWERS,
        setup=_suggestion,
    ),
    Case(
        "engagement:projects",
        lambda w: f"/village/{w.village_a1.pk}/projects/",
        VILLAGE,
        setup=_project,
    ),
    Case(
        "engagement:project_new",
        lambda w: f"/village/{w.village_a1.pk}/projects/new/",
        MANAGERS,
        method="post",
        data=lambda w: {"name": "道路硬化二期", "kind": "road", "target_amount": "80000"},
        ok_statuses=(302,),
        effect=_project_created,
    ),
    Case(
        "engagement:project",
        lambda w: f"/village/projects/{_project_pk(w)}/",
        VILLAGE,
        setup=_contribution,
    ),
    Case(
        "engagement:contribution_new",
        lambda w: f"/village/{w.village_a1.pk}/contributions/new/",
        COMMITTEE,
        setup=_project,
    ),
    Case(
        "engagement:contribution_new",
        lambda w: f"/village/{w.village_a1.pk}/contributions/new/",
        COMMITTEE,
        method="post",
        data=lambda w: {
            "household_number": w.household_a1_2.number,
            "project": str(_project_pk(w)),
            "kind": "money",
            "amount": "1000",
            "contributed_on": str(timezone.localdate()),
            "evidence_text": "收据 No.12",
        },
        setup=_project,
        ok_statuses=(302,),
        effect=_recorded,
    ),
    Case(
        "engagement:contribution_photo",
        lambda w: f"/village/contributions/photos/{_contribution_photo_pk(w)}/",
        PHOTO_VIEWERS,
        setup=_contribution,
    ),
]
