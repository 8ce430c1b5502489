"""``assistant privacy export SENDER``, ``assistant privacy delete SENDER``, ``assistant privacy purge``."""
from __future__ import annotations

import argparse
import json
import sys

from assistant.config import get_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("privacy", help="Auskunft und Löschung für ein Gespräch, Aufbewahrungsfristen")
    ps = p.add_subparsers(dest="privacy_command", metavar="COMMAND")
    exp = ps.add_parser("export", help="Alles, was zu einem Gespräch gespeichert ist, als JSON")
    exp.add_argument("sender", help="Gesprächs-Kennung (z. B. die Chat-ID)")
    exp.add_argument("--out", help="in diese Datei schreiben statt auf die Standardausgabe")
    exp.set_defaults(func=cmd_export)
    dele = ps.add_parser("delete", help="Alles zu einem Gespräch löschen (Termine bleiben für das Amt)")
    dele.add_argument("sender")
    dele.set_defaults(func=cmd_delete)
    pur = ps.add_parser("purge", help="Alles löschen, dessen Aufbewahrungsfrist abgelaufen ist")
    pur.set_defaults(func=cmd_purge)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _check_sender(sender: str) -> bool:
    if not sender.strip() or len(sender) > 255:
        print("Bitte eine Gesprächs-Kennung angeben (1 bis 255 Zeichen).", file=sys.stderr)
        return False
    return True


def cmd_export(args: argparse.Namespace) -> int:
    from assistant.privacy import export_conversation

    if not _check_sender(args.sender):
        return 2
    data = json.dumps(export_conversation(args.sender, get_settings()), ensure_ascii=False, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(data + "\n")
    else:
        print(data)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from assistant.privacy import delete_conversation

    if not _check_sender(args.sender):
        return 2
    out = delete_conversation(args.sender, get_settings())
    print(f"Gelöscht für {args.sender}: {out['events']} Gesprächs-Ereignisse, {out['feedback']} Bewertungen, "
          f"{out['callbacks']} Rückrufbitten, {out['checklists']} Listen; {out['reminders']} Termin-Erinnerungen "
          "abgemeldet (die Termine selbst bleiben für das Amt bestehen).")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from assistant.privacy import purge_all

    settings = get_settings()
    out = purge_all(settings)
    print(f"Gelöscht: {out['events']} Gesprächs-Ereignisse (älter als {settings.conversation_retention_days} Tage), "
          f"{out['appointments_callbacks']} Termine/Rückrufbitten, {out['checklists']} Listen")
    return 0
