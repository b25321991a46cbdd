"""Personal-information rights: corrections, consent to publication, anonymising people
who left the register. Writes check scope and permission, validate, audit in the
same transaction; a correction that is accepted changes the record through the
registry's own services (`households.services`), which audit the change themselves."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households import consent as publication
from sanxin.households import services as registry
from sanxin.households.choices import CadrePost, ConsentPurpose, HouseholdStatus, PoliticalStatus
from sanxin.households.models import Consent, Household, Person
from sanxin.lib.text import clean_line, clean_text
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify
from sanxin.privacy.models import (
    PERSON_FIELDS,
    Anonymisation,
    CorrectionField,
    CorrectionRequest,
    CorrectionStatus,
)
from sanxin.regions.models import Region

ANONYMOUS = "已匿名"


def _where(household: Household) -> str:
    return household.villager_group.path if household.villager_group_id else ""


def current_value(field: str, household: Household, person: Person | None) -> str:
    """What the register holds now, as the household reads it."""
    if field == CorrectionField.ADDRESS:
        return household.address
    if field == CorrectionField.HOUSEHOLD_PHONE:
        return household.phone
    if person is None:
        return ""
    if field == CorrectionField.POLITICAL_STATUS:
        return person.get_political_status_display()
    if field == CorrectionField.CADRE_POST:
        return person.get_cadre_post_display() or "无"
    if field in (CorrectionField.NAME, CorrectionField.RELATION, CorrectionField.PHONE):
        return getattr(person, field)
    return ""


def correction_file(
    *,
    actor: User,
    household: Household,
    field: str,
    requested_value: str,
    reason: str = "",
    person: Person | None = None,
    idempotency_key: str = "",
) -> CorrectionRequest:
    """A household asks to correct its own registry data (only its own)."""
    if household.pk not in scope_for(actor).own_household_ids():
        raise PermissionDenied("只能为本户申请更正")
    if field not in CorrectionField.values:
        raise ValidationError({"field": "请选择要更正的内容"})
    if field not in PERSON_FIELDS and field != CorrectionField.OTHER:
        person = None  # a household field: no member concerned
    if (person is None and field in PERSON_FIELDS) or (
        person is not None and person.household_id != household.pk
    ):
        raise ValidationError({"person": "请选择本户的一名成员"})
    requested_value = clean_line(requested_value, "应更正为", field="requested_value")
    if not requested_value:
        raise ValidationError({"requested_value": "请写明应更正为什么"})
    if idempotency_key:
        earlier = CorrectionRequest.objects.filter(
            filed_by=actor, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            return earlier
    request = CorrectionRequest(
        household=household,
        person=person,
        field=field,
        current_value=current_value(field, household, person)[:200],
        requested_value=requested_value,
        reason=clean_text(reason, "说明", field="reason") if reason else "",
        filed_by=actor,
        filed_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
    request.full_clean(exclude=["household", "person", "filed_by"])
    try:
        with transaction.atomic():
            request.save()
            audit(
                actor=actor,
                action="privacy.correction_file",
                obj=request,
                region_path=_where(household),
                after={"field": field, "person": person.pk if person else None},
            )
    except IntegrityError:  # the same form submitted twice at once
        return CorrectionRequest.objects.get(filed_by=actor, idempotency_key=idempotency_key)
    return request


def _choice(choices, value: str, label: str) -> str:
    """A choice's stored value from its value or its Chinese label."""
    for key, text in choices.choices:
        if value in (key, str(text)):
            return key
    raise ValidationError(
        {"value": f"{label}应为：{'、'.join(str(t) for _, t in choices.choices)}"}
    )


def _apply(actor: User, request: CorrectionRequest, value: str) -> None:
    household, person, field = request.household, request.person, request.field
    if field == CorrectionField.ADDRESS:
        registry.household_change(actor=actor, household=household, address=value)
        return
    if field == CorrectionField.HOUSEHOLD_PHONE:
        registry.household_change(actor=actor, household=household, phone=value)
        return
    if field == CorrectionField.OTHER:
        return  # the committee corrected it in the register itself, as its answer says
    assert person is not None
    data = {
        "name": person.name,
        "relation": person.relation,
        "phone": person.phone,
        "political_status": person.political_status,
        "cadre_post": person.cadre_post,
    }
    if field == CorrectionField.POLITICAL_STATUS:
        data["political_status"] = _choice(PoliticalStatus, value, "政治面貌")
    elif field == CorrectionField.CADRE_POST:
        data["cadre_post"] = "" if value in ("", "无") else _choice(CadrePost, value, "职务")
    else:
        data[field] = value
    registry.person_change(actor=actor, person=person, **data)


