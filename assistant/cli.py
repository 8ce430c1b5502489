"""The ``assistant`` command line. Each feature adds a subcommand group via ``add_parser``."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

# Modules that expose ``add_parser(subparsers)``; each registers its own subcommands
# and sets ``func`` (returning an exit code) on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "assistant.kb.cli",
    "assistant.checklist.cli",
    "assistant.booking.cli",
    "assistant.voice.cli",
    "assistant.curation.cli",
    "assistant.privacy_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Bürgerassistent – Werkzeuge für Betrieb und Pflege")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if name.startswith(exc.name or "\0"):  # feature not present in this build
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
