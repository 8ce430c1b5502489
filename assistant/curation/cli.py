"""``assistant staff ...``, ``assistant callbacks list``, ``assistant appointments list``."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import sys
from typing import Optional, Sequence


def add_parser(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="Zugänge für den Mitarbeiterbereich (/staff)")
    ss = staff.add_subparsers(dest="staff_command", metavar="STAFF_COMMAND")

    p = ss.add_parser("add", help="Zugang anlegen (Passwort wird abgefragt)")
    p.add_argument("user")
    p.add_argument("--role", choices=["editor", "admin"], default="editor",
                   help="editor: Eingang und Ortsinfos; admin: zusätzlich Training und Zugänge")
    p.add_argument("--password-stdin", action="store_true", help="Passwort aus der ersten Zeile der Standardeingabe lesen")
    p.set_defaults(func=cmd_add)

    p = ss.add_parser("list", help="Zugänge anzeigen")
    p.set_defaults(func=cmd_list)

    p = ss.add_parser("passwd", help="Neues Passwort setzen (meldet alle Sitzungen ab)")
    p.add_argument("user")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_passwd)

    p = ss.add_parser("unlock", help="Sperre nach Fehlversuchen aufheben")
    p.add_argument("user")
    p.set_defaults(func=cmd_unlock)

    p = ss.add_parser("disable", help="Zugang deaktivieren")
    p.add_argument("user")
    p.set_defaults(func=cmd_disable)
    staff.set_defaults(func=lambda a: (staff.print_help(), 2)[1])

    if "callbacks" not in sub.choices:
        cb = sub.add_parser("callbacks", help="Rückruf-Wünsche")
        cbs = cb.add_subparsers(dest="callbacks_command", metavar="CALLBACKS_COMMAND")
        p = cbs.add_parser("list", help="Rückruf-Wünsche anzeigen")
        p.add_argument("--open", action="store_true", help="nur offene")
        p.add_argument("--format", choices=["text", "csv"], default="text")
        p.set_defaults(func=cmd_callbacks)
        cb.set_defaults(func=lambda a: (cb.print_help(), 2)[1])

    if "appointments" not in sub.choices:  # another feature may own this group
        ap = sub.add_parser("appointments", help="Gebuchte Termine")
        aps = ap.add_subparsers(dest="appointments_command", metavar="APPOINTMENTS_COMMAND")
        p = aps.add_parser("list", help="Termine eines Amts an einem Tag")
        p.add_argument("--office", required=True, help="Amts-id, z. B. kleinwalde_buergerbuero")
        p.add_argument("--date", required=True, help="JJJJ-MM-TT")
        p.add_argument("--format", choices=["text", "csv"], default="text")
        p.set_defaults(func=cmd_appointments)
        ap.set_defaults(func=lambda a: (ap.print_help(), 2)[1])


def _sm():
    from assistant.db import get_sessionmaker

    return get_sessionmaker()


def _read_password(from_stdin: bool) -> Optional[str]:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("Passwort: ")
    second = getpass.getpass("Passwort wiederholen: ")
    if first != second:
        print("Die beiden Passwörter sind verschieden.", file=sys.stderr)
        return None
    return first


def cmd_add(args: argparse.Namespace) -> int:
    from assistant.curation import auth

    try:
        name = auth.check_username(args.user)
    except auth.AuthError as exc:
        print(exc, file=sys.stderr)
        return 1
    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    with _sm()() as session:
        try:
            auth.create_user(session, name, password, args.role)
        except auth.AuthError as exc:
            print(exc, file=sys.stderr)
            return 1
    print(f"Zugang '{name}' angelegt (Rolle {args.role}).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from assistant.curation import auth
    from assistant.curation.models import StaffUser

    with _sm()() as session:
        users = list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
    if not users:
        print("Noch keine Zugänge. Anlegen mit: assistant staff add NAME --role admin")
        return 0
    print(f"{'Benutzer':<24} {'Rolle':<8} {'Status':<12} Letzte Anmeldung")
    for u in users:
        status = "gesperrt" if auth.is_locked(u) else ("aktiv" if u.active else "deaktiviert")
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "nie"
        print(f"{u.username:<24} {u.role:<8} {status:<12} {last}")
    return 0


def _user(session, name: str):
    from assistant.curation import auth

    user = auth.get_user(session, name)
    if user is None:
        print(f"Den Zugang '{name}' gibt es nicht.", file=sys.stderr)
    return user


def cmd_passwd(args: argparse.Namespace) -> int:
    from assistant.curation import auth

    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    with _sm()() as session:
        user = _user(session, args.user)
        if user is None:
            return 1
        try:
            auth.set_password(session, user, password)
        except auth.AuthError as exc:
            print(exc, file=sys.stderr)
            return 1
    print("Passwort geändert.")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    with _sm()() as session:
        user = _user(session, args.user)
        if user is None:
            return 1
        user.locked_until, user.failed_logins = None, 0
        session.commit()
    print("Sperre aufgehoben.")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from sqlalchemy import delete

    from assistant.curation.models import StaffSession

    with _sm()() as session:
        user = _user(session, args.user)
        if user is None:
            return 1
        user.active = False
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        session.commit()
    print("Zugang deaktiviert.")
    return 0


def _write(rows: Sequence[Sequence[str]], header: Sequence[str], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip())
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def _local(value: Optional[dt.datetime]) -> str:
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    from assistant.booking.service import utc
    from assistant.config import get_settings

    return utc(value).astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def cmd_callbacks(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from assistant.booking.models import CallbackRequest

    with _sm()() as session:
        q = select(CallbackRequest).order_by(CallbackRequest.created_at)
        if args.open:
            q = q.where(CallbackRequest.done_at.is_(None))
        rows = [[str(r.id), _local(r.created_at), r.office_id or "", r.topic, r.phone, r.preferred_time,
                 "offen" if r.done_at is None else f"erledigt {_local(r.done_at)}"] for r in session.scalars(q)]
    if not rows and args.format == "text":
        print("Keine Rückruf-Wünsche." if not args.open else "Keine offenen Rückruf-Wünsche.")
        return 0
    _write(rows, ["id", "eingang", "amt", "thema", "telefon", "wunschzeit", "status"], args.format)
    return 0


def cmd_appointments(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from assistant.booking.service import day_list, utc
    from assistant.config import get_settings

    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        print("Datum bitte als JJJJ-MM-TT, z. B. 2026-03-17.", file=sys.stderr)
        return 2
    tz = ZoneInfo(get_settings().timezone)
    with _sm()() as session:
        appts = day_list(session, args.office, day, tz)
        rows = [[utc(a.start).astimezone(tz).strftime("%H:%M"), utc(a.end).astimezone(tz).strftime("%H:%M"),
                 str(a.counter), a.service_slug, a.code, a.name or ""] for a in appts]
    if not rows and args.format == "text":
        print(f"Keine Termine für {args.office} am {day:%d.%m.%Y}.")
        return 0
    _write(rows, ["beginn", "ende", "schalter", "leistung", "code", "name"], args.format)
    return 0
