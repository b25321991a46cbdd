"""The default scheme that ships with the product (`default_scheme.json` beside this file)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from sanxin.rules.scheme import Scheme
from sanxin.rules.scheme_reader import scheme_from_json

DEFAULT_SCHEME_FILE = "default_scheme.json"


def default_scheme_json() -> str:
    """The shipped file's text, e.g. to offer it as a download or a starting point."""
    return files("sanxin.rules").joinpath(DEFAULT_SCHEME_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_default_scheme() -> Scheme:
    """The default scheme, parsed and validated once per process (it is immutable)."""
    return scheme_from_json(default_scheme_json())
