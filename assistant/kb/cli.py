"""``assistant kb ...``: check, load, show, export, generate NLU data."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.config import get_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="Wissensbasis prüfen, laden, anzeigen, exportieren")
    kbs = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND")

    p = kbs.add_parser("check", help="YAML-Dateien prüfen (Exit-Code 1 bei Fehlern)")
    p.add_argument("path", nargs="?", help="Ordner der Wissensbasis (Standard: kb/)")
    p.add_argument("--strict", action="store_true",
                   help="Auch bei Hinweisen (veraltete Quellen, abgelaufene Fristen, mögliche Widersprüche in Texten) Exit-Code 1")
    p.add_argument("--today", help="Stichtag für die Hinweise (JJJJ-MM-TT, Standard: heute)")
    p.set_defaults(func=cmd_check)

    p = kbs.add_parser("load", help="Wissensbasis prüfen und in die Datenbank laden")
    p.add_argument("path", nargs="?")
    p.set_defaults(func=cmd_load)

    p = kbs.add_parser("show", help="Wirksame Daten einer Leistung anzeigen")
    p.add_argument("service")
    p.add_argument("--municipality", "-m")
    p.add_argument("--path")
    p.set_defaults(func=cmd_show)

    p = kbs.add_parser("export", help="Export als JSON oder schema.org JSON-LD")
    p.add_argument("--format", choices=["json", "jsonld"], default="json")
    p.add_argument("--path")
    p.set_defaults(func=cmd_export)

    p = kbs.add_parser("nlu", help="Synonyme und Lookup-Tabellen für Rasa erzeugen")
    p.add_argument("--path")
    p.add_argument("--out", default=None, help="Zielordner (Standard: data/nlu/generated)")
    p.add_argument("--dialogue-out", default=None,
                   help="Zielordner der örtlichen Gespräche (Standard: data/generated/local_dialogues)")
    p.add_argument("--domain-out", default=None,
                   help="Domain-Ordner für Rasa (Standard: build/domain; rasa train --domain build/domain)")
    p.set_defaults(func=cmd_nlu)
    kb.set_defaults(func=lambda a: (kb.print_help(), 2)[1])


def load_or_report(path: str | None):
    """The validated knowledge base, or None after printing every problem (for CLI commands)."""
    from assistant.kb.loader import KBValidationError, load_kb

    root = Path(path) if path else get_settings().kb_dir
    try:
        return load_kb(root)
    except KBValidationError as exc:
        print(f"Die Wissensbasis in {root} hat {len(exc.problems)} Fehler:", file=sys.stderr)
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
        return None


def service_or_report(kb, text: str) -> str | None:
    """Service slug for a slug or name, or None after printing an error."""
    from assistant.kb.views import resolve_service

    slug = resolve_service(kb, text)
    if slug is None:
        print(f"Unbekannte Leistung: {text}", file=sys.stderr)
    return slug


def municipality_or_report(kb, name: str | None) -> tuple[bool, str | None]:
    """(ok, municipality id); no name is ok (None); an unknown name prints the known ones."""
    from assistant.kb.views import resolve_municipality

    if not name:
        return True, None
    mid = resolve_municipality(kb, name)
    if mid is None:
        print(f"Unbekannte Gemeinde: {name}. Bekannt: {', '.join(m.name for m in kb.municipalities.values())}",
              file=sys.stderr)
        return False, None
    return True, mid


def dialogues_or_report(kb) -> list | None:
    """Validated local dialogues of all municipalities, or None after printing every problem."""
    from assistant.config import ROOT
    from assistant.kb.local_dialogue.check import check_local_dialogues

    dialogues, problems = check_local_dialogues(kb.root, ROOT, list(kb.municipalities))
    if problems:
        print(f"Die örtlichen Gespräche haben {len(problems)} Fehler:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return None
    return dialogues


def cmd_check(args: argparse.Namespace) -> int:
    import datetime as dt

    from assistant.kb import consistency, freshness

    kb = load_or_report(args.path)
    if kb is None:
        return 1
    dialogues = dialogues_or_report(kb)
    if dialogues is None:
        return 1
    try:
        today = dt.date.fromisoformat(args.today) if getattr(args, "today", None) else None
    except ValueError:
        print(f"Ungültiges Datum für --today: {args.today} (Format JJJJ-MM-TT)", file=sys.stderr)
        return 2
    found = consistency.check(kb)
    contradictions = [c for c in found if c.kind not in consistency.TEXT_KINDS]
    if contradictions:
        print(f"Die Wissensbasis widerspricht sich an {len(contradictions)} Stelle(n):", file=sys.stderr)
        for c in contradictions:
            print(f"  - {c}", file=sys.stderr)
        return 1
    text_hints = [c for c in found if c.kind in consistency.TEXT_KINDS]
    warnings = freshness.check(kb, today)
    print(f"OK: {len(kb.services)} Leistungen, {len(kb.municipalities)} Gemeinden, {len(kb.offices)} Ämter, "
          f"{len(kb.life_events)} Lebenslagen, örtliche Gespräche von {len(dialogues)} Gemeinden")
    if text_hints:
        print(f"Mögliche Widersprüche in Texten (bitte prüfen): {len(text_hints)}")
        for c in text_hints:
            print(f"  - {c}")
    if warnings:
        print(f"{len(warnings)} Hinweis(e) zur Aktualität:")
        for w in warnings:
            print(f"  - {w}")
    past = sum(1 for w in warnings if w.kind == "past_deadline")
    print(f"Abgelaufene Fristen: {past}")
    return 1 if (warnings or text_hints) and getattr(args, "strict", False) else 0


def cmd_load(args: argparse.Namespace) -> int:
    from assistant.db import get_engine
    from assistant.kb.store import save_kb

    kb = load_or_report(args.path)
    if kb is None:
        print("Nichts geladen; die Datenbank ist unverändert.", file=sys.stderr)
        return 1
    digest = save_kb(kb, get_engine())
    print(f"Geladen: {len(kb.services)} Leistungen, {len(kb.municipalities)} Gemeinden, {len(kb.offices)} Ämter "
          f"(Stand {digest})")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from assistant.kb.views import effective_service

    kb = load_or_report(args.path)
    if kb is None:
        return 1
    slug = service_or_report(kb, args.service)
    ok, mid = municipality_or_report(kb, args.municipality)
    if slug is None or not ok:
        return 1
    eff = effective_service(kb, slug, mid)
    out = {
        "service": slug,
        "municipality": mid,
        "office": eff.office.model_dump(mode="json") if eff.office else None,
        "documents": [d.model_dump(mode="json", exclude_none=True) for d in eff.documents],
        "fees": [f.model_dump(mode="json", exclude_none=True) for f in eff.fees],
        "online": eff.online.model_dump(mode="json", exclude_none=True),
        "notes": eff.notes,
        "summary": eff.service.summary,
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from assistant.kb.export import export_json, export_jsonld

    kb = load_or_report(args.path)
    if kb is None:
        return 1
    data = export_jsonld(kb) if args.format == "jsonld" else export_json(kb)
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def cmd_nlu(args: argparse.Namespace) -> int:
    from assistant.kb.nlu import write_nlu_files

    kb = load_or_report(args.path)
    if kb is None:
        return 1
    out = Path(args.out) if args.out else Path("data/nlu/generated")
    written = write_nlu_files(kb, out)
    from assistant.curation.compile import write_local_nlu

    written.append(write_local_nlu(kb, out))
    from assistant.config import ROOT
    from assistant.kb.local_dialogue.generate import write_training_files

    dialogues = dialogues_or_report(kb)
    if dialogues is None:
        return 1
    settings = get_settings()
    written += write_training_files(
        dialogues, Path(args.dialogue_out) if args.dialogue_out else settings.local_dialogue_data_dir,
        Path(args.domain_out) if args.domain_out else settings.training_domain_dir,
        ROOT / "domain.yml" if (ROOT / "domain.yml").is_file() else ROOT / "domain")
    for path in written:
        print(f"geschrieben: {path}")
    return 0
