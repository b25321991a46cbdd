"""Household QR cards (门牌码): the signed token, the printed sheet, and (with the
models) issuing, revoking and scanning."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from sanxin.lib import pdf
from sanxin.lib.qr import make_qr
from sanxin.rewards import cards
from sanxin.rewards.pdf_cards import PER_PAGE, CardDoc, GroupSheet, cards_pdf, plain_words

HOST = "https://sanxin.example.cn"


def card_url(value: str | None = None) -> str:
    return f"{HOST}/shop/c/{cards.token_for_value(value or cards.new_card_value())}/"


def make_cards(count: int, start: int = 1) -> list[CardDoc]:
    return [
        CardDoc(number=f"{i:04d}", head_masked="张*峰" if i % 2 else "欧**明", url=card_url())
        for i in range(start, start + count)
    ]


def page_texts(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def squeeze(text: str) -> str:
    return "".join(text.split())


# --- the token ----------------------------------------------------------------------


def test_a_token_gives_back_its_value_and_a_changed_one_gives_nothing():
    value = cards.new_card_value()
    token = cards.token_for_value(value)
    assert cards.value_from_token(token) == value
    assert cards.value_from_token(value) is None  # unsigned
    forged = cards.new_card_value() + token[len(value) :]  # another value, the old signature
    assert cards.value_from_token(forged) is None
    assert cards.value_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert cards.value_from_token("") is None


def test_a_certificate_signature_does_not_open_a_card():
    from django.core import signing

    from sanxin.ratings.certificates import SALT as CERT_SALT

    value = cards.new_card_value()
    assert cards.value_from_token(signing.Signer(salt=CERT_SALT).sign(value)) is None


def test_card_values_are_random_and_short():
    values = {cards.new_card_value() for _ in range(1000)}
    assert len(values) == 1000
    assert {len(v) for v in values} == {11}


def test_the_card_link_fits_a_small_qr_code():
    """Version 6 (41 × 41 modules) for a host of this length: at 38 mm a module is
    0.8 mm, easy for any phone camera."""
    assert make_qr(card_url()).version <= 6


# --- the printed sheet ----------------------------------------------------------------


def test_each_group_starts_a_page_and_a_page_holds_eight_cards():
    first = GroupSheet(
        village_name="大贵口村", group_name="第一组", town_name="偏桥子镇", cards=make_cards(11)
    )
    second = GroupSheet(village_name="大贵口村", group_name="第二组", cards=make_cards(3, 101))
    empty = GroupSheet(village_name="大贵口村", group_name="第三组", cards=[])
    texts = page_texts(cards_pdf([first, second, empty], title="大贵口村门牌码", author="超市"))
    assert len(texts) == 3  # 8 + 3 of the first group, 3 of the second; none for the third
    assert PER_PAGE == 8
    numbers = [[w for w in t.split() if w.isdigit() and len(w) == 4] for t in texts]
    assert numbers == [
        [f"{i:04d}" for i in range(1, 9)],
        ["0009", "0010", "0011"],
        ["0101", "0102", "0103"],
    ]
    assert "偏桥子镇大贵口村第一组门牌码第1页共2页" in squeeze(texts[0])
    assert "偏桥子镇大贵口村第一组门牌码第2页共2页" in squeeze(texts[1])
    assert "大贵口村第二组门牌码第1页共1页" in squeeze(texts[2])
    assert "第三组" not in "".join(texts)


def test_every_card_shows_place_number_masked_head_and_plain_words():
    sheet = GroupSheet(village_name="大贵口村", group_name="第一组", cards=make_cards(3))
    text = squeeze(page_texts(cards_pdf([sheet], title="t", author="a"))[0])
    assert text.count(squeeze(plain_words())) == 3
    assert text.count("大贵口村第一组") == 3 + 1  # each card and the page heading
    assert text.count("户号") == 3 and text.count("户主") == 3
    assert text.count("张*峰") == 2 and text.count("欧**明") == 1
    assert squeeze(plain_words()) == "超市扫码兑换·他人扫码可查验信用等级"


def test_no_cards_at_all_prints_one_page_saying_so():
    texts = page_texts(cards_pdf([], title="t", author="a"))
    assert len(texts) == 1 and "没有可打印的门牌码" in squeeze(texts[0])


def test_long_names_are_cut_short_and_rare_characters_print_as_boxes():
    long = "河北省承德市双滦区偏桥子镇大贵口村第一第二第三村民小组联合" * 2
    sheet = GroupSheet(
        village_name=long,
        group_name="第一组",
        cards=[CardDoc(number="0001-东院-" * 4, head_masked="𠀋*峰", url=card_url())],
    )
    text = squeeze(page_texts(cards_pdf([sheet], title="t", author="a"))[0])
    assert "□*峰" in text
    assert "…" in text


def test_the_font_is_embedded_and_covers_the_cards_fixed_words():
    content = cards_pdf(
        [GroupSheet(village_name="大贵口村", group_name="第一组", cards=make_cards(2))],
        title="大贵口村门牌码",
        author="积分超市",
    )
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata.title == "大贵口村门牌码"
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "SanxinKai" in font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
    pdf.font_name()
    glyphs = pdf.pdfmetrics.getFont(pdf.FONT_NAME).face.charToGlyph
    fixed = plain_words() + "农户信用门牌码户号户主第页共没有可打印的。"
    assert [c for c in fixed if ord(c) not in glyphs] == []


@pytest.mark.parametrize("count", [1, 8, 9])
def test_sheets_of_any_size_build(count):
    sheet = GroupSheet(village_name="村", group_name="组", cards=make_cards(count))
    assert len(page_texts(cards_pdf([sheet], title="t", author="a"))) == -(-count // 8)
