"""Names, addresses, household numbers, relations and phones with invisible or
direction-changing characters are refused, by hand and by import alike, with the
field named; full-width digits are normalised; a minority name's middle dot is fine."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from django.core.exceptions import ValidationError

from sanxin.households import importing, services
from sanxin.households.forms import MoveForm, NewHouseholdForm, NewPersonForm
from sanxin.households.models import Household, Person
from sanxin.lib import idcard
from tests.factories import sheet_csv, sheet_xlsx, valid_id

FORBIDDEN = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]
CONTROL = ["\x00", "\x07", "\x1b", "\x7f"]
REFUSED = "含有不可见或改变文字方向的字符"
ids = partial(map, lambda c: f"U+{ord(c):04X}")


def _household_data(world, **changes):
    data = {
        "number": "090",
        "villager_group": world.group_a1_1.pk,
        "head_name": "新户主",
        "head_id_number": valid_id(701),
        "address": "大贵口村 9 号",
        "phone": "13912345678",
        "status": "active",
    }
    data.update(changes)
    return data


FORM_FIELDS = [
    (NewHouseholdForm, "number", "户号"),
    (NewHouseholdForm, "head_name", "户主姓名"),
    (NewHouseholdForm, "address", "住址"),
    (NewHouseholdForm, "phone", "联系电话"),
    (NewHouseholdForm, "head_id_number", "户主身份证号"),
    (NewPersonForm, "name", "姓名"),
    (NewPersonForm, "relation", "与户主关系"),
    (NewPersonForm, "phone", "联系电话"),
    (NewPersonForm, "id_number", "身份证号"),
    (MoveForm, "to_number", "户号"),
    (MoveForm, "relation", "在新户中与户主关系"),
    (MoveForm, "reason", "原因"),
]


def _form(world, form_class, **changes):
    if form_class is NewHouseholdForm:
        return NewHouseholdForm(_household_data(world, **changes), village=world.village_a1)
    if form_class is NewPersonForm:
        data = {
            "name": "王小山",
            "id_number": valid_id(702),
            "relation": "子",
            "phone": "",
            "political_status": "masses",
            "cadre_post": "",
        }
    else:
        data = {"to_number": "002", "relation": "子", "moved_on": "2025-05-01", "reason": "分户"}
    return form_class({**data, **changes})


@pytest.mark.parametrize("ch", FORBIDDEN + CONTROL, ids=ids(FORBIDDEN + CONTROL))
@pytest.mark.parametrize(("form_class", "field", "label"), FORM_FIELDS)
def test_each_form_field_refuses_each_character(world, form_class, field, label, ch):
    assert _form(world, form_class).is_valid()
    value = _form(world, form_class).data[field] or "x"
    form = _form(world, form_class, **{field: value[:1] + ch + value[1:]})
    assert not form.is_valid()
    assert form.errors[field][0].startswith(label + REFUSED)


def test_the_new_person_page_refuses_a_reversed_name(world, login):
    client = login(world.users["committee_head"])
    response = client.post(
        f"/households/{world.household.pk}/people/new/",
        {
            "name": "\u202e山大王",
            "id_number": valid_id(703),
            "relation": "子",
            "political_status": "masses",
        },
    )
    assert response.status_code == 200
    assert "姓名" + REFUSED in response.content.decode()
    assert not Person.objects.filter(name__contains="山大王").exists()


def test_a_minority_name_and_full_width_digits_are_accepted(world, login):
    client = login(world.users["committee_head"])
    response = client.post(
        "/households/new/",
        {
            "village": world.village_a1.pk,
            **_household_data(world, number="０９１", head_name="阿卜杜拉·买买提"),
        },
    )
    assert response.status_code == 302
    household = Household.objects.get(village=world.village_a1, number="091")
    assert household.head_name == "阿卜杜拉·买买提"
    assert household.address == "大贵口村 9 号"


# --- the services refuse them too (the import and commands call them) ----------------


@pytest.mark.parametrize("ch", ["\u200b", "\u202e", "\x07"], ids=ids(["\u200b", "\u202e", "\x07"]))
@pytest.mark.parametrize(("field", "label"), [("number", "户号"), ("address", "住址")])
def test_household_services_refuse_them(world, ch, field, label):
    values = {"number": "095", "address": "某地"}
    values[field] = "09" + ch + "5"
    with pytest.raises(ValidationError) as exc:
        services._household_create(
            actor=None, village=world.village_a1, villager_group=world.group_a1_1, **values
        )
    assert exc.value.message_dict[field][0].startswith(label + REFUSED)
    with pytest.raises(ValidationError) as exc:
        services._household_update(actor=None, household=world.household, **{field: values[field]})
    assert field in exc.value.message_dict
    assert not Household.objects.filter(number__startswith="09").exists()


@pytest.mark.parametrize(("field", "label"), [("name", "姓名"), ("relation", "与户主关系")])
def test_person_services_refuse_them(world, field, label):
    data = {"name": "王小山", "relation": "子", field: "王\u2066小山"}
    person_data = services.PersonData(id_number=idcard.parse(valid_id(704)), **data)
    with pytest.raises(ValidationError) as exc:
        services._person_create(actor=None, household=world.household, data=person_data)
    assert exc.value.message_dict[field][0].startswith(label + REFUSED)
    head = Person.objects.get(household=world.household, is_head=True)
    with pytest.raises(ValidationError):
        services._person_update(
            actor=None,
            person=head,
            data=services.PersonData(id_number=None, **{**data, "relation": "户主"})
            if field == "name"
            else services.PersonData(id_number=None, name=head.name, relation="户\u2066主"),
        )


def test_services_normalise_what_they_store(world):
    household = services._household_create(
        actor=None,
        village=world.village_a1,
        villager_group=world.group_a1_1,
        number=" ０９６ ",
        address="大贵口村\u3000 6号",
    )
    assert (household.number, household.address) == ("096", "大贵口村 6号")


# --- the roster import ------------------------------------------------------------------

HEADER = ["户号", "村民小组", "姓名", "与户主关系", "身份证号", "联系电话", "住址"]
ROW = ["101", "第一村民小组", "张建国", "户主", valid_id(601), "13912345678", "大贵口村1号"]


def _import(content: bytes, filename: str, world):
    return importing.import_roster(
        content, filename, world.village_a1, actor=world.users["committee_head"], dry_run=True
    )


@pytest.mark.parametrize("ch", FORBIDDEN, ids=ids(FORBIDDEN))
@pytest.mark.parametrize("column", HEADER)
def test_the_import_reports_row_and_column(world, column, ch):
    row = list(ROW)
    i = HEADER.index(column)
    row[i] = row[i][:1] + ch + row[i][1:]
    result = _import(sheet_xlsx([row], header=HEADER), "roster.xlsx", world)
    assert not result.ok
    problems = [p for p in result.errors if REFUSED in p.message]
    assert [(p.row, p.field) for p in problems] == [(2, column)]
    assert problems[0].message.startswith(column + REFUSED)
    assert len(result.errors) == 1  # and no second, confusing error for the same cell


@pytest.mark.parametrize("ch", CONTROL[1:], ids=ids(CONTROL[1:]))
def test_the_import_refuses_control_characters(world, ch):
    row = list(ROW)
    row[2] = "张" + ch + "建国"
    result = _import(sheet_csv([row], header=HEADER), "roster.csv", world)
    assert [(p.row, p.field) for p in result.errors] == [(2, "姓名")]


def test_the_import_normalises_full_width_digits_and_keeps_the_middle_dot(world):
    row = ["１０２", "第一村民小组", "阿卜杜拉·买买提", "户主", valid_id(605), "", "大贵口村2号"]
    content = sheet_xlsx([row], header=HEADER)
    result = importing.import_roster(
        content, "roster.xlsx", world.village_a1, actor=world.users["committee_head"], dry_run=False
    )
    assert result.ok, result.errors
    household = Household.objects.get(village=world.village_a1, number="102")
    assert household.head_name == "阿卜杜拉·买买提"
    assert Person.objects.get(household=household).birth_date == date(1980, 5, 17)


def test_codes_are_normalised_in_full_text_keeps_chinese_punctuation(world):
    form = NewHouseholdForm(
        _household_data(
            world, number="３－１", phone="０３１４－１２３４５６７", address="村东（老井旁）"
        ),
        village=world.village_a1,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["number"] == "3-1"
    assert form.cleaned_data["phone"] == "0314-1234567"
    assert form.cleaned_data["address"] == "村东（老井旁）"
    household = services._household_create(
        actor=None,
        village=world.village_a1,
        villager_group=world.group_a1_1,
        number="４－２",
        address="村东（老井旁）",
    )
    assert (household.number, household.address) == ("4-2", "村东（老井旁）")
