"""The `sanxin` console script: the project's manage.py.

Commands may also be spelled with hyphens: `sanxin import-roster` runs
`import_roster`."""

from __future__ import annotations

import os
import sys
from collections.abc import Collection


def hyphenated_command(argv: list[str], commands: Collection[str]) -> list[str]:
    """argv with a hyphenated command name (argv[1]) turned into the known command
    it spells with underscores; anything else is returned unchanged."""
    if len(argv) < 2 or argv[1].startswith("-") or "-" not in argv[1]:
        return argv
    name = argv[1].replace("-", "_")
    if name in commands and argv[1] not in commands:
        return [argv[0], name, *argv[2:]]
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanxin.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        import django
        from django.core.management import get_commands

        django.setup()
        argv = hyphenated_command(argv, get_commands())
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
