"""Suggestions (建言献策): a villager submits one (text, photos; optionally shown
without their name to other villagers, never anonymous to the committee); the
committee answers it (adopted, under study, noted, declined) with a reply the
villager sees and is notified of. An adopted suggestion earns the scheme's item
`affairs.suggestion` (所提建议被村里采纳) as a pending ledger entry for its author,
approved by another member in the normal review."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.engagement.choices import SuggestionState
from sanxin.engagement.models import Suggestion, SuggestionPhoto
from sanxin.households.models import Household, Person
from sanxin.ledger.choices import Source
from sanxin.ledger.services import EntryRequest, entry_record
from sanxin.lib import photos as photo_files
from sanxin.lib.text import clean_text
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify

if TYPE_CHECKING:
    from sanxin.accounts.models import User

log = logging.getLogger(__name__)

ITEM_CODE = "affairs.suggestion"  # 所提建议被村里采纳 (+2, per person)
MAX_PHOTOS = 6
MIN_TEXT = 5
MAX_TEXT = 2000
MIN_REPLY = 2
MAX_REPLY = 1000
# The answers the committee gives; a suggestion still open may be answered (again).
ANSWERS = (
    SuggestionState.ADOPTED,
    SuggestionState.UNDER_STUDY,
    SuggestionState.NOTED,
    SuggestionState.DECLINED,
)
OPEN_STATES = (SuggestionState.SUBMITTED, SuggestionState.UNDER_STUDY)


def _household_of(actor: User, household: Household | None) -> Household:
    """The household the villager speaks for: the one given, if it is theirs; else
    their only household."""
    own = {
        g.household_id
        for g in scope_for(actor).grants_for(Perm.ENGAGE_TAKE_PART)
        if g.household_id is not None
    }
    if household is None:
        if len(own) != 1:
            raise PermissionDenied("只有本村村民可以提建议")
        household = Household.objects.select_related("village", "villager_group").get(
            pk=next(iter(own))
        )
    if household.pk not in own:
        raise PermissionDenied("只能以本户名义提建议")
    return household


def _author_person(actor: User, household: Household) -> Person | None:
    person = getattr(actor, "person", None)
    if person is not None and person.household_id == household.pk and person.active:
        return person
    return None


def _clean_text(value: str, label: str, field: str, low: int, high: int) -> str:
    text = clean_text(value, label, field=field)
    if len(text) < low:
        raise ValidationError({field: [f"{label}至少要写 {low} 个字"]})
    if len(text) > high:
        raise ValidationError({field: [f"{label}最多 {high} 个字，现在有 {len(text)} 个"]})
    return text


@transaction.atomic
def suggestion_submit(
    *,
    actor: User,
    text: str,
    show_name: bool = False,
    photos: Sequence[UploadedFile] = (),
    household: Household | None = None,
    now: datetime | None = None,
) -> Suggestion:
    """A villager's suggestion for their village. Text with invisible or
    direction-changing characters is refused (lib/text.py); photos are decoded and
    re-encoded without metadata, and anything that is not a real photo is refused
    with the reason (lib/photos.py). The same text again from the household while
    the first is still open is refused (a double tap sends it once). `now`: when
    (the demo tells a past story with it)."""
    household = _household_of(actor, household)
    text = _clean_text(text, "建议内容", "text", MIN_TEXT, MAX_TEXT)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [f"最多上传 {MAX_PHOTOS} 张照片"]})
    for photo in photos:
        if problem := photo_files.problem(photo):
            raise ValidationError({"photos": [problem]})
    Household.objects.select_for_update().filter(pk=household.pk).first()
    now = now or timezone.now()
    if Suggestion.objects.filter(household=household, text=text, state__in=OPEN_STATES).exists():
        raise ValidationError({"text": ["这条建议已经提交过了，请等待村里答复"]})
    suggestion = Suggestion(
        village=household.village,
        household=household,
        person=_author_person(actor, household),
        author=actor,
        text=text,
        show_name=bool(show_name),
        created_at=now,
    )
    suggestion.full_clean()
    suggestion.save()
    for photo in photos:
        stored = photo_files.clean(photo)
        SuggestionPhoto.objects.create(
            suggestion=suggestion, image=stored, sha256=photo_files.sha256(stored)
        )
    audit(
        actor=actor,
        action="suggestion.submit",
        obj=suggestion,
        region_path=household.villager_group.path,
        at=now,
        after={"household": household.number, "photos": len(photos), "show_name": show_name},
    )
    return suggestion


def answer_problem(actor: User | None, suggestion: Suggestion, state: str = "") -> str:
    """Why `actor` may not answer this suggestion ('' if they may)."""
    scope = scope_for(actor)
    household = suggestion.household
    if not scope.covers_household(household, Perm.ENGAGE_MANAGE):
        return "无权答复该建议"
    if household.pk in scope.own_household_ids():
        return "这是您本人家庭的建议，请由其他成员答复"
    if state == SuggestionState.ADOPTED and not scope.covers_household(
        household, Perm.RECORD_POINTS
    ):
        return "采纳建议要为提建议的村民记积分，须由本村评信团成员答复"
    return ""


def _entry_person(suggestion: Suggestion) -> Person | None:
    """Whom the item's points go to: the author, or (an author without a person
    record, or no longer in the household) the head of the household."""
    if suggestion.person is not None and suggestion.person.active:
        return suggestion.person
    return suggestion.household.members.filter(active=True, is_head=True).first()


@transaction.atomic
def suggestion_answer(
    *,
    actor: User,
    suggestion: Suggestion,
    state: str,
    reply: str,
    today: date | None = None,
    now: datetime | None = None,
) -> Suggestion:
    """The committee's answer with a reply the villager reads (and is notified of).
    Adopted: the scheme's item as a pending entry for the author. A suggestion
    under study may be answered again; the other answers are final."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if state not in ANSWERS:
        raise ValidationError({"state": ["请选择答复结果"]})
    if problem := answer_problem(actor, suggestion, state):
        raise PermissionDenied(problem)
    reply = _clean_text(reply, "答复", "reply", MIN_REPLY, MAX_REPLY)
    locked = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("household__village", "household__villager_group", "person")
        .get(pk=suggestion.pk)
    )
    if locked.state not in OPEN_STATES:
        raise ValidationError(f"该建议已答复为“{locked.get_state_display()}”，不能再改")
    before = locked.state
    if state == SuggestionState.ADOPTED:
        locked.entry = entry_record(
            actor=actor,
            request=EntryRequest(
                household=locked.household,
                item_code=ITEM_CODE,
                occurred_on=today,
                person=_entry_person(locked),
                evidence_text=f"建议 #{locked.pk} 被村里采纳：{locked.text[:60]}",
                source=Source.MANUAL,
            ),
            idempotency_key=f"suggestion-{locked.pk}",
            today=today,
        )
    locked.state = state
    locked.reply = reply
    locked.replied_by = actor
    locked.replied_at = now
    locked.full_clean()
    locked.save(update_fields=["state", "reply", "replied_by", "replied_at", "entry"])
    label = SuggestionState(state).label
    notify(
        households=[locked.household_id],
        kind=Kind.SUGGESTION_ANSWERED,
        title=f"您家的建议已答复：{label}",
        body=reply,
        url=reverse("engagement:suggestion", args=[locked.pk]),
        at=now,
    )
    audit(
        actor=actor,
        action="suggestion.answer",
        obj=locked,
        region_path=locked.household.villager_group.path,
        at=now,
        before={"answer": before},
        after={"answer": state, "entry": locked.entry_id},
    )
    log.info("suggestion %s answered: %s", locked.pk, state)
    return locked
