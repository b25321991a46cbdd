"""sanxin.lib.text: invisible, direction-changing and control characters refused
with the field named; NFKC that leaves Chinese punctuation alone."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sanxin.lib import idcard
from sanxin.lib.text import LineField, TextField, clean_line, clean_text, forbidden
from tests.factories import valid_id

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
BIDI = [
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
CONTROL = ["\x00", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\x9b"]
OTHER_INVISIBLE = ["\u00ad", "\u3164", "\u115f", "\u2800", "\U000e0041"]
FORBIDDEN = ZERO_WIDTH + BIDI + CONTROL + OTHER_INVISIBLE


@pytest.mark.parametrize("ch", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_forbidden_character_is_refused_naming_the_field(ch, where):
    value = {"start": ch + "王大山", "middle": "王大" + ch + "山", "end": "王大山" + ch}[where]
    with pytest.raises(ValidationError) as exc:
        clean_line(value, "姓名")
    (message,) = exc.value.messages
    assert message.startswith("姓名含有不可见或改变文字方向的字符")
    assert f"U+{ord(ch):04X}" in message and "请删除后重新输入" in message


@pytest.mark.parametrize(
    "ch", ZERO_WIDTH + BIDI + ["\x07", "\x0b"], ids=lambda c: f"U+{ord(c):04X}"
)
def test_multi_line_text_refuses_them_too(ch):
    with pytest.raises(ValidationError, match="事实与依据含有不可见"):
        clean_text("第一行\n第二" + ch + "行", "事实与依据")


def test_the_error_can_be_keyed_by_field():
    with pytest.raises(ValidationError) as exc:
        clean_line("00\u202e1", "户号", field="number")
    assert list(exc.value.message_dict) == ["number"]


@pytest.mark.parametrize(
    "value",
    [
        "阿卜杜拉·买买提",
        "王大山",
        "欧阳 娜娜",
        "因违反村规，扣分（见附件）；另：“卫生”不合格……",
        "① 门前三包 ② 庭院整洁",
        "院内面积约 120㎡，温度 30℃",
        "大贵口村 3 组 12 号",
    ],
)
def test_legitimate_chinese_text_is_kept_as_it_is(value):
    assert clean_line(value, "x") == value
    assert clean_text(value, "x") == value


def test_full_width_digits_and_letters_become_ascii():
    assert clean_line("００２", "户号") == "002"
    assert clean_line("Ａ区１２号", "户号") == "A区12号"
    assert clean_line("𝟎𝟎𝟐", "户号") == "002"  # mathematical bold digits
    assert clean_line("⼀组", "村民小组") == "一组"  # the Kangxi radical that looks like 一


def test_whitespace_is_trimmed_and_collapsed_in_a_line_kept_in_text():
    assert clean_line("\u3000 大贵口村\t 1号 \u00a0", "住址") == "大贵口村 1号"
    assert clean_line("王\n大山", "姓名") == "王 大山"
    assert clean_text(" 第一行\r\n\t第二行  \r第三行\u2028第四行 ", "备注") == (
        "第一行\n\t第二行\n第三行\n第四行"
    )


def test_id_numbers_survive_normalisation():
    number = valid_id(18)  # ends in X
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    assert idcard.parse(clean_line(full_width, "身份证号")).value == number
    assert idcard.parse(clean_line(number.lower(), "身份证号")).value == number


class _Form(forms.Form):
    name = LineField(label="姓名", max_length=5)
    evidence = TextField(label="理由（必填）", subject="理由", required=False)


def test_form_fields_clean_and_name_the_field():
    form = _Form({"name": " ００１ ", "evidence": "甲\r\n乙"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "001", "evidence": "甲\n乙"}
    form = _Form({"name": "王\u200b山", "evidence": "\u202e反"})
    assert not form.is_valid()
    assert form.errors["name"][0].startswith("姓名含有不可见")
    assert form.errors["evidence"][0].startswith("理由含有不可见")


def test_max_length_counts_the_normalised_value():
    assert _Form({"name": "１２３４５"}).is_valid()


_SAFE = st.characters(
    blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"),
    blacklist_characters="".join(OTHER_INVISIBLE),
)


@given(st.text(_SAFE, max_size=30))
def test_clean_line_is_idempotent_and_leaves_nothing_forbidden(value):
    cleaned = clean_line(value, "x")
    assert clean_line(cleaned, "x") == cleaned
    assert not any(forbidden(ch) for ch in cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned


@given(st.text(_SAFE, max_size=20), st.sampled_from(FORBIDDEN), st.text(_SAFE, max_size=20))
def test_any_forbidden_character_anywhere_is_refused(before, ch, after):
    with pytest.raises(ValidationError):
        clean_line(before + ch + after, "x")
    if ch != "\x85":  # NEL is a line break in multi-line text
        with pytest.raises(ValidationError):
            clean_text(before + ch + after, "x")


_CHINESE = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK unified ideographs
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),  # extension A
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),  # extension B
    st.sampled_from("·，。、；：？！“”‘’（）《》【】…—～〇々①②㎡℃"),
)


@given(st.text(_CHINESE, min_size=1, max_size=30))
def test_chinese_text_and_punctuation_are_never_changed(value):
    assert clean_line(value, "x") == value
    assert clean_text(value, "x") == value


def test_an_id_number_in_other_digits_is_refused_not_stored_as_another_person():
    """Arabic-Indic digits are decimal digits to Python's \\d; a number written in
    them would be a second registration of the same person."""
    number = valid_id(18)
    arabic = number[:2] + number[2:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(idcard.IdNumberError):
        idcard.parse(clean_line(arabic + number[17], "身份证号"))
