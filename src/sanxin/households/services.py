"""Writes for households and people. Every change is audited in its transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.choices import HEAD_RELATIONS, HouseholdStatus
from sanxin.households.models import Household, Move, Person, id_number_columns
from sanxin.lib import crypto, idcard
from sanxin.lib.text import clean_line
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

if TYPE_CHECKING:
    from sanxin.accounts.models import User

HOUSEHOLD_FIELDS = ("number", "villager_group_id", "address", "phone", "status")
# Free-text fields, cleaned by clean_line (invisible and direction-changing
# characters refused, NFKC, whitespace collapsed), with the label errors name.
HOUSEHOLD_TEXT = {"number": "户号", "address": "住址", "phone": "联系电话"}
PERSON_TEXT = {"name": "姓名", "relation": "与户主关系", "phone": "联系电话"}
CODE_FIELDS = {"number", "phone"}  # normalised in full ("３－１" is "3-1")
PERSON_FIELDS = (
    "name",
    "relation",
    "is_head",
    "phone",
    "political_status",
    "cadre_post",
    "household_id",
    "active",
)


def _clean_text_fields(labels: dict[str, str], **values) -> dict[str, str]:
    """The values cleaned by clean_line; one ValidationError naming every bad field."""
    cleaned, errors = {}, {}
    for field, value in values.items():
        try:
            cleaned[field] = clean_line(value, labels[field], code=field in CODE_FIELDS)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_person_data(data: PersonData) -> PersonData:
    cleaned = _clean_text_fields(
        PERSON_TEXT, name=data.name, relation=data.relation, phone=data.phone
    )
    return replace(data, name=cleaned["name"], relation=cleaned["relation"], phone=cleaned["phone"])


def _new_id_number(data: PersonData) -> idcard.IdNumber:
    """The ID number of a person being registered (only an edit leaves it None)."""
    if data.id_number is None:
        raise ValueError(f"registering {data.name!r} needs an ID number")
    return data.id_number


def household_snapshot(h: Household) -> dict:
    return {
        "number": h.number,
        "villager_group": h.villager_group.name if h.villager_group_id else "",
        "address": h.address,
        "phone": h.phone,
        "status": h.status,
    }


def person_snapshot(p: Person) -> dict:
    # Never the full identity number: the masked form only.
    return {
        "name": p.name,
        "id_number": p.id_number_masked,
        "relation": p.relation,
        "phone": p.phone,
        "political_status": p.political_status,
        "cadre_post": p.cadre_post,
        "household": p.household.number if p.household_id else "",
        "active": p.active,
    }


# --- inner writes: no permission or scope check ----------------------------------------
# The underscore says the caller has done the checks: the checked services below
# (household_register, household_change, person_add, person_change), the roster import
# (its page takes only a village in the user's scope; `import-households` is the
# operator's) and the demo. They still clean, validate (full_clean) and audit.


def _check_group(village: Region, villager_group: Region) -> None:
    if villager_group.level != Level.GROUP or villager_group.parent_id != village.pk:
        raise ValidationError({"villager_group": "村民小组不属于该村"})


def _household_create(
    *,
    actor: User | None,
    village: Region,
    villager_group: Region,
    number: str,
    address: str = "",
    phone: str = "",
    status: str = HouseholdStatus.ACTIVE,
    audit_action: str = "household.create",
) -> Household:
    _check_group(village, villager_group)
    household = Household(
        village=village,
        villager_group=villager_group,
        district_id=Region.district_id_in_path(villager_group.path),
        status=status,
        left_on=None if status == HouseholdStatus.ACTIVE else timezone.localdate(),
        **_clean_text_fields(HOUSEHOLD_TEXT, number=number, address=address, phone=phone),
    )
    household.full_clean()
    household.save()
    audit(
        actor=actor,
        action=audit_action,
        obj=household,
        region_path=villager_group.path,
        after=household_snapshot(household),
    )
    return household


def _household_update(
    *, actor: User | None, household: Household, audit_action: str = "household.update", **changes
) -> bool:
    """Apply changes; returns False (and writes nothing) when nothing differs."""
    before = household_snapshot(household)
    if "villager_group" in changes:
        _check_group(household.village, changes["villager_group"])
    changes.update(
        _clean_text_fields(
            HOUSEHOLD_TEXT, **{k: v for k, v in changes.items() if k in HOUSEHOLD_TEXT}
        )
    )
    changed = False
    for field, value in changes.items():
        if getattr(household, field) != value:
            setattr(household, field, value)
            changed = True
    if not changed:
        return False
    # Leaving the register dates the household (the retention period counts from it);
    # coming back clears the date.
    if household.status == HouseholdStatus.ACTIVE:
        household.left_on = None
    elif household.left_on is None:
        household.left_on = timezone.localdate()
    household.full_clean()
    household.save()
    audit(
        actor=actor,
        action=audit_action,
        obj=household,
        region_path=household.villager_group.path,
        before=before,
        after=household_snapshot(household),
    )
    return True


def refresh_household_summary(household_ids: list[int]) -> None:
    """Recompute the denormalised head name and member count, set-based."""
    rows = (
        Household.objects.filter(pk__in=household_ids)
        .annotate(n=Count("members", filter=Q(members__active=True)))
        .values_list("pk", "n")
    )
    counts = dict(rows)
    heads = dict(
        Person.objects.filter(
            household_id__in=household_ids, is_head=True, active=True
        ).values_list("household_id", "name")
    )
    to_update = []
    for h in Household.objects.filter(pk__in=household_ids).only("pk", "head_name", "member_count"):
        new_head, new_count = heads.get(h.pk, ""), counts.get(h.pk, 0)
        if (h.head_name, h.member_count) != (new_head, new_count):
            h.head_name, h.member_count = new_head, new_count
            to_update.append(h)
    Household.objects.bulk_update(to_update, ["head_name", "member_count"])


@dataclass
class PersonData:
    name: str
    id_number: (
        idcard.IdNumber | None
    )  # None when editing an existing person (the number never changes)
    relation: str
    phone: str = ""
    political_status: str = "masses"
    cadre_post: str = ""


def person_lookup(id_number: str) -> Person | None:
    return (
        Person.objects.filter(id_number_hash__in=crypto.blind_indexes(id_number))
        .select_related("household__village", "household__villager_group")
        .first()
    )


def id_taken_message(actor: User | None, id_number: idcard.IdNumber, existing: Person) -> str:
    """Why a number cannot be registered again. Where it is registered is named only
    to a user who may see that household; anyone else learns only that it is taken
    somewhere, not which village or household (no existence oracle across villages)."""
    household = existing.household
    if scope_for(actor).covers_household(household, Perm.VIEW_REGISTRY):
        return (
            f"身份证号 {id_number.masked} 已登记在 {household.village.name} "
            f"{household.number} 号户；人员迁入请在原户办理迁移"
        )
    return f"身份证号 {id_number.masked} 已在其他地方登记，不能重复登记；请与管理员核实"


def _person_create(
    *,
    actor: User | None,
    household: Household,
    data: PersonData,
    audit_action: str = "person.create",
) -> Person:
    data = _clean_person_data(data)
    id_number = _new_id_number(data)
    value = id_number.value
    person = Person(
        household=household,
        name=data.name,
        **id_number_columns(value),
        sex=id_number.sex,
        relation=data.relation,
        is_head=data.relation in HEAD_RELATIONS,
        phone=data.phone,
        political_status=data.political_status,
        cadre_post=data.cadre_post,
    )
    person.full_clean(exclude=["household"])
    person.save()
    audit(
        actor=actor,
        action=audit_action,
        obj=person,
        region_path=household.villager_group.path,
        after=person_snapshot(person),
    )
    return person


def _person_fields(data: PersonData) -> dict:
    """The fields _person_update sets from the data."""
    return {
        "name": data.name,
        "relation": data.relation,
        "is_head": data.relation in HEAD_RELATIONS,
        "phone": data.phone,
        "political_status": data.political_status,
        "cadre_post": data.cadre_post,
        "active": True,
    }


def person_differs(person: Person, data: PersonData) -> bool:
    """Whether _person_update would change anything (the roster import asks before)."""
    data = _clean_person_data(data)
    return any(getattr(person, k) != v for k, v in _person_fields(data).items())


def _person_update(
    *, actor: User | None, person: Person, data: PersonData, audit_action: str = "person.update"
) -> bool:
    data = _clean_person_data(data)
    if not person_differs(person, data):
        return False
    before = person_snapshot(person)
    for k, v in _person_fields(data).items():
        setattr(person, k, v)
    person.full_clean(exclude=["household"])
    person.save()
    audit(
        actor=actor,
        action=audit_action,
        obj=person,
        region_path=person.household.villager_group.path,
        before=before,
        after=person_snapshot(person),
    )
    return True


@transaction.atomic
def person_move(
    *,
    actor: User | None,
    person: Person,
    to_household: Household,
    moved_on: date,
    relation: str,
    reason: str = "",
) -> Move:
    """Move a person to another household. Their past records keep pointing at them."""
    cleaned = _clean_text_fields(
        {"relation": "与户主关系", "reason": "原因"}, relation=relation, reason=reason
    )
    relation, reason = cleaned["relation"], cleaned["reason"]
    scope = scope_for(actor)
    if not (
        scope.covers_household(person.household, Perm.CHANGE_REGISTRY)
        and scope.covers_household(to_household, Perm.CHANGE_REGISTRY)
    ):
        raise PermissionDenied("无权迁移该人员")
    if to_household.pk == person.household_id:
        raise ValidationError("迁入户与原户相同")
    if (
        person.is_head
        and Person.objects.filter(household=person.household, active=True)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise ValidationError("户主迁出前，请先为原户指定新的户主")
    _check_single_head(to_household, becoming_head=relation in HEAD_RELATIONS)
    before = person_snapshot(person)
    from_household = person.household
    move = Move.objects.create(
        person=person,
        from_household=from_household,
        to_household=to_household,
        moved_on=moved_on,
        reason=reason,
        actor=actor,
    )
    person.household = to_household
    person.relation = relation
    person.is_head = relation in HEAD_RELATIONS
    person.full_clean()
    person.save()
    audit(
        actor=actor,
        action="person.move",
        obj=person,
        region_path=to_household.villager_group.path,
        before=before,
        after=person_snapshot(person),
    )
    refresh_household_summary([from_household.pk, to_household.pk])
    return move


def person_reveal_id(*, actor: User | None, person: Person, ip_address: str | None = None) -> str:
    """The full identity number, for a user allowed to see it, with the audit row
    written in the same transaction. Anyone else is refused (PermissionDenied) and
    the refusal itself is audited."""
    scope = scope_for(actor)
    region_path = person.household.villager_group.path
    if not scope.covers_household(person.household, Perm.REVEAL_ID):
        audit(
            actor=actor,
            action="person.reveal_id.denied",
            obj=person,
            region_path=region_path,
            ip_address=ip_address,
        )
        raise PermissionDenied("无权查看完整身份证号")
    with transaction.atomic():
        audit(
            actor=actor,
            action="person.reveal_id",
            obj=person,
            region_path=region_path,
            ip_address=ip_address,
        )
        return person.reveal_id_number()


# --- hand edits from the UI: scope-checked, head rule explained ----------------------


def households_exported(
    *, actor: User, rows: int, filters: dict[str, str], region_path: str = ""
) -> None:
    """The audit row of a bulk read: someone took a list of households (names,
    and phones where their role sees them) out of the system as a spreadsheet."""
    audit(
        actor=actor,
        action="household.export",
        object_type="households.household",
        object_repr=f"{rows}",
        region_path=region_path,
        after={"rows": rows, "filters": filters},
    )


def _require_change(actor: User | None, household: Household) -> None:
    if not scope_for(actor).covers_household(household, Perm.CHANGE_REGISTRY):
        raise PermissionDenied("无权修改该户信息")


def _check_single_head(
    household: Household, *, becoming_head: bool, except_person: Person | None = None
) -> None:
    if not becoming_head:
        return
    heads = Person.objects.filter(household=household, is_head=True, active=True)
    if except_person is not None:
        heads = heads.exclude(pk=except_person.pk)
    current = heads.first()
    if current is not None:
        raise ValidationError(
            {
                "relation": f"本户已有户主 {current.name}；请先把原户主的“与户主关系”改为其他（如配偶、父亲）"
            }
        )


@transaction.atomic
def household_register(
    *,
    actor: User | None,
    village: Region,
    villager_group: Region,
    number: str,
    head: PersonData,
    address: str = "",
    phone: str = "",
) -> Household:
    """A new household with its head, entered by hand."""
    scope = scope_for(actor)
    if not scope.covers_region(villager_group, Perm.CHANGE_REGISTRY):
        raise PermissionDenied("无权在该村民小组登记农户")
    number = _clean_text_fields(HOUSEHOLD_TEXT, number=number)["number"]
    if Household.objects.filter(village=village, number=number).exists():
        raise ValidationError({"number": f"户号 {number} 在本村已存在"})
    head_id = _new_id_number(head)
    existing = person_lookup(head_id.value)
    if existing is not None:
        raise ValidationError({"head_id_number": id_taken_message(actor, head_id, existing)})
    household = _household_create(
        actor=actor,
        village=village,
        villager_group=villager_group,
        number=number,
        address=address,
        phone=phone,
    )
    _person_create(
        actor=actor, household=household, data=PersonData(**{**head.__dict__, "relation": "户主"})
    )
    refresh_household_summary([household.pk])
    household.refresh_from_db()
    return household


@transaction.atomic
def household_change(*, actor: User | None, household: Household, **changes) -> bool:
    _require_change(actor, household)
    return _household_update(actor=actor, household=household, **changes)


@transaction.atomic
def person_add(*, actor: User | None, household: Household, data: PersonData) -> Person:
    _require_change(actor, household)
    id_number = _new_id_number(data)
    existing = person_lookup(id_number.value)
    if existing is not None:
        raise ValidationError({"id_number": id_taken_message(actor, id_number, existing)})
    _check_single_head(household, becoming_head=data.relation in HEAD_RELATIONS)
    person = _person_create(actor=actor, household=household, data=data)
    refresh_household_summary([household.pk])
    return person


@transaction.atomic
def person_change(
    *,
    actor: User | None,
    person: Person,
    name: str,
    relation: str,
    phone: str,
    political_status: str,
    cadre_post: str,
) -> bool:
    _require_change(actor, person.household)
    becoming_head = relation in HEAD_RELATIONS
    _check_single_head(person.household, becoming_head=becoming_head, except_person=person)
    if (
        person.is_head
        and not becoming_head
        and Person.objects.filter(household=person.household, active=True)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise ValidationError({"relation": "本户不能没有户主：请先把另一名成员设为户主"})
    data = PersonData(
        name=name,
        id_number=None,
        relation=relation,
        phone=phone,
        political_status=political_status,
        cadre_post=cadre_post,
    )
    changed = _person_update(actor=actor, person=person, data=data)
    if changed:
        refresh_household_summary([person.household_id])
    return changed
