"""``assistant appointments list`` (the day's list for an office) and ``assistant appointments purge``."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from zoneinfo import ZoneInfo

from assistant.config import get_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("appointments", help="Termine eines Amtes anzeigen, alte Termine löschen")
    ps = p.add_subparsers(dest="appointments_command", metavar="COMMAND")
    lst = ps.add_parser("list", help="Terminliste eines Tages")
    lst.add_argument("--office", required=True, help="Amts-id, z. B. kleinwalde_buergerbuero")
    lst.add_argument("--date", required=True, help="Datum JJJJ-MM-TT")
    lst.add_argument("--format", choices=["text", "csv"], default="text")
    lst.set_defaults(func=cmd_list)
    pur = ps.add_parser("purge", help="Termine, Rückrufbitten, Listen und Gespräche nach der Aufbewahrungsfrist löschen")
    pur.set_defaults(func=cmd_purge)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def cmd_list(args: argparse.Namespace) -> int:
    from assistant.kb.provider import get_kb
    from assistant.booking import service
    from assistant.db import get_sessionmaker

    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        print(f"Ungültiges Datum '{args.date}': bitte JJJJ-MM-TT, z. B. 2026-12-03", file=sys.stderr)
        return 2
    kb = get_kb()
    if args.office not in kb.offices:
        print(f"Unbekanntes Amt '{args.office}'. Bekannt: {', '.join(sorted(kb.offices))}", file=sys.stderr)
        return 2
    tz = ZoneInfo(get_settings().timezone)
    with get_sessionmaker()() as session:
        rows = service.day_list(session, args.office, day, tz)
        data = [(service.utc(r.start).astimezone(tz).strftime("%H:%M"), service.utc(r.end).astimezone(tz).strftime("%H:%M"),
                 r.counter, r.code, kb.services[r.service_slug].short_name if r.service_slug in kb.services
                 else r.service_slug, r.name or "") for r in rows]
    if args.format == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["beginn", "ende", "schalter", "code", "leistung", "name"])
        w.writerows(data)
        return 0
    print(f"{kb.offices[args.office].name} – {day.strftime('%d.%m.%Y')}: {len(data)} Termin(e)")
    for start, end, counter, code, name, person in data:
        print(f"  {start}-{end}  Schalter {counter}  {code}  {name}{'  ' + person if person else ''}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from assistant.privacy import purge_all

    out = purge_all(get_settings())
    print(f"Gelöscht: {out['appointments_callbacks']} Termine/Rückrufbitten, {out['checklists']} gespeicherte Listen, "
          f"{out['events']} Gesprächs-Ereignisse")
    return 0