@transaction.atomic
def correction_answer(
    *,
    actor: User,
    request: CorrectionRequest,
    accept: bool,
    answer: str = "",
    value: str | None = None,
) -> CorrectionRequest:
    """The committee accepts (the record changes through the registry's services, with
    `value` or the requested value) or declines with a reason. Once only."""
    request = (
        CorrectionRequest.objects.select_for_update(of=("self",))
        .select_related("household__villager_group", "person")
        .get(pk=request.pk)
    )
    scope = scope_for(actor)
    if not scope.covers_household(request.household, Perm.CHANGE_REGISTRY):
        raise PermissionDenied("无权答复该更正申请")
    if request.household_id in scope.own_household_ids():
        raise PermissionDenied("本户的更正申请应由评信团其他成员答复")
    if request.status != CorrectionStatus.PENDING:
        raise ValidationError("该申请已经答复过了")
    answer = (answer or "").strip()
    if not accept and not answer:
        raise ValidationError({"answer": "不予更正时必须说明理由"})
    if accept and request.field == CorrectionField.OTHER and not answer:
        raise ValidationError({"answer": "请说明已经怎样更正"})
    if accept:
        final = clean_line(
            value if value is not None else request.requested_value, "更正后的内容", field="value"
        )
        if not final and request.field not in (CorrectionField.CADRE_POST,):
            raise ValidationError({"value": "请填写更正后的内容"})
        _apply(actor, request, final)
    request.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.DECLINED
    request.answer = answer
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    audit(
        actor=actor,
        action="privacy.correction_answer",
        obj=request,
        region_path=_where(request.household),
        after={"status": request.status},
    )
    notify(
        households=[request.household_id],
        kind=Kind.CORRECTION_ANSWERED,
        title=(
            f"您申请更正的“{request.get_field_display()}”已更正"
            if accept
            else f"您申请更正的“{request.get_field_display()}”不予更正"
        ),
        body=answer,
        url=f"/my/{request.household_id}/",
    )
    return request


def consent_in_force(household: Household) -> dict[str, bool]:
    """{purpose: given} of the newest row per purpose (no row: not given)."""
    return publication.of_household(household)


@transaction.atomic
def consent_record(
    *, actor: User, household: Household, purpose: str, given: bool, on_paper: bool = False
) -> Consent:
    """The household gives or withdraws consent itself; the committee records a paper
    consent on its behalf (`on_paper`)."""
    scope = scope_for(actor)
    own = household.pk in scope.own_household_ids()
    if on_paper:
        if not scope.covers_household(household, Perm.CHANGE_REGISTRY):
            raise PermissionDenied("无权代为登记")
    elif not own:
        raise PermissionDenied("只能为本户表示同意或撤回")
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": "请选择公开的用途"})
    consent = Consent(
        household=household,
        purpose=purpose,
        given=given,
        recorded_by=actor,
        recorded_at=timezone.now(),
        on_paper=on_paper,
    )
    consent.full_clean(exclude=["household", "recorded_by"])
    consent.save()
    audit(
        actor=actor,
        action="privacy.consent",
        obj=consent,
        region_path=_where(household),
        after={"purpose": purpose, "given": given, "on_paper": on_paper},
    )
    return consent


def departed_due(today: date, years: int) -> date:
    """The last day of leaving whose people are anonymised on `today`."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@transaction.atomic
def departed_anonymise(
    *, today: date | None = None, years: int | None = None, district: Region | None = None
) -> int:
    """Anonymise the members of households that left the register at least `years`
    ago (the district's retention period): their names, identity numbers, phones and
    addresses go; the rows stay, so every ledger entry, rating and loan still points
    at the same household and person and the totals still add up. Set-based; once
    per person (`Anonymisation`). `district`: only its households (`sanxin
    anonymise-departed` runs district by district, docs/scaling.md). Returns how many
    people were anonymised."""
    today = today or timezone.localdate()
    years = settings.SANXIN_DEPARTED_RETENTION_YEARS if years is None else years
    cutoff = departed_due(today, years)
    households = Household.objects.exclude(status=HouseholdStatus.ACTIVE).filter(
        left_on__lte=cutoff
    )
    if district is not None:
        households = households.filter(district_id=district.pk)
    people = list(
        Person.objects.filter(household__in=households)
        .exclude(pk__in=Anonymisation.objects.values("person_id"))
        .values_list("pk", "household_id", "household__left_on")
    )
    if not people:
        return 0
    ids = [pk for pk, _, _ in people]
    placeholder = Concat(Value("anonymised-"), Cast("pk", CharField()))  # unique per row
    Person.objects.filter(pk__in=ids).update(
        id_number_hash=placeholder,
        id_last_digits_index=placeholder,
        name=ANONYMOUS,
        id_number_encrypted="",
        id_number_masked=ANONYMOUS,
        phone="",
        relation="",
    )
    household_ids = {h for _, h, _ in people}
    Household.objects.filter(pk__in=household_ids).update(head_name=ANONYMOUS, address="", phone="")
    User.objects.filter(person_id__in=ids).update(is_active=False, phone=None)
    now = timezone.now()
    Anonymisation.objects.bulk_create(
        Anonymisation(household_id=h, person_id=pk, left_on=left or cutoff, anonymised_at=now)
        for pk, h, left in people
    )
    audit(
        actor=None,
        action="privacy.anonymise",
        object_type="households.Person",
        object_repr=f"{len(ids)}人",
        region_path=district.path if district else "",
        after={"people": len(ids), "households": len(household_ids), "left_by": str(cutoff)},
    )
    return len(ids)
