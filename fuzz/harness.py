"""One Atheris run of one target, in its own process (libFuzzer takes the process):

    python -m fuzz.harness <target> [libFuzzer arguments and corpus directories]

`python -m fuzz` builds these command lines; run this directly only to pass
libFuzzer flags of your own."""

from __future__ import annotations

import sys

import atheris

from fuzz import targets


def main() -> None:
    name, libfuzzer_args = sys.argv[1], sys.argv[2:]
    target = targets.TARGETS[name]
    # Only the product's modules are instrumented, and the Python libraries a target
    # parses with (Pillow's image plugins, Django's signing): coverage of those
    # branches is what guides the search. Running the target on a few tiny inputs
    # here imports every module it reaches, inside the hook.
    with atheris.instrument_imports(include=list(target.instrument)):
        targets.setup_django()
        for warmup in (b"", b"\0", b"\1", b"\0a,b\n1,2\n"):
            target.run(warmup)
    atheris.Setup([sys.argv[0], *libfuzzer_args], target.run)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
