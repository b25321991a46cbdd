"""Crafted spreadsheets are refused, each with its message, before they are read
far, in bounded memory (the time each takes is measured by bench/crafted_uploads.py;
unit tests assert no durations)."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from sanxin.lib import spreadsheet
from sanxin.lib.sheet_reader import Limits, UnreadableFile
from tests import crafted_files as crafted
from tests.factories import sheet_csv, sheet_xlsx

PEAK_BYTES = 60 * 1024 * 1024  # Python-allocated memory while reading one file


def read(content: bytes, suffix: str = "xlsx", **limits: int):
    tracemalloc.start()
    try:
        return spreadsheet.read_grid(
            content, f"f.{suffix}", limits=Limits.from_settings(**limits) if limits else None
        )
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MiB"


def refused(content: bytes, suffix: str = "xlsx", **limits: int) -> str:
    with pytest.raises(UnreadableFile) as exc:
        read(content, suffix, **limits)
    return str(exc.value)


def test_a_million_stored_empty_rows_are_refused_at_the_limit():
    content = crafted.million_empty_rows()
    assert len(content) < 3 * 1024 * 1024
    assert "文件存有超过 200,000 行（空行也算在内）" in refused(content)


def test_a_sheet_declaring_every_cell_reads_only_its_values():
    assert read(crafted.declared_whole_sheet()) == [("户号",)]


def test_a_value_past_the_row_limit_names_its_row():
    message = refused(crafted.value_in_the_last_row())
    assert message.startswith(
        "文件超过 100,010 行的上限（第 1,048,576 行），请分成几个文件分批导入"
    )


def test_a_value_just_past_a_lowered_row_limit():
    rows = [[f"{i:03d}", "张三"] for i in range(1, 6)]
    content = sheet_xlsx(rows, header=["户号", "姓名"])
    assert len(read(content, rows=6)) == 6
    assert "文件超过 5 行的上限（第 6 行）" in refused(content, rows=5)
    csv_content = sheet_csv(rows, header=["户号", "姓名"], encoding="utf-8")
    assert "文件超过 5 行的上限（第 6 行）" in refused(csv_content, "csv", rows=5)


def test_trailing_empty_rows_are_not_read():
    content = crafted.xlsx([[crafted.inline_row(1, ["户号"]), crafted.inline_row(2, ["001"])]])
    assert read(content) == [("户号",), ("001",)]
    styled = crafted.xlsx(
        [
            [crafted.inline_row(1, ["户号"])]
            + [f'<row r="{i}"><c r="A{i}" s="1"/></row>'.encode() for i in range(2, 1001)]
        ]
    )
    assert read(styled) == [("户号",)]


def test_prefixed_element_names_are_read_and_bounded_alike():
    rows = [
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>户号</x:t></x:is></x:c></x:row>'.encode(),
        b'<x:row r="2"><x:c r="A2"><x:v>7</x:v></x:c></x:row>',
    ]
    assert read(crafted.xlsx([rows], prefix="x:")) == [("户号",), (7,)]
    far = [b'<x:row r="130000"><x:c r="A130000"><x:v>7</x:v></x:c></x:row>']
    assert "第 130,000 行" in refused(crafted.xlsx([far], prefix="x:"))


def test_a_huge_shared_strings_table_is_refused():
    assert "不同的文字内容超过 600,000 项" in refused(crafted.huge_shared_strings())


def test_a_zip_bomb_member_is_refused_before_unpacking():
    content = crafted.zip_bomb_member(200 * 1024 * 1024)
    assert len(content) < 1024 * 1024
    assert "解压后过大" in refused(content)


def test_a_padded_sheet_is_refused_before_unpacking():
    assert "解压后过大" in refused(crafted.padded_sheet(100 * 1024 * 1024))


def test_many_sheets_are_refused():
    assert "解压后过大" in refused(crafted.many_sheets(400))
    assert "工作表超过 50 个" in refused(crafted.many_sheets(60))


def test_a_row_as_wide_as_the_sheet_is_refused():
    assert "文件超过 60 列的上限（第 1 行第 BI 列有内容）" in refused(crafted.wide_row())


def test_a_row_storing_more_cells_than_a_sheet_has_columns_is_refused():
    assert "无法读取该 Excel 文件" in refused(crafted.repeated_cell(20_000))


def test_a_dtd_is_refused():
    assert "无法读取该 Excel 文件" in refused(crafted.entity_expansion())


def test_a_file_past_the_size_limit_is_refused():
    assert "文件超过 1 MB" in refused(b"x" * (2 * 1024 * 1024), "csv", file_bytes=1024 * 1024)


def test_csv_lines_are_bounded():
    assert "文件存有超过 200,000 行（空行也算在内）" in refused(crafted.many_lines_csv(), "csv")
    assert "CSV 文件第 2 行超过 100,000 个字符" in refused(crafted.long_line_csv(), "csv")


def test_csv_trailing_empty_lines_and_encodings():
    text = "户号,姓名\r\n001,张三\r\n,\r\n\r\n"
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        assert read(text.encode(encoding), "csv") == [("户号", "姓名"), ("001", "张三")]
    assert read("户号\t姓名\n\n001\t张三\n".encode(), "csv") == [
        ("户号", "姓名"),
        (),
        ("001", "张三"),
    ]


def test_limits_come_from_the_settings(settings):
    settings.SANXIN_IMPORT_LIMITS = {"rows": 2, "unknown": 5}
    content = sheet_xlsx([["001", "张三"], ["002", "李四"]], header=["户号", "姓名"])
    with pytest.raises(UnreadableFile, match="文件超过 2 行的上限（第 3 行）"):
        spreadsheet.read_grid(content, "f.xlsx")


@pytest.mark.parametrize(
    ("url", "user", "make", "message"),
    [
        ("/households/import/", "committee_head", crafted.million_empty_rows, "空行也算在内"),
        ("/households/import/", "committee_head", crafted.wide_row, "60 列的上限"),
        ("/points/import/", "subteam_member", crafted.value_in_the_last_row, "第 1,048,576 行"),
    ],
)
def test_a_crafted_upload_is_a_page_with_the_message(
    world, scheme, login, url, user, make, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanxin.households.models import PendingImport

    response = login(world.users[user]).post(
        url, {"village": world.village_a1.pk, "file": SimpleUploadedFile("roster.xlsx", make())}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "确认导入" not in html
    assert not PendingImport.objects.exists()


def test_every_limit_has_its_setting():
    from dataclasses import fields

    from django.conf import settings

    assert set(settings.SANXIN_IMPORT_LIMITS) == {f.name for f in fields(Limits)}


def test_a_part_read_whole_is_bounded_in_elements():
    styles = b"".join(f'<xf numFmtId="{i * 7919 % 10**6}"/>'.encode() for i in range(60_000))
    content = crafted.xlsx(
        [[crafted.inline_row(1, ["户号"])]],
        extra={
            "xl/styles.xml": [
                f'<styleSheet xmlns="{crafted.MAIN}">'.encode(),
                styles,
                b"</styleSheet>",
            ]
        },
    )
    assert "解压后过大" in refused(content)


def test_the_bounds_hold_for_the_workbook_as_a_whole():
    def sheet():
        return [f'<row r="{i}"/>'.encode() for i in range(1, 110_001)]

    assert read(crafted.xlsx([sheet()])) == []
    assert "文件存有超过 200,000 行" in refused(crafted.xlsx([sheet(), sheet()]))
    assert "解压后过大" in refused(crafted.xlsx([sheet(), sheet()]), elements=40_000)


def test_the_command_refuses_a_file_past_the_size_limit_unread(world, tmp_path, settings):
    import json

    from django.core.management import call_command

    settings.SANXIN_IMPORT_LIMITS = {"file_bytes": 1024 * 1024}
    path = tmp_path / "roster.csv"
    path.write_bytes(b"x" * (2 * 1024 * 1024))
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_roster", str(path), village=world.village_a1.name, json=True, stdout=out
        )
    assert json.loads(out.getvalue())["errors"][0]["message"].startswith("文件超过 1 MB")


def test_a_text_longer_than_a_cell_holds_is_refused():
    long_text = "长" * 40_000
    content = crafted.xlsx([[crafted.inline_row(1, [long_text])]])
    assert "解压后过大" in refused(content)
    assert read(crafted.xlsx([[crafted.inline_row(1, ["长" * 32_767])]]))[0][0] == "长" * 32_767


def test_a_zip_directory_larger_than_its_parts_need_is_refused():
    content = crafted.xlsx([[crafted.inline_row(1, ["户号"])]])
    end = content.rfind(b"PK\x05\x06")
    forged = content[: end + 12] + (10**6).to_bytes(4, "little") + content[end + 16 :]
    assert "解压后过大" in refused(forged)


def test_stored_cells_are_bounded():
    row = (
        b'<row r="1">'
        + b"".join(f'<c r="{crafted.column_letters(c)}1"/>'.encode() for c in range(1, 101))
        + b"</row>"
    )
    assert "文件存有超过 50 个单元格" in refused(crafted.xlsx([[row]]), cells=50)


def _damaged_part(name: str, at: int, junk: bytes) -> bytes:
    """A good workbook with `junk` written over its part `name`, `at` bytes after the
    start of the part's local header (0: the header's magic number; past the header:
    the packed data)."""
    import zipfile

    content = bytearray(sheet_xlsx([["001", "张建国"]], header=["户号", "姓名"]))
    info = zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo(name)
    offset = info.header_offset + at
    if at >= 30:  # past the fixed header: skip the name and the extra field too
        offset += len(info.filename.encode()) + len(info.extra)
    content[offset : offset + len(junk)] = junk
    return bytes(content)


@pytest.mark.parametrize(
    "content",
    [
        # A part whose local header is not one (zipfile.BadZipFile when opened): found by
        # the fuzzer (fuzz/targets.py `xlsx`) in its first runs.
        _damaged_part("xl/styles.xml", 0, b"XX"),
        _damaged_part("xl/worksheets/sheet1.xml", 0, b"XX"),
        # A part whose deflate stream is corrupt (zlib.error, which no handler caught).
        _damaged_part("xl/workbook.xml", 30, b"\xff\xff\xff\xff"),
        _damaged_part("xl/worksheets/sheet1.xml", 30, b"\xff\xff\xff\xff"),
    ],
)
def test_a_damaged_part_is_refused_as_a_damaged_file(content):
    assert "无法读取该 Excel 文件，文件可能已损坏" in refused(content)


def _cell(reference: str, row: int = 1) -> bytes:
    return f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()


def test_a_cell_reference_is_read_where_calamine_reads_it():
    """Found by the fuzzer (fuzz/targets.py `xlsx_parts`, a timeout): python-calamine
    reads a reference's letters in either case and of any length ("shsC4" is column
    339,849), and puts a cell in the row its reference names, whatever its <row>
    says; the scan took both for the next cell of the row, so calamine built rows of
    hundreds of thousands of cells (millions of rows would have fitted as well)."""
    header = crafted.inline_row(1, ["户号"])
    assert "无法读取该 Excel 文件" in refused(crafted.xlsx([[header, _cell("shsC4", 2)]]))
    assert "无法读取该 Excel 文件" in refused(crafted.xlsx([[header, _cell("A1:B2", 2)]]))
    wide = refused(crafted.xlsx([[header, _cell("xfd2", 2)]]))
    assert "文件超过 60 列的上限（第 2 行第 XFD 列有内容）" in wide
    deep = refused(crafted.xlsx([[header, _cell("A200000", 2)]]))
    assert "文件超过 100,010 行的上限（第 200,000 行）" in deep
    assert read(crafted.xlsx([[header, _cell("b2", 2)]])) == [("户号",), (None, "x")]
