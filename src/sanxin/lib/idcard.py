"""Resident identity numbers (居民身份证号码) as GB 11643-1999 defines them.

An 18-character number: 6-digit administrative division code, 8-digit birth date,
3-digit sequence code (odd for men, even for women) and an ISO 7064 MOD 11-2
check character (0-9 or X).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK_CHARS = "10X98765432"
# Province-level codes in use (GB/T 2260), plus 71/81/82 for Taiwan, Hong Kong, Macao.
_PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


class IdNumberError(ValueError):
    """Why a string is not a valid identity number, in plain Chinese."""


@dataclass(frozen=True)
class IdNumber:
    value: str

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def sex(self) -> str:
        return "M" if int(self.value[16]) % 2 == 1 else "F"

    @property
    def masked(self) -> str:
        return mask(self.value)


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise(raw: object) -> str:
    """Full-width digits to ASCII, lowercase x to X, spaces removed."""
    text = str(raw).translate(_FULLWIDTH).replace("x", "X")
    return re.sub(r"[\s\u3000'‘’]", "", text)


def parse(raw: object, *, today: date | None = None) -> IdNumber:
    """Validate and normalise; raise IdNumberError with a reason a clerk understands."""
    if raw is None or str(raw).strip() == "":
        raise IdNumberError("身份证号为空")
    if isinstance(raw, float) or (isinstance(raw, int) and not isinstance(raw, bool)):
        raise IdNumberError(
            "身份证号被 Excel 存成了数字，后几位已经丢失；请把该列设为“文本”后重新填写"
        )
    text = normalise(raw)
    if _SCIENTIFIC.match(text):
        raise IdNumberError(
            f"身份证号“{text}”被 Excel 转成了科学计数法，后几位已经丢失；请把该列设为“文本”后重新填写"
        )
    if len(text) != 18:
        raise IdNumberError(f"身份证号应为 18 位，这里是 {len(text)} 位")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text):  # ASCII: \d matches other scripts
        raise IdNumberError("身份证号只能由数字组成，最后一位可以是 X")
    if text[:2] not in _PROVINCES:
        raise IdNumberError(f"身份证号前两位“{text[:2]}”不是有效的省级行政区划代码")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期“{text[6:14]}”不存在") from None
    today = today or timezone.localdate()
    if born > today or born.year < 1900:
        raise IdNumberError(f"身份证号中的出生日期“{text[6:14]}”不合理")
    expected = check_char(text[:17])
    if text[17] != expected:
        raise IdNumberError("身份证号校验位不正确，请核对是否抄错")
    return IdNumber(text)


def is_valid(raw: object) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


MASK_SHOWN_TAIL = 2  # characters shown at the end; docs/access.md has the arithmetic


def mask(value: str) -> str:
    """130803**********3X: the region code and the last two characters only.

    The birth date and the first two sequence digits stay hidden, so even someone who
    also knows the person's birth year and sex is left with about 3,300 candidate
    numbers (365 days x 100 sequence pairs / 11 check characters); showing the last
    four would leave about 33."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * (18 - 6 - MASK_SHOWN_TAIL) + value[-MASK_SHOWN_TAIL:]


def last_digits(value: str) -> str:
    """The last four characters, the part people search by ("身份证号后四位")."""
    return value[-4:]
