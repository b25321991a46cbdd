"""Build the vendored Chinese PDF font, src/sanxin/lib/fonts/SanxinKai-Regular.ttf.

The font is a subset of LXGW WenKai Regular (霞鹜文楷, SIL Open Font License 1.1),
taken from Debian's ``fonts-lxgw-wenkai`` package. It keeps:

* every character of GB 2312 (the 6,763 common hanzi plus its symbols),
* printable ASCII, CJK symbols and punctuation (U+3000-U+303F), fullwidth forms,
* a few typographic marks (·—…“”℃ ...) and the ideographic and no-break spaces,
* every character that appears in the project's sources under ``src/``
  (.py, .html, .json, .po, .txt), so that all user-visible text renders.

The OFL reserves the names "霞鹜" and "LXGW" for the Original Version, so the
subset (a Modified Version) is renamed "Sanxin Kai".

Usage, from the repository root::

    apt-get download fonts-lxgw-wenkai && dpkg-deb -x fonts-lxgw-wenkai_*.deb /tmp/lxgw
    .venv/bin/python scripts/subset_font.py \\
        /tmp/lxgw/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf

Run it again whenever new user-visible text uses a character outside GB 2312.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "src/sanxin/lib/fonts/SanxinKai-Regular.ttf"
SOURCE_SUFFIXES = {".py", ".html", ".json", ".po", ".txt"}
EXTRA_MARKS = "·•—–…‘’“”※√×÷±°℃"
SPACES = "\u3000\u00a0"  # ideographic and no-break space: not str.isprintable(), still wanted

# name-table IDs that carry the family/full/PostScript names, and their new values
NEW_NAMES = {
    1: "Sanxin Kai",  # family
    3: "SanxinKai-Regular-subset",  # unique ID
    4: "Sanxin Kai Regular",  # full name
    6: "SanxinKai-Regular",  # PostScript name
    16: "Sanxin Kai",  # typographic family
    17: "Regular",  # typographic subfamily
    21: "Sanxin Kai",  # WWS family
    22: "Regular",  # WWS subfamily
}


def gb2312_chars() -> set[str]:
    """Every character that GB 2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    chars = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned cells
                chars.add(bytes([row, cell]).decode("gb2312"))
    return chars


def base_chars() -> set[str]:
    """GB 2312, ASCII, CJK punctuation, fullwidth forms and a few marks."""
    chars = gb2312_chars()
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(chr(c) for c in range(0x3000, 0x3040))
    chars.update(chr(c) for c in range(0xFF00, 0xFFF0))
    chars.update(EXTRA_MARKS + SPACES)
    return chars


def source_chars(src_dir: Path) -> set[str]:
    """Every character used in the text sources under ``src_dir``."""
    chars: set[str] = set()
    for path in src_dir.rglob("*"):
        if path.is_file() and path.suffix in SOURCE_SUFFIXES:
            chars.update(path.read_text(encoding="utf-8", errors="ignore"))
    return chars


def rename(font: TTFont) -> None:
    """Replace the reserved names in the name table with "Sanxin Kai"."""
    for record in font["name"].names:
        if record.nameID in NEW_NAMES:
            record.string = NEW_NAMES[record.nameID]


def build_subset(source: Path, output: Path, src_dir: Path) -> int:
    """Write the renamed subset of ``source`` to ``output``; return the character count."""
    font = TTFont(source)
    cmap = font.getBestCmap()
    wanted = base_chars() | source_chars(src_dir)
    codepoints = sorted(
        ord(c) for c in wanted if (c.isprintable() or c in SPACES) and ord(c) in cmap
    )

    options = subset.Options()
    options.name_IDs = ["*"]  # keep copyright, licence and URLs (OFL condition 2)
    options.notdef_outline = True  # missing characters show as a box, not as nothing
    options.layout_features = []
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    rename(font)
    font.save(output)
    return len(codepoints)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="LXGWWenKai-Regular.ttf (the full font)")
    parser.add_argument(
        "-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the subset"
    )
    parser.add_argument(
        "--src-dir",
        type=Path,
        default=ROOT / "src",
        help="sources whose characters the subset must cover (default: src/)",
    )
    args = parser.parse_args()
    count = build_subset(args.source, args.output, args.src_dir)
    size_kib = args.output.stat().st_size // 1024
    print(f"{args.output}: {count} characters, {size_kib} KiB")


if __name__ == "__main__":
    main()
