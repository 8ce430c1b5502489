"""``assistant voice`` subcommands."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest

from assistant.voice import cli


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="assistant")
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


@pytest.mark.slow
def test_speak_then_transcribe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ogg, wav = tmp_path / "antwort.ogg", tmp_path / "antwort.wav"
    assert run(["voice", "speak", "Der Führerschein liegt im Bürgerbüro Musterstadt bereit.", "--out", str(ogg)]) == 0
    assert run(["voice", "speak", "Guten Tag.", "--out", str(wav)]) == 0
    assert ogg.read_bytes()[:4] == b"OggS" and wav.read_bytes()[:4] == b"RIFF"
    capsys.readouterr()
    assert run(["voice", "transcribe", str(ogg), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "Musterstadt" in result["text"]
    assert set(result) == {"text", "raw_text", "duration", "language", "language_probability", "processing_seconds"}
    assert run(["voice", "transcribe", str(ogg), "--term", "Führerschein"]) == 0
    assert "Führerschein" in capsys.readouterr().out


def test_errors_are_german_and_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["voice", "transcribe", str(tmp_path / "fehlt.ogg")]) == 1
    assert "Datei nicht gefunden" in capsys.readouterr().err
    junk = tmp_path / "junk.ogg"
    junk.write_bytes(os.urandom(2000))
    assert run(["voice", "transcribe", str(junk)]) == 1
    assert "nicht verstehen" in capsys.readouterr().err
    assert run(["voice", "speak", "Hallo", "--out", str(tmp_path / "x.mp3")]) == 1
    assert "Unbekanntes Audioformat" in capsys.readouterr().err
    assert run(["voice", "speak", "  ", "--out", str(tmp_path / "x.wav")]) == 1
    assert "keinen Text" in capsys.readouterr().err
    assert not (tmp_path / "x.wav").exists()
    assert run(["voice"]) == 2
