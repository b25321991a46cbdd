"""The printed notice and certificate, checked the way a reader would: the PDF
opens, the words are there, the font travels inside it. (The QR code itself:
tests/lib/test_qr.py.)"""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from sanxin.lib import pdf
from sanxin.ratings.pdf import CertificateDoc, NoticeDoc, certificate_pdf, notice_pdf

URL = "https://sanxin.example.cn/notice/dagui-kou/2024"
VERIFY_URL = "https://sanxin.example.cn/verify/SX-2024-000123"
GRADES = ["5A", "4A", "3A", "2A", "A", "未评级"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def fake_rows(count: int) -> list[tuple[str, str, str]]:
    """Household number, masked head name and grade label, as the notice gets them."""
    return [
        (f"H{i:04d}", f"{SURNAMES[i % len(SURNAMES)]}*{'明华强'[i % 3]}", GRADES[i % len(GRADES)])
        for i in range(1, count + 1)
    ]


def make_notice(**changes) -> NoticeDoc:
    notice = NoticeDoc(
        village_name="大贵口村",
        town_name="偏桥子镇",
        period="2024年度",
        title="大贵口村2024年度农户信用等级评定结果公示",
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 3, 7),
        rows=[("H0001", "张*峰", "3A"), ("H0002", "欧**明", "5A"), ("H0003", "李*", "未评级")],
        url=URL,
        issued_by="大贵口村评信团",
        contact="可到村委会当面提出，或拨打电话 0314-4321234。",
    )
    return replace(notice, **changes)


def make_certificate(**changes) -> CertificateDoc:
    cert = CertificateDoc(
        serial="SX-2024-000123",
        head_name_masked="张*峰",
        village_name="双滦区 大贵口村",
        grade_label="3A级",
        grade="3A",
        effective_from=date(2025, 3, 8),
        valid_until=date(2026, 3, 7),
        issuer="大贵口村村民委员会",
        verify_url=VERIFY_URL,
        issued_on=date(2025, 3, 10),
    )
    return replace(cert, **changes)


def read(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(content))


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in read(content).pages]


def squeeze(text: str) -> str:
    """Text without white space: a title may wrap anywhere in the page."""
    return "".join(text.split())


def words(text: str) -> list[str]:
    return text.split()


def fonts(content: bytes) -> list:
    """Every font dictionary the pages use."""
    found = []
    for page in read(content).pages:
        resources = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).get_object().values():
            found.append(ref.get_object())
    return found


# --- the notice -------------------------------------------------------------------


def test_notice_shows_title_window_objection_route_names_and_grades():
    text = "\n".join(page_texts(notice_pdf(make_notice())))
    flat = squeeze(text)
    assert "大贵口村2024年度农户信用等级评定结果公示" in flat
    assert "公示期：2025年3月1日至2025年3月7日。" in flat
    assert "如对评定结果有异议，请在公示期内提出。" in flat
    assert "0314-4321234" in flat
    for number, name, grade in make_notice().rows:
        assert number in words(text) and name in words(text) and grade in words(text)
    assert "扫码查看网上公示" in flat
    assert "大贵口村村民委员会（盖章）" in flat
    assert "第1页共1页" in flat


def test_notice_metadata_names_the_document_and_its_issuer():
    meta = read(notice_pdf(make_notice())).metadata
    assert meta.title == "大贵口村2024年度农户信用等级评定结果公示"
    assert meta.author == "大贵口村评信团"


def test_notice_of_300_households_runs_to_about_three_pages_each_row_once():
    rows = fake_rows(300)
    texts = page_texts(notice_pdf(make_notice(rows=rows)))
    assert 2 <= len(texts) <= 4
    numbers_by_page = [[w for w in words(t) if w.startswith("H")] for t in texts]
    every_number = [n for page in numbers_by_page for n in page]
    assert sorted(every_number) == [number for number, _, _ in rows]  # each exactly once
    for page_number, (text, numbers) in enumerate(zip(texts, numbers_by_page, strict=True), 1):
        assert words(text).count("户号") == 3, "the column headers repeat on every page"
        assert f"第{page_number}页共{len(texts)}页" in squeeze(text)
        # a page holds a consecutive run of households, read down each column-group
        first = int(numbers[0][1:])
        assert sorted(numbers) == [f"H{i:04d}" for i in range(first, first + len(numbers))]
    assert "以上共300户。" in squeeze(texts[-1])


def test_notice_rows_read_down_the_first_column_group_first():
    texts = page_texts(notice_pdf(make_notice(rows=fake_rows(9))))
    numbers = [w for w in words(texts[0]) if w.startswith("H")]
    # three rows of three groups: H0001 H0004 H0007 / H0002 H0005 H0008 / ...
    assert numbers[:3] == ["H0001", "H0004", "H0007"]


