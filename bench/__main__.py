"""`python -m bench [--households N]`: run every benchmark (today: compute-cycles)."""

from __future__ import annotations

import sys

from bench import compute_cycles


def main(argv: list[str] | None = None) -> None:
    compute_cycles.main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
