"""Writes the seed corpora under fuzz/corpus/<target>/ (committed; rerun after changing
a target's input format): `python -m fuzz.seeds`. Valid examples of each input and a
few crafted ones, each small. The inputs that once crashed a target are kept beside
them as `crash-<sha1>` (copied from .fuzz-crashes/ when fixed), so the suite replays
them too (tests/test_fuzz_corpus.py). The .xlsx seeds (timestamps) and the tokens (a
random card value) come out different each time: keep the committed ones when
nothing else about them changed."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from fuzz import targets

CORPUS = Path(__file__).resolve().parent / "corpus"


def _id(first17: str) -> str:
    from sanxin.lib.idcard import check_char

    return first17 + check_char(first17)


VALID_ID = _id("13080319550111710")
ROSTER_CSV = (
    "户号,村民小组,户主姓名,姓名,与户主关系,身份证号,联系电话,政治面貌,职务,住址\n"
    f"001,第一村民小组,张建国,张建国,户主,{VALID_ID},13912345678,中共党员,无,东街1号\n"
    f"001,一组,张建国,李秀英,配偶,{_id('13080319570304712')},0314-1234567,群众,,东街1号\n"
    "００２,三组,王　山,王　山,户主,130803195501117106,,群众,村委委员,\n"
    ",第九组,,,,1.30803E+17,12,团员,支书,\n"
)
ENTRIES_CSV = (
    "户号,姓名,积分项,数量,发生日期,事实依据\n"
    "001,张建国,参加义务劳动,2,2026-03-01,清扫村道\n"
    "002,王山,遵纪守法,1次,2026年3月1日,\n"
    "003,,no-such-item,０３,20260301,\n"
    "004,李四,参加义务劳动,99999999999999999999,2026/13/40,x\n"
)
REPAYMENTS_CSV = (
    "贷款编号,还款日期,金额,流水号\n"
    'L-1,2026-03-01,"1,234.50",A001\n'
    "L-2,2026/3/1,1234.5元,A002\n"
    "L-3,2026.3.1,￥100,A003\n"
    "L-4,20260301,-5,A004\n"
    "L-5,2026-03-01,0.001,A005\n"
)
BANK_CSV = (
    "授信编号,村,户号,户主,身份证号,等级,授信额度（元）,年利率（%）,有效期至,状态,信用社决定,原因\n"
    "CL-1,东村,001,张建国,130803**********3X,AAA,50000,4.35,2027-01-01,待审批,批准,\n"
    "CL-2,东村,002,王山,,AA,30000,4.35,2027-01-01,待审批,不批准,\n"
    "CL-3,东村,003,李四,,A,10000,4.35,2027-01-01,待审批,Approved,材料齐全\n"
)


def _credit_csv() -> str:
    from sanxin.credit import importing as credit
    from sanxin.rules.defaults import load_default_scheme

    scheme = load_default_scheme()
    headers = credit.template_headers(scheme)
    answers = [ind.options[0].label for area in scheme.credit_areas for ind in area.indicators]
    rows = [
        ",".join(headers),
        ",".join(["001", "2025", "2025-12-01", *answers, "备注"]),
        ",".join(["002", "2025年", "2025/12/1", *[a + "（8分）" for a in answers], ""]),
        ",".join(["003", "2099", "2099-01-01", *["" for _ in answers], ""]),
    ]
    return "\n".join(rows) + "\n"


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_rows(text: str) -> list[list[object]]:
    import csv

    return [list(r) for r in csv.reader(io.StringIO(text))]


def seeds() -> dict[str, list[bytes]]:
    from datetime import date

    from django.core import signing

    from sanxin.api import pagination
    from sanxin.rewards import cards
    from sanxin.rules.defaults import default_scheme_json, load_default_scheme
    from sanxin.rules.scheme import item_to_dict
    from tests import crafted_files as crafted

    scheme = load_default_scheme()
    roster_rows = _csv_rows(ROSTER_CSV)
    typed = [
        *roster_rows[:2],
        [
            "003",
            "第二村民小组",
            "赵六",
            "赵六",
            "户主",
            130803195501117106.0,
            13912345678,
            "群众",
            "",
            date(2020, 1, 1),
        ],
    ]
    sheet_xml = b"".join(
        crafted.inline_row(i, [str(v) for v in row]) for i, row in enumerate(roster_rows, 1)
    )
    shared = b'<sst xmlns="%s"><si><t>\xe6\x88\xb7\xe5\x8f\xb7</t></si><si><t>x</t></si></sst>' % (
        crafted.MAIN.encode()
    )
    sheet_with_shared = (
        f'<worksheet xmlns="{crafted.MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        '<c r="B1" t="s"><v>1</v></c><c r="C1"><v>45000</v></c><c r="D1" t="b"><v>1</v></c>'
        '<c r="E1" t="e"><v>#DIV/0!</v></c><c r="F1"><f>A1</f><v>3.5</v></c></row>'
        '<row r="3"><c r="B3" t="str"><v>130803195501117106</v></c></row></sheetData></worksheet>'
    ).encode()
    workbook_xml = (
        f'<workbook xmlns="{crafted.MAIN}" xmlns:r="{crafted.REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ).encode()
    wrap = f'<worksheet xmlns="{crafted.MAIN}"><sheetData>'.encode()
    items = [item_to_dict(i) for i in scheme.items[:2]]
    own = dict(items[0], code="own.fuzz", name="本村自定项", own=True, source="village")
    return {
        "idcard": [
            b"\0" + VALID_ID.encode(),
            b"\0" + VALID_ID.lower().encode(),
            b"\0"
            + VALID_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")).encode(),
            b"\0" + f" {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}'".encode(),
            b"\0" + b"1.30803E+17",
            b"\0" + _id("11010520000229001").encode(),
            b"\0" + b"99010519900307001X",
            b"\0" + "١٣٠٨٠٣١٩٥٥٠١١١٧١٠٦".encode(),
            b"\1" + (130803195501117106).to_bytes(16, "little"),
            b"\2" + b"\x00\x00\x00\x00\x00\x00\xf0\x7f",
            b"\3" + VALID_ID.encode("gb18030"),
        ],
        "text": [
            "张建国".encode(),
            "欧阳小明".encode(),
            "Ｍａｒｙ　王 ".encode(),
            "３－１号，（东）……①㎡".encode(),
            "张\u200b三".encode(),
            "abc\u202edef".encode(),
            "第一行\r\n第二行\t缩进\u2028".encode(),
            "\u2f00\u2e80\ufb01\u3164".encode(),
            b"\xed\xa0\x80x",
        ],
        "xlsx": [
            _xlsx(roster_rows),
            _xlsx(typed),
            _xlsx(_csv_rows(ENTRIES_CSV)),
            crafted.xlsx([[crafted.inline_row(1, ["户号", "姓名"])]], prefix="x:"),
            crafted.entity_expansion(),
            crafted.xlsx(
                [
                    [
                        crafted.inline_row(1, ["户号"]),
                        b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>',
                    ]
                ]
            ),
            crafted.xlsx([[crafted.inline_row(1, ["户号"])]] * 3, shared=[b"<si><t>a</t></si>"]),
        ],
        "xlsx_parts": [
            wrap + sheet_xml + b"</sheetData></worksheet>",
            sheet_with_shared + b"\0" + shared,
            sheet_with_shared + b"\0" + shared + b"\0" + workbook_xml,
            sheet_with_shared
            + b"\0"
            + shared
            + b"\0"
            + workbook_xml
            + b"\0"
            + f'<styleSheet xmlns="{crafted.MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts></styleSheet>'.encode(),
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>',
        ],
        "csv": [
            ROSTER_CSV.encode(),
            "\ufeff".encode() + ROSTER_CSV.encode(),
            ROSTER_CSV.encode("gb18030"),
            ROSTER_CSV.replace(",", "\t").encode(),
            b'a,"b\nc",d\n"unterminated\n',
            b"\n\n\n,,,\nx\n",
        ],
        "roster": [
            b"\0" + ROSTER_CSV.encode(),
            b"\0" + ROSTER_CSV.encode("gb18030"),
            b"\1" + bytes(range(256)),
        ],
        "entries": [
            b"\0" + ENTRIES_CSV.encode(),
            b"\1" + bytes(range(256)),
            b"\0"
            + f"户号,积分项,数量,发生日期\n001,x,{'1' * 5000},2026-01-01\n፩,x,1,2026-01-01\n".encode(),
        ],
        "credit": [b"\0" + _credit_csv().encode(), b"\1" + bytes(range(256))],
        "repayments": [
            b"\0" + REPAYMENTS_CSV.encode(),
            b"\1" + bytes(range(256)),
            b"\0" + f"贷款编号,还款日期,金额,流水号\nL-1,2026-03-01,{'1' * 40},A\n".encode(),
        ],
        "bank": [b"\0" + BANK_CSV.encode(), b"\1" + bytes(range(256))],
        "scheme": [
            default_scheme_json().encode(),
            # what once raised past the reader (docs/fuzzing.md)
            b"[" * 3000,
            b'{"format": "sanxin-scheme", "version": 1' + b"1" * 5000 + b"}",
            default_scheme_json().replace('"points": 1,', '"points": 1e100,', 1).encode(),
            json.dumps({"format": "sanxin-scheme", "items": []}).encode(),
            b'{"a": [1, 2.5, "x", null, true]}',
            b"\xef\xbb\xbf[]",
        ],
        "village_items": [
            json.dumps(items, ensure_ascii=False).encode(),
            json.dumps([own], ensure_ascii=False).encode(),
            json.dumps({"code": 1}).encode(),
        ],
        "tokens": [
            cards.token_for_value(cards.new_card_value()).encode(),
            signing.Signer(salt="sanxin.ratings.certificate").sign("C-2026-0001").encode(),
            pagination.encode(["2026-01-01", 5], "households").encode(),
            b"abc:def",
            b"",
        ],
        "photo": [
            crafted.image_bytes("JPEG"),
            crafted.image_bytes("PNG"),
            crafted.image_bytes("WEBP"),
            crafted.image_bytes("GIF"),
            crafted.image_bytes("JPEG", exif=_exif_rotated()),
            crafted.png_bomb(),
            crafted.image_bytes("PNG")[:40],
        ],
    }


def _exif_rotated() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90 degrees
    exif[0x010F] = "camera"
    return exif.tobytes()


def main() -> None:
    targets.setup_django()
    for name, inputs in seeds().items():
        assert name in targets.TARGETS, name
        folder = CORPUS / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if not old.name.startswith("crash-"):  # inputs that crashed once stay
                old.unlink()
        for data in inputs:
            (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"{sum(1 for p in CORPUS.rglob('*') if p.is_file())} seeds, {total:,} bytes")


if __name__ == "__main__":
    main()
