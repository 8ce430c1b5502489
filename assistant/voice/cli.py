"""``assistant voice …`` subcommands: transcribe a voice file, speak a text, prepare the model."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.voice.errors import VoiceError

SUFFIX_FORMATS: dict[str, str] = {".wav": "wav", ".ogg": "ogg", ".oga": "ogg", ".opus": "ogg"}


def _fail(message: str, detail: str = "") -> int:
    print(f"Fehler: {message}", file=sys.stderr)
    if detail:
        print(f"  ({detail})", file=sys.stderr)
    return 1


def _transcribe(args: argparse.Namespace) -> int:
    from assistant.voice import service

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _fail(f"Datei nicht gefunden: {path}")
    except OSError as exc:
        return _fail(f"Datei kann nicht gelesen werden: {path}", str(exc))
    terms = list(args.term) if args.term else None
    try:
        transcript = service.transcribe_bytes(data, terms)
    except VoiceError as exc:
        return _fail(exc.user_message, str(exc))
    if args.json:
        payload: dict[str, Any] = asdict(transcript)
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(transcript.text)
    return 0


def _speak(args: argparse.Namespace) -> int:
    from assistant.voice import service

    out = Path(args.out)
    fmt = SUFFIX_FORMATS.get(out.suffix.lower())
    if fmt is None:
        return _fail(f"Unbekanntes Audioformat „{out.suffix or '(keine Endung)'}“: bitte .wav oder .ogg verwenden.")
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        audio = service.speak(text, fmt)  # type: ignore[arg-type]
    except VoiceError as exc:
        return _fail(exc.user_message, str(exc))
    try:
        out.write_bytes(audio)
    except OSError as exc:
        return _fail(f"Datei kann nicht geschrieben werden: {out}", str(exc))
    print(f"{out} geschrieben ({len(audio)} Bytes, {fmt})")
    return 0


def _model(args: argparse.Namespace) -> int:
    from assistant.voice import model_files

    return model_files.main(["--verify"] if args.verify else [])


def add_parser(subparsers: Any) -> None:
    """Register ``voice transcribe``, ``voice speak`` and ``voice model`` on the main CLI."""
    voice = subparsers.add_parser("voice", help="Sprachein- und -ausgabe (offline)")
    voice_sub = voice.add_subparsers(dest="voice_command", metavar="AKTION")
    voice.set_defaults(func=lambda _args: (voice.print_help(), 2)[1])

    transcribe = voice_sub.add_parser("transcribe", help="Sprachnachricht in Text umwandeln")
    transcribe.add_argument("file", metavar="DATEI", help="Audiodatei (OGG/Opus, WebM, MP4/AAC, WAV, …)")
    transcribe.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben")
    transcribe.add_argument(
        "--term", action="append", metavar="WORT", help="Fachbegriff oder Ortsname (mehrfach; Standard: Landkreis-Wortliste)"
    )
    transcribe.set_defaults(func=_transcribe)

    speak = voice_sub.add_parser("speak", help="Text vorlesen und als Audiodatei speichern")
    speak.add_argument("text", metavar="TEXT", help="Text (oder - für Standardeingabe)")
    speak.add_argument("--out", required=True, metavar="DATEI", help="Zieldatei, Format nach Endung: .wav oder .ogg")
    speak.set_defaults(func=_speak)

    model = voice_sub.add_parser("model", help="Whisper-Modell zusammensetzen und prüfen")
    model.add_argument("--verify", action="store_true", help="alle Prüfsummen neu berechnen")
    model.set_defaults(func=_model)