def test_notice_with_no_households_or_a_very_long_village_name_still_builds():
    long_name = "河北省承德市双滦区偏桥子镇大贵口村第一第二第三村民小组联合" * 3
    notice = make_notice(
        rows=[],
        village_name=long_name,
        title=long_name + "信用评级公示",
        starts_on=None,
        ends_on=None,
        contact="",
    )
    text = squeeze("\n".join(page_texts(notice_pdf(notice))))
    assert "本次公示暂无农户名单。" in text
    assert "公示期：自张贴之日起。" in text
    assert squeeze(long_name) in text


def test_notice_escapes_markup_in_user_text():
    notice = make_notice(village_name="A&B<村>", rows=[("<1>", "王&*", "3A")])
    text = squeeze("\n".join(page_texts(notice_pdf(notice))))
    assert "A&B<村>" in text and "<1>" in text and "王&*" in text


def test_a_name_character_outside_the_font_prints_as_a_box_not_a_crash():
    notice = make_notice(rows=[("H0001", "𠀋*", "3A")])
    text = "\n".join(page_texts(notice_pdf(notice)))
    assert "□*" in words(text)
    assert "\x00" not in text
    cert_text = squeeze(page_texts(certificate_pdf(make_certificate(head_name_masked="𠀋*峰")))[0])
    assert "□*峰户：" in cert_text


# --- the certificate --------------------------------------------------------------


def test_certificate_is_one_landscape_page_with_grade_household_and_validity():
    content = certificate_pdf(make_certificate())
    reader = read(content)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    text = reader.pages[0].extract_text()
    flat = squeeze(text)
    assert "信用等级证书" in flat
    assert "3A" in words(text)
    assert "双滦区大贵口村张*峰户：" in flat
    assert "经村评信团评定、公示，评为3A级信用户。" in flat
    assert "有效期：2025年3月8日至2026年3月7日（下一周期评定结果生效后以新等级为准）" in flat
    assert "证书编号：SX-2024-000123" in flat
    assert "大贵口村村民委员会" in flat and "2025年3月10日" in flat
    assert "扫码核验真伪" in flat
    assert reader.metadata.title == "信用等级证书 SX-2024-000123"
    assert reader.metadata.author == "大贵口村村民委员会"


def test_certificate_with_a_very_long_village_name_stays_on_one_page():
    village = "河北省承德市双滦区偏桥子镇大贵口村第一第二第三村民小组联合" * 4
    reader = read(certificate_pdf(make_certificate(village_name=village)))
    assert len(reader.pages) == 1
    assert "特发此证。" in squeeze(reader.pages[0].extract_text())


# --- the font ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["notice", "certificate"])
def test_every_font_is_embedded_so_it_renders_without_chinese_fonts(kind):
    if kind == "notice":
        content = notice_pdf(make_notice(rows=fake_rows(150)))
    else:
        content = certificate_pdf(make_certificate())
    used = fonts(content)
    assert used
    for font in used:
        assert "SanxinKai" in font["/BaseFont"]
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        assert "/ToUnicode" in font  # the text can be searched and copied


def test_a_configured_full_font_is_used_instead(settings, tmp_path):
    font_file = tmp_path / "Full.ttf"
    shutil.copy(pdf.VENDORED_FONT, font_file)
    settings.SANXIN_PDF_FONT = str(font_file)
    assert pdf.font_name() != pdf.FONT_NAME
    assert "张*峰" in squeeze(page_texts(certificate_pdf(make_certificate()))[0])
    settings.SANXIN_PDF_FONT = None
    assert pdf.font_name() == pdf.FONT_NAME


def test_a_configured_font_that_is_missing_fails_loudly(settings, tmp_path):
    settings.SANXIN_PDF_FONT = str(tmp_path / "nowhere.ttf")
    with pytest.raises(ImproperlyConfigured, match="SANXIN_PDF_FONT"):
        notice_pdf(make_notice())


def test_the_vendored_font_covers_every_character_of_the_documents_own_text():
    pdf.font_name()
    glyphs = pdf.pdfmetrics.getFont(pdf.FONT_NAME).face.charToGlyph
    fixed_text = "".join(
        [
            "信用等级证书扫码核验真伪扫码查看网上公示户号户主等级村民委员会（盖章）特发此证。",
            "经农户积分核算、村评信团评定，现将予以公示（户主姓名已作隐去处理）如对评定结果有异议，",
            "请在公示期内提出异议受理：有效期：至下一周期评定结果生效后以新等级为准本次公示暂无农户名单以上共",
            "第页共年月日□0123456789A",
        ]
    )
    assert [c for c in fixed_text if ord(c) not in glyphs] == []


def test_a_long_title_is_cut_short_in_the_running_header_of_later_pages():
    title = "大贵口村" * 30 + "信用评级公示"
    texts = page_texts(notice_pdf(make_notice(title=title, rows=fake_rows(200))))
    assert len(texts) >= 2
    header = texts[1].splitlines()[0]
    assert header.endswith("…") and header.startswith("大贵口村")
