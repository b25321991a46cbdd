"""`python -m bench [--households N]`: run every benchmark (compute-cycles, the crafted
uploads, 32 clerks redeeming at the counter on SQLite, then the 100,000-row imports)."""

from __future__ import annotations

import subprocess
import sys

from bench import compute_cycles, crafted_uploads


def main(argv: list[str] | None = None) -> None:
    compute_cycles.main(sys.argv[1:] if argv is None else argv)
    crafted_uploads.main([])
    # its own process: it configures Django for its own scratch database and server
    subprocess.run([sys.executable, "-m", "bench.bench_counter"], check=True)
    # its own process too: it sets the keys and the jobs backend for its children
    subprocess.run([sys.executable, "-m", "bench.imports"], check=True)


if __name__ == "__main__":
    main()
