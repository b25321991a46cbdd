"""Benchmark: how long refusing (or reading) each crafted upload takes, and the memory.

Every crafted spreadsheet of `tests/crafted_files.py`, files at the edge of each limit
(the largest a limit lets through), and images, each built first, written to a scratch
file, then read in a fresh process (so that its peak RSS is the reading's own, Django
and the interpreter included: VmHWM) through the path an upload takes:
`sanxin.lib.spreadsheet.read_grid` for spreadsheets, `sanxin.lib.photos.clean` for
photos. Prints one line per file: size, seconds, peak RSS, and the outcome.

    python -m bench.crafted_uploads
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests import crafted_files as crafted


def _at_limit_roster() -> bytes:
    """100,010 rows of 5 values (the row limit), inline strings."""
    rows = (
        crafted.inline_row(i, [f"{i:06d}", "第一村民小组", "张建国", "户主", "130803195501117106"])
        + b""
        for i in range(1, 100_011)
    )
    return crafted.xlsx([rows])


def _at_limit_stored_rows() -> bytes:
    """A header and 199,999 stored empty rows (the stored-row limit)."""
    rows = (f'<row r="{i}"/>'.encode() for i in range(2, 200_001))
    return crafted.xlsx([[crafted.inline_row(1, ["户号"]), *rows]])


def _at_limit_cells() -> bytes:
    """152 rows of 16,384 empty cells: 2,490,368 cells (the cell limit)."""

    def row(number: int) -> bytes:
        cells = b"".join(
            f'<c r="{crafted.column_letters(c)}{number}"/>'.encode() for c in range(1, 16_385)
        )
        return f'<row r="{number}">'.encode() + cells + b"</row>"

    return crafted.xlsx([(row(n) for n in range(1, 153))])


def _at_limit_styles() -> bytes:
    """A styles part of 49,752 elements (with the other parts, just under the element
    limit of the parts read whole), varied enough to pass the ratio check."""
    import random

    rng = random.Random(8)
    xfs = (
        b"".join(f'<xf numFmtId="{rng.randrange(10**6)}"/>'.encode() for _ in range(9_950))
        for _ in range(5)
    )
    return crafted.xlsx(
        [[crafted.inline_row(1, ["户号"])]],
        extra={
            "xl/styles.xml": [
                f'<styleSheet xmlns="{crafted.MAIN}"><cellXfs>'.encode(),
                *xfs,
                b"</cellXfs></styleSheet>",
            ]
        },
    )


def _image(fmt: str, size: tuple[int, int]) -> Callable[[], bytes]:
    def make() -> bytes:
        from PIL import Image

        gradient = Image.linear_gradient("L").resize(size).convert("RGB")
        buffer = io.BytesIO()
        gradient.save(buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        return buffer.getvalue()

    return make


CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    **crafted.CRAFTED_SHEETS,
    "at the row limit: 100,010 rows × 5 values": (_at_limit_roster, "xlsx"),
    "at the stored-row limit: 200,000 rows": (_at_limit_stored_rows, "xlsx"),
    "at the cell limit: 2,490,368 empty cells": (_at_limit_cells, "xlsx"),
    "at the shared-string limit: 600,000": (lambda: crafted.huge_shared_strings(600_000), "xlsx"),
    "at the element limit: styles of 49,752": (_at_limit_styles, "xlsx"),
    "PNG declaring 10 gigapixels": (crafted.png_bomb, "png"),
    "PNG of 16 megapixels (the limit)": (_image("PNG", (5000, 3200)), "png"),
    "JPEG of 40 megapixels (the limit)": (_image("JPEG", (8000, 5000)), "jpg"),
    "JPEG of 12 megapixels (a phone photo)": (_image("JPEG", (4000, 3000)), "jpg"),
}


def _read_one(path: str, suffix: str) -> dict:
    """In the child process: read the file as an upload would be read."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanxin.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanxin.lib import photos, spreadsheet

    content = Path(path).read_bytes()
    started = time.perf_counter()
    if suffix in ("xlsx", "csv"):
        try:
            outcome = f"read, {len(spreadsheet.read_grid(content, f'f.{suffix}'))} rows"
        except spreadsheet.UnreadableFile as exc:
            outcome = f"refused: {exc}"
    else:
        try:
            stored = photos.clean(SimpleUploadedFile(f"f.{suffix}", content))
            outcome = f"stored, {stored.size:,} bytes"
        except photos.PhotoRefused as exc:
            outcome = f"refused: {exc}"
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mib": _peak_rss_mib(), "outcome": outcome}


def _peak_rss_mib() -> float:
    """This process's peak RSS: VmHWM, which starts afresh at exec (getrusage's
    ru_maxrss carries the parent's peak over an exec on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_read_one(*args.child)))
        return
    print("| file | size | seconds | peak RSS | outcome |")
    print("| --- | ---: | ---: | ---: | --- |")
    with tempfile.TemporaryDirectory() as scratch:
        for name, (make, suffix) in CASES.items():
            if args.only and args.only not in name:
                continue
            path = Path(scratch) / f"case.{suffix}"
            path.write_bytes(make())
            size = path.stat().st_size
            run = subprocess.run(
                [sys.executable, "-m", "bench.crafted_uploads", "--child", str(path), suffix],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(run.stdout.strip().splitlines()[-1])
            print(
                f"| {name} | {size / 1024:,.0f} KiB | {result['seconds']:.2f} "
                f"| {result['peak_mib']:.0f} MiB | {result['outcome'][:60]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
