"""The fuzz targets (fuzz/targets.py) stay runnable: every seed of fuzz/corpus/<target>/
goes through its target, without Atheris, and nothing but the parsers' documented
refusals comes out. The crashes the fuzzers found have their own regression tests
beside the code they are about."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz import targets

CORPUS = Path(__file__).resolve().parent.parent / "fuzz" / "corpus"


def test_every_target_has_seeds():
    assert sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) == sorted(targets.TARGETS)


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_seeds_run_through_their_target(name):
    seeds = sorted((CORPUS / name).iterdir())
    assert seeds
    for seed in seeds:
        targets.TARGETS[name].run(seed.read_bytes())
