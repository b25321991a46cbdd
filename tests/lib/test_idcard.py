from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanxin.lib import idcard
from tests.factories import valid_id


def test_valid_number_parses_with_birth_date_and_sex():
    number = idcard.parse("11010519491231002X")
    assert number.value == "11010519491231002X"
    assert number.birth_date == date(1949, 12, 31)
    assert number.sex == "F"
    assert number.masked == "110105**********2X"


def test_lowercase_x_and_fullwidth_digits_are_normalised():
    assert idcard.parse("11010519491231002x").value == "11010519491231002X"
    assert idcard.parse("１１０１０５１９４９１２３１００２Ｘ").value == "11010519491231002X"
    assert idcard.parse(" 110105 19491231 002X ").value == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "校验位"),
        ("1.30803E+17", "科学计数法"),
        (1.30803e17, "数字"),
        (130803198005170011, "数字"),
        ("11010519491231002", "18 位"),
        ("99010519491231002X", "省级行政区划"),
        ("110105194902300028", "出生日期"),
        ("110105209901010028", "不合理"),
        ("", "为空"),
        ("11010519491231A02X", "数字"),
    ],
)
def test_invalid_numbers_give_a_reason(raw, reason):
    with pytest.raises(idcard.IdNumberError) as excinfo:
        idcard.parse(raw, today=date(2026, 11, 25))
    assert reason in str(excinfo.value)


@given(st.integers(0, 999), st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31)))
def test_any_generated_number_round_trips(seq, birth):
    value = valid_id(seq, birth=birth)
    parsed = idcard.parse(value)
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if seq % 2 else "F")


@given(st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_a_single_changed_digit_is_caught(seq, position, delta):
    value = valid_id(seq)
    digit = (int(value[position]) + delta) % 10
    tampered = value[:position] + str(digit) + value[position + 1 :]
    assert not idcard.is_valid(tampered)
