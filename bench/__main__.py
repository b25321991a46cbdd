"""`python -m bench [--households N]`: run every benchmark (compute-cycles, the crafted
uploads, 32 clerks redeeming at the counter on SQLite, the 100,000-row imports, the
review queue against five years of history, then the prefecture on a throwaway
PostgreSQL at 100,000 households with the pages under load on the same data; run
`python -m bench.prefecture` alone for the full 1,000,000)."""

from __future__ import annotations

import subprocess
import sys

from bench import compute_cycles, crafted_uploads


def main(argv: list[str] | None = None) -> None:
    compute_cycles.main(sys.argv[1:] if argv is None else argv)
    crafted_uploads.main([])
    # their own processes: each configures Django for its own scratch database and server
    subprocess.run([sys.executable, "-m", "bench.bench_counter"], check=True)
    # its own process too: it sets the keys and the jobs backend for its children
    subprocess.run([sys.executable, "-m", "bench.imports"], check=True)
    # the review queue at 1 and 5 years of history, on SQLite (its own Django setup)
    subprocess.run([sys.executable, "-m", "bench.review_queue"], check=True)
    subprocess.run(
        [sys.executable, "-m", "bench.prefecture", "--households", "100000", "--pages"],
        check=True,
    )


if __name__ == "__main__":
    main()
