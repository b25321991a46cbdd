"""Run the fuzz targets under Atheris, or replay inputs through them.

    python -m fuzz all --seconds 600            # every target, one after the other
    python -m fuzz xlsx csv --seconds 60        # some of them
    python -m fuzz replay xlsx crash-1a2b...    # files through one target, no Atheris
    python -m fuzz list                         # the targets and what they cover

Each run starts from the seeds in fuzz/corpus/<target>/ and the corpus grown by
earlier runs, in --corpus/<target>/ (default .fuzz-corpus/, outside git), where
libFuzzer adds every input that reaches new code: keep that directory between
nightly runs. A crashing input is written to --crashes (default .fuzz-crashes/) as
<target>-crash-<sha1> (-timeout-, -oom- for a hang or memory past the limit); the
exit status is non-zero when any target found one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import traceback
from pathlib import Path

from fuzz import targets

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "corpus"


def _run(name: str, args: argparse.Namespace) -> int:
    target = targets.TARGETS[name]
    grown = Path(args.corpus) / name
    grown.mkdir(parents=True, exist_ok=True)
    crashes = Path(args.crashes)
    crashes.mkdir(parents=True, exist_ok=True)
    seeds = SEEDS / name
    command = [
        sys.executable,
        "-m",
        "fuzz.harness",
        name,
        f"-max_total_time={args.seconds}",
        f"-timeout={args.timeout}",
        f"-rss_limit_mb={args.rss_limit_mb}",
        f"-max_len={target.max_len}",
        f"-artifact_prefix={crashes}/{name}-",
        "-print_final_stats=1",
        str(grown),  # the first directory is the one libFuzzer adds to
        *([str(seeds)] if seeds.is_dir() else []),
    ]
    print(f"== {name}: {target.covers} ({args.seconds} s)", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT)
    print(
        f"== {name}: exit {result.returncode} after {time.monotonic() - started:.0f} s", flush=True
    )
    return result.returncode


def _replay(name: str, files: list[str]) -> int:
    targets.setup_django()
    target = targets.TARGETS[name]
    failed = 0
    for file in files:
        paths = (
            sorted(p for p in Path(file).rglob("*") if p.is_file())
            if Path(file).is_dir()
            else [Path(file)]
        )
        for path in paths:
            try:
                target.run(path.read_bytes())
            except Exception:
                failed += 1
                print(f"{path}: CRASH", file=sys.stderr)
                traceback.print_exc()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "targets", nargs="+", help="target names, 'all', 'list', or 'replay <target> <files>'"
    )
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--corpus", default=str(ROOT / ".fuzz-corpus"))
    parser.add_argument("--crashes", default=str(ROOT / ".fuzz-crashes"))
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    args = parser.parse_args(argv)
    first, rest = args.targets[0], args.targets[1:]
    if first == "list":
        for t in targets.TARGETS.values():
            print(f"{t.name:14} {t.covers}")
        return 0
    if first == "replay":
        if not rest or rest[0] not in targets.TARGETS:
            parser.error("replay <target> <file or directory>...")
        return _replay(rest[0], rest[1:])
    names = list(targets.TARGETS) if first == "all" else args.targets
    unknown = [n for n in names if n not in targets.TARGETS]
    if unknown:
        parser.error(f"unknown target(s): {', '.join(unknown)} (see: python -m fuzz list)")
    codes = [_run(name, args) for name in names]
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
