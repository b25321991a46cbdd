"""Free text typed or imported by users, made safe to show to other people.

Names, addresses, household numbers, reasons and notes end up on public notices
and on other users' screens. Characters that show nothing or turn the text around
(zero-width spaces, bidirectional controls, control characters) would make a name
look blank or a household number read backwards, so they are refused with a
message naming the field; everything else is normalised:

* NFKC, so full-width letters and digits ("００２") and other lookalike letters
  become the plain ones ("002") — except compatibility punctuation and symbols
  Chinese text uses as they are (the full-width comma and brackets "，（）",
  "……", "①", "㎡"), which stay;
* trimmed; in a single-line field every run of whitespace becomes one space.

`clean_line` and `clean_text` are the functions (services call them),
`clean_cells` the spreadsheet imports' use of them (row, column and reason
reported like the imports' other problems), and `LineField` and `TextField` the
form fields that apply them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# Invisible characters that are not format (Cf) characters: Hangul fillers, the
# blank Braille pattern and the combining grapheme joiner. They show as nothing.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
# Radicals whose NFKC form is the ideograph they look like: normalised, not kept.
_RADICALS = (0x2E80, 0x2FDF)
_LINE_BREAKS = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
_MULTILINE_ALLOWED = frozenset("\n\t")


def _message(label: str, ch: str, position: int) -> str:
    return (
        f"{str(label)}含有不可见或改变文字方向的字符（U+{ord(ch):04X}，第 {position} 个字符），"
        "请删除后重新输入"
    )


def forbidden(ch: str) -> bool:
    """Whether `ch` shows nothing or changes the direction of the text around it:
    format characters (zero-width spaces and joiners, U+FEFF, the bidirectional
    marks, embeddings, overrides and isolates, U+061C, soft hyphen, tags…),
    control characters, lone surrogates and invisible fillers. Private-use and
    unassigned code points are allowed: rare characters in names are sometimes
    typed from a private-use font, or come from a CJK extension newer than Python's
    Unicode tables."""
    category = unicodedata.category(ch)
    return category in ("Cf", "Cc", "Cs") or ch in _INVISIBLE_EXTRA


_EXTRA_PATTERN = re.compile("[" + "".join(sorted(_INVISIBLE_EXTRA)) + "]")


def first_forbidden(value: str, *, allowed: frozenset[str] = frozenset()) -> tuple[str, int] | None:
    """The first forbidden character of `value` and its 1-based position, or None."""
    if value.isprintable() and _EXTRA_PATTERN.search(value) is None:
        # No Cc, Cf or Cs character (str.isprintable refuses them all) nor an extra.
        return None
    for i, ch in enumerate(value, start=1):
        if ch not in allowed and forbidden(ch):
            return ch, i
    return None


@lru_cache(maxsize=4096)
def _keeps_form(ch: str) -> bool:
    """Whether NFKC would change how this character reads in Chinese text: full-width
    punctuation and symbols, the ellipsis, circled numbers, unit signs."""
    if unicodedata.normalize("NFKC", ch) == ch:
        return False
    if _RADICALS[0] <= ord(ch) <= _RADICALS[1]:
        return False
    category = unicodedata.category(ch)
    return category[0] in "PS" or category == "No"


def nfkc(value: str) -> str:
    """NFKC, leaving the compatibility punctuation and symbols Chinese text uses."""
    if value.isascii():
        return value
    parts: list[str] = []
    run_start = 0
    for i, ch in enumerate(value):
        if not ch.isascii() and _keeps_form(ch):
            parts.append(unicodedata.normalize("NFKC", value[run_start:i]))
            parts.append(ch)
            run_start = i + 1
    parts.append(unicodedata.normalize("NFKC", value[run_start:]))
    return "".join(parts)


def _error(message: str, field: str | None) -> ValidationError:
    return ValidationError({field: message}) if field else ValidationError(message)


def clean_line(
    value: object, field_label: str, *, field: str | None = None, code: bool = False
) -> str:
    """One line of text (a name, an address, a reason): normalised, trimmed, inner
    whitespace (line breaks and tabs too) collapsed to one space. Raises
    ValidationError naming `field_label` when it holds an invisible,
    direction-changing or control character; with `field`, the error is keyed by
    that field name. A `code` (a household number, a phone or ID number) is
    normalised in full: its full-width punctuation becomes ASCII too ("3－1" is "3-1")."""
    text = "" if value is None else str(value)
    # Line breaks and tabs are whitespace here and collapse with the rest.
    found = first_forbidden(text, allowed=frozenset("\t\n\r"))
    if found is None:
        text = unicodedata.normalize("NFKC", text) if code else nfkc(text)
        found = first_forbidden(text, allowed=frozenset("\t\n\r"))
    if found is not None:
        raise _error(_message(field_label, *found), field)
    return " ".join(text.split())


def clean_text(value: object, field_label: str, *, field: str | None = None) -> str:
    """Several lines of text (evidence, notes): as `clean_line`, except that line
    breaks and tabs stay (line endings become "\\n") and only the ends are trimmed."""
    text = "" if value is None else str(value)
    text = _LINE_BREAKS.sub("\n", text)
    found = first_forbidden(text, allowed=_MULTILINE_ALLOWED)
    if found is None:
        text = nfkc(text)
        found = first_forbidden(text, allowed=_MULTILINE_ALLOWED)
    if found is not None:
        raise _error(_message(field_label, *found), field)
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def clean_cell(value: Any, column: str, *, code: bool = False) -> tuple[Any, str | None]:
    """A spreadsheet cell: text through `clean_line`, anything else as it is, with
    the reason when a character is refused (the cell is then read without it, so
    the rest of the row's checks raise no second error for it)."""
    if not isinstance(value, str):
        return value, None
    try:
        return clean_line(value, column, code=code), None
    except ValidationError as exc:
        kept = " ".join("".join(ch for ch in value if not forbidden(ch)).split())
        return kept, exc.messages[0]


def clean_cells(
    values: dict[str, Any], *, codes: frozenset[str] | set[str] = frozenset()
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A row's cells by column header, each through `clean_cell` (the `codes`
    columns as codes), and the (column, reason) of every refused one."""
    cleaned: dict[str, Any] = {}
    refused: list[tuple[str, str]] = []
    for column, value in values.items():
        cleaned[column], reason = clean_cell(value, column, code=column in codes)
        if reason is not None:
            refused.append((column, reason))
    return cleaned, refused


class LineField(forms.CharField):
    """A single-line text field cleaned by `clean_line` after the usual stripping;
    the error names `subject` (default: the field's label). `code=True` for a
    household number, a phone or an ID number."""

    def __init__(self, *args, subject: str | None = None, code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        self.code = code

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return self.clean_value(value, str(self.subject or self.label or ""))

    def clean_value(self, value: str, label: str) -> str:
        return clean_line(value, label, code=self.code)


class TextField(LineField):
    """A multi-line text field cleaned by `clean_text`."""

    def clean_value(self, value: str, label: str) -> str:
        return clean_text(value, label)


def mask_name(name: str) -> str:
    """A name as the 公示 prints it, first and last characters kept: 张三峰→张*峰,
    张三→张*, 欧阳小明→欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
