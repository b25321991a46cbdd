"""Writes for households and people. Every change is audited in its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q

from sanxin.accounts.scope import Perm, scope_for
from sanxin.households.choices import HEAD_RELATIONS, HouseholdStatus
from sanxin.households.models import Household, Move, Person
from sanxin.lib import crypto, idcard
from sanxin.oversight.services import audit
from sanxin.regions.models import Level, Region

HOUSEHOLD_FIELDS = ("number", "villager_group_id", "address", "phone", "status")
PERSON_FIELDS = ("name", "relation", "is_head", "phone", "political_status", "cadre_post", "household_id", "active")


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


def _check_group(village: Region, villager_group: Region) -> None:
    if villager_group.level != Level.GROUP or villager_group.parent_id != village.pk:
        raise ValidationError({"villager_group": "村民小组不属于该村"})


def household_create(
    *, actor, village: Region, villager_group: Region, number: str, address: str = "", phone: str = "",
    status: str = HouseholdStatus.ACTIVE, audit_action: str = "household.create",
) -> Household:
    _check_group(village, villager_group)
    household = Household(village=village, villager_group=villager_group, number=number, address=address, phone=phone, status=status)
    household.full_clean()
    household.save()
    audit(actor=actor, action=audit_action, obj=household, region_path=villager_group.path, after=household_snapshot(household))
    return household


def household_update(*, actor, household: Household, audit_action: str = "household.update", **changes) -> bool:
    """Apply changes; returns False (and writes nothing) when nothing differs."""
    before = household_snapshot(household)
    if "villager_group" in changes:
        _check_group(household.village, changes["villager_group"])
    changed = False
    for field, value in changes.items():
        if getattr(household, field) != value:
            setattr(household, field, value)
            changed = True
    if not changed:
        return False
    household.full_clean()
    household.save()
    audit(actor=actor, action=audit_action, obj=household, region_path=household.villager_group.path, before=before, after=household_snapshot(household))
    return True


def refresh_household_summary(household_ids: list[int]) -> None:
    """Recompute the denormalised head name and member count, set-based."""
    rows = (
        Household.objects.filter(pk__in=household_ids)
        .annotate(n=Count("members", filter=Q(members__active=True)))
        .values_list("pk", "n")
    )
    counts = dict(rows)
    heads = dict(Person.objects.filter(household_id__in=household_ids, is_head=True, active=True).values_list("household_id", "name"))
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
    id_number: idcard.IdNumber
    relation: str
    phone: str = ""
    political_status: str = "masses"
    cadre_post: str = ""


def person_lookup(id_number: str) -> Person | None:
    return Person.objects.filter(id_number_hash=crypto.blind_index(id_number)).select_related("household").first()


def person_create(*, actor, household: Household, data: PersonData, audit_action: str = "person.create") -> Person:
    value = data.id_number.value
    person = Person(
        household=household,
        name=data.name,
        id_number_encrypted=crypto.encrypt(value),
        id_number_hash=crypto.blind_index(value),
        id_number_masked=idcard.mask(value),
        birth_date=data.id_number.birth_date,
        sex=data.id_number.sex,
        relation=data.relation,
        is_head=data.relation in HEAD_RELATIONS,
        phone=data.phone,
        political_status=data.political_status,
        cadre_post=data.cadre_post,
    )
    person.full_clean(exclude=["household"])
    person.save()
    audit(actor=actor, action=audit_action, obj=person, region_path=household.villager_group.path, after=person_snapshot(person))
    return person


def person_update(*, actor, person: Person, data: PersonData, audit_action: str = "person.update") -> bool:
    changes = {
        "name": data.name,
        "relation": data.relation,
        "is_head": data.relation in HEAD_RELATIONS,
        "phone": data.phone,
        "political_status": data.political_status,
        "cadre_post": data.cadre_post,
        "active": True,
    }
    if all(getattr(person, k) == v for k, v in changes.items()):
        return False
    before = person_snapshot(person)
    for k, v in changes.items():
        setattr(person, k, v)
    person.full_clean(exclude=["household"])
    person.save()
    audit(actor=actor, action=audit_action, obj=person, region_path=person.household.villager_group.path, before=before, after=person_snapshot(person))
    return True


@transaction.atomic
def person_move(*, actor, person: Person, to_household: Household, moved_on: date, relation: str, reason: str = "") -> Move:
    """Move a person to another household. Their past records keep pointing at them."""
    scope = scope_for(actor)
    if not (scope.covers_household(person.household, Perm.CHANGE_REGISTRY) and scope.covers_household(to_household, Perm.CHANGE_REGISTRY)):
        raise PermissionDenied("无权迁移该人员")
    if to_household.pk == person.household_id:
        raise ValidationError("迁入户与原户相同")
    if person.is_head and Person.objects.filter(household=person.household, active=True).exclude(pk=person.pk).exists():
        raise ValidationError("户主迁出前，请先为原户指定新的户主")
    before = person_snapshot(person)
    from_household = person.household
    move = Move.objects.create(person=person, from_household=from_household, to_household=to_household, moved_on=moved_on, reason=reason, actor=actor)
    person.household = to_household
    person.relation = relation
    person.is_head = relation in HEAD_RELATIONS
    person.full_clean()
    person.save()
    audit(actor=actor, action="person.move", obj=person, region_path=to_household.villager_group.path, before=before, after=person_snapshot(person))
    refresh_household_summary([from_household.pk, to_household.pk])
    return move


def person_reveal_id(*, actor, person: Person, ip_address: str | None = None) -> str:
    """The full identity number, for a user allowed to see it, with the audit row
    written in the same transaction. Anyone else is refused (PermissionDenied) and
    the refusal itself is audited."""
    scope = scope_for(actor)
    region_path = person.household.villager_group.path
    if not scope.covers_household(person.household, Perm.REVEAL_ID):
        audit(actor=actor, action="person.reveal_id.denied", obj=person, region_path=region_path, ip_address=ip_address)
        raise PermissionDenied("无权查看完整身份证号")
    with transaction.atomic():
        audit(actor=actor, action="person.reveal_id", obj=person, region_path=region_path, ip_address=ip_address)
        return person.reveal_id_number()
