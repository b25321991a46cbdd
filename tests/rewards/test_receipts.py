"""The printed receipt, read back the way a villager or an auditor would: the PDF
opens, the words and numbers are there and add up, the font travels inside it, the
A6 sheet is A6 and the thermal strip is one 58 mm wide page."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.lib.units import mm

from sanxin.rewards.receipts import (
    ReceiptDoc,
    ReceiptLine,
    points_text,
    receipt_58mm_pdf,
    receipt_a6_pdf,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def line(name: str, unit: str, quantity: int, each: str) -> ReceiptLine:
    return ReceiptLine(
        name=name,
        unit=unit,
        quantity=quantity,
        unit_points=Decimal(each),
        points=Decimal(each) * quantity,
    )


def make_receipt(**changes) -> ReceiptDoc:
    lines = changes.pop(
        "lines",
        [line("毛巾", "条", 2, "15"), line("洗衣液", "瓶", 1, "30.5"), line("大米", "袋", 1, "80")],
    )
    total = sum((item.points for item in lines), Decimal(0))
    receipt = ReceiptDoc(
        shop_name="大贵口村积分超市",
        number="DGK-20250301-0007",
        occurred_at=datetime(2025, 3, 1, 6, 5, tzinfo=ZoneInfo("UTC")),  # 14:05 in Shanghai
        head_name_masked="张*峰",
        household_number="0012",
        village_name="大贵口村",
        lines=lines,
        total=total,
        balance_after=Decimal("59.5"),
        clerk="王*丽",
        collected_by="张*峰（户主）",
        url="https://sanxin.example.cn/shop/receipts/7/",
    )
    return replace(receipt, **changes)


def read(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(content))


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(content).pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


def embedded_fonts(content: bytes) -> list[str]:
    """The base names of the fonts the pages use that carry their glyphs inside."""
    names = []
    for page in read(content).pages:
        fonts = page["/Resources"].get_object().get("/Font", {}).get_object()
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.append(str(font["/BaseFont"]))
            else:
                names.append(f"NOT EMBEDDED {font['/BaseFont']}")
    return names


BUILDERS = [receipt_a6_pdf, receipt_58mm_pdf]


@pytest.mark.parametrize("build", BUILDERS)
def test_receipt_shows_who_what_when_and_the_numbers(build):
    flat = squeeze(text_of(build(make_receipt())))
    for words in (
        "大贵口村积分超市",
        "积分兑换凭证",
        "凭证号：DGK-20250301-0007",
        "时间：2025-03-0114:05",  # in Shanghai time
        "户号：0012",
        "户主：张*峰",
        "毛巾",
        "15分/条",
        "洗衣液",
        "30.5分/瓶",
        "合计：140.5分",  # 2×15 + 30.5 + 80
        "兑换后余额：59.5分",
        "领取人：张*峰（户主）",
        "经办人：王*丽",
        "扫码在手机上查看本凭证",
    ):
        assert words in flat, words


@pytest.mark.parametrize("build", BUILDERS)
def test_the_font_travels_inside_the_pdf(build):
    fonts = embedded_fonts(build(make_receipt()))
    assert fonts and all("SanxinKai" in name for name in fonts), fonts


def test_a6_is_a6_and_the_strip_is_one_58mm_page():
    a6 = read(receipt_a6_pdf(make_receipt())).pages[0].mediabox
    assert (round(float(a6.width) / mm), round(float(a6.height) / mm)) == (105, 148)
    many = [line(f"商品{i:02d}号（大包装）", "件", 1 + i % 3, "2.5") for i in range(40)]
    strip = read(receipt_58mm_pdf(make_receipt(lines=many)))
    assert len(strip.pages) == 1, "a thermal receipt is one strip, however long"
    box = strip.pages[0].mediabox
    assert round(float(box.width) / mm) == 58
    assert float(box.height) > 200 * mm
    flat = squeeze(text_of(receipt_58mm_pdf(make_receipt(lines=many))))
    assert all(f"商品{i:02d}号" in flat for i in range(40))


def test_a_long_a6_receipt_runs_on_with_every_item_once():
    many = [line(f"商品{i:02d}号", "件", 1, "1") for i in range(60)]
    reader = read(receipt_a6_pdf(make_receipt(lines=many)))
    assert len(reader.pages) >= 2
    found = re.findall(r"商品(\d\d)号", squeeze(text_of(receipt_a6_pdf(make_receipt(lines=many)))))
    assert sorted(found) == [f"{i:02d}" for i in range(60)]


def test_a_voided_receipt_says_so_and_a_paper_slip_says_where_it_came_from():
    flat = squeeze(
        text_of(receipt_a6_pdf(make_receipt(status="已作废", note="纸质凭单补录，凭单号 12")))
    )
    assert "已作废" in flat and "纸质凭单补录，凭单号12" in flat


def test_a_receipt_without_a_link_prints_no_qr_caption():
    flat = squeeze(text_of(receipt_58mm_pdf(make_receipt(url=""))))
    assert "扫码" not in flat and "合计：140.5分" in flat


def test_characters_the_font_lacks_print_as_a_box_not_blank():
    flat = squeeze(text_of(receipt_a6_pdf(make_receipt(head_name_masked="𠀋*峰"))))
    assert "户主：□*峰" in flat


def test_metadata_names_the_receipt_and_the_shop():
    meta = read(receipt_a6_pdf(make_receipt())).metadata
    assert meta.title == "兑换凭证 DGK-20250301-0007"
    assert meta.author == "大贵口村积分超市"


def test_a_receipt_that_does_not_add_up_is_refused_before_printing():
    with pytest.raises(ValueError, match="total"):
        make_receipt().__class__(**{**make_receipt().__dict__, "total": Decimal("141")})
    wrong_line = ReceiptLine("毛巾", "条", 2, Decimal("15"), Decimal("15"))
    with pytest.raises(ValueError, match="does not add up"):
        make_receipt(lines=[wrong_line])
    with pytest.raises(ValueError, match="quantity"):
        make_receipt(lines=[ReceiptLine("毛巾", "条", 0, Decimal("15"), Decimal("0"))])


@pytest.mark.parametrize(
    ("value", "text"),
    [("12", "12"), ("12.00", "12"), ("12.50", "12.5"), ("0.25", "0.25"), ("1E+2", "100")],
)
def test_points_print_without_trailing_zeros(value, text):
    assert points_text(Decimal(value)) == text


quantities = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=20),
        st.decimals(min_value="0.5", max_value="500", places=1),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=15, deadline=None)
@given(quantities)
def test_the_printed_total_is_the_sum_of_the_printed_lines(items):
    lines = [line(f"货品{i}", "个", q, str(each)) for i, (q, each) in enumerate(items)]
    flat = squeeze(text_of(receipt_58mm_pdf(make_receipt(lines=lines))))
    printed_total = Decimal(re.search(r"合计：([\d.]+)分", flat).group(1))
    assert printed_total == sum((Decimal(str(e)) * q for q, e in items), Decimal(0))
    for i, (q, each) in enumerate(items):
        each_text = points_text(Decimal(str(each)))
        line_text = points_text(Decimal(str(each)) * q)
        assert f"货品{i}{each_text}分/个{q}{line_text}" in flat


# --- the HTML receipt (the page, the villager's phone, the printed strip) ----------


def visible_text(html: str) -> str:
    return squeeze(re.sub(r"<[^>]+>", " ", html))


def test_the_html_receipt_shows_what_the_pdf_shows():
    from django.template.loader import render_to_string

    flat = visible_text(
        render_to_string("rewards/counter/_receipt.html", {"receipt": make_receipt()})
    )
    for words in (
        "大贵口村积分超市",
        "凭证号DGK-20250301-0007",
        "时间2025-03-0114:05",
        "户号0012",
        "户主张*峰",
        "毛巾15分/条230",
        "洗衣液30.5分/瓶130.5",
        "合计：140.5分",
        "兑换后余额：59.5分",
        "领取人张*峰（户主）",
        "经办人王*丽",
    ):
        assert words in flat, words


def test_the_print_page_is_a_58mm_strip_when_printed():
    from django.template.loader import render_to_string

    html = render_to_string(
        "rewards/counter/receipt_print.html",
        {"receipt": make_receipt(status="已作废"), "back_url": "/shop/"},
    )
    # The print rules are a stylesheet of their own (no inline style under the CSP).
    from pathlib import Path

    from django.contrib.staticfiles import finders

    assert "/static/sanxin/receipt-print.css" in html
    sheet = Path(finders.find("sanxin/receipt-print.css")).read_text(encoding="utf-8")
    assert "@page { size: 58mm auto" in sheet and "@media print" in sheet
    assert "已作废" in visible_text(html) and "打印小票" in visible_text(html)
