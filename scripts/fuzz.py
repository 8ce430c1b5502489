"""Bounded fuzz run of every channel (web API, Rasa REST, Telegram bridge, speech upload) against
a freshly started stack; prints the counts (inputs, 5xx, crashes, non-German replies, RSS growth).

Usage: .venv/app/bin/python scripts/fuzz.py [--messages 10000] [--stt 2000] [--rasa-share 0.03]
(the same test runs in `make test`; this only runs it alone, with its output shown)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000, help="inputs per channel")
    parser.add_argument("--stt", type=int, default=2_000, help="broken recordings for /api/stt")
    parser.add_argument("--rasa-share", type=float, default=0.03,
                        help="share of web/Telegram inputs that are fuzzed messages for the real model")
    args = parser.parse_args()
    env = dict(os.environ, FUZZ_MESSAGES=str(args.messages), FUZZ_STT=str(args.stt),
               FUZZ_RASA_SHARE=str(args.rasa_share), RASA_TELEMETRY_ENABLED="false",
               PYTHONPATH=str(ROOT) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else ""))
    return subprocess.call([str(ROOT / ".venv/app/bin/python"), "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                            "tests/fuzz/test_fuzz_channels.py"], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
