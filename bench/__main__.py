"""`python -m bench [--households N]`: run every benchmark (compute-cycles, then the
crafted uploads)."""

from __future__ import annotations

import sys

from bench import compute_cycles, crafted_uploads


def main(argv: list[str] | None = None) -> None:
    compute_cycles.main(sys.argv[1:] if argv is None else argv)
    crafted_uploads.main([])


if __name__ == "__main__":
    main()
