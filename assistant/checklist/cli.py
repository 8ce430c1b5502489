"""``assistant checklist ...`` and ``assistant lifeevent ...`` (for staff, municipal IT and tests)."""
from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("checklist", help="Persönliche Unterlagen-Liste einer Leistung")
    p.add_argument("service", help="Leistung (slug oder Name, z. B. personalausweis)")
    p.add_argument("--questions", action="store_true", help="Situationen und ihre Fragen auflisten")
    p.add_argument("--situation", "-s", action="append", default=[], metavar="KEY=yes|no",
                   help="Antwort auf eine Situation (mehrfach möglich)")
    p.add_argument("--have", action="append", default=[], metavar="DOC",
                   help="Was schon vorhanden ist (Dokument-id oder Wort); zeigt, was fehlt")
    p.add_argument("--municipality", "-m")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_checklist)

    p = sub.add_parser("lifeevent", help="Was bei einer Lebenslage zu tun ist")
    p.add_argument("event", help="z. B. umzug, geburt, heirat, sterbefall")
    p.add_argument("--municipality", "-m")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lifeevent)


def parse_situations(items: list[str], known: dict) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or value.lower() not in ("yes", "no", "ja", "nein"):
            raise ValueError(f"'{item}': erwartet KEY=yes oder KEY=no")
        if key not in known:
            raise ValueError(f"unbekannte Situation '{key}'; bekannt: {', '.join(known) or '(keine)'}")
        out[key] = value.lower() in ("yes", "ja")
    return out


def cmd_checklist(args: argparse.Namespace) -> int:
    from assistant.checklist.engine import build, precheck
    from assistant.kb.cli import load_or_report, municipality_or_report, service_or_report
    from assistant.kb.views import effective_service

    kb = load_or_report(None)
    if kb is None:
        return 1
    slug = service_or_report(kb, args.service)
    ok, mid = municipality_or_report(kb, args.municipality)
    if slug is None or not ok:
        return 1
    eff = effective_service(kb, slug, mid)
    situations = eff.service.situations
    if args.questions:
        rows = [{"key": k, "question": s.question, "ask_if": s.ask_if} for k, s in situations.items()]
        if args.json:
            print(json.dumps({"service": slug, "situations": rows}, ensure_ascii=False, indent=2))
        else:
            if not rows:
                print(f"{eff.service.short_name}: keine Situationen – die Liste ist für alle gleich.")
            for r in rows:
                cond = f"   (nur wenn {r['ask_if']})" if r["ask_if"] else ""
                print(f"{r['key']}: {r['question']}{cond}")
        return 0
    try:
        answers = parse_situations(args.situation, situations)
    except ValueError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    checklist = build(eff, answers)
    result = checklist.to_json()
    if args.have:
        have_ids = {h for h in args.have if any(d.id == h for d in eff.documents)}
        words = " ".join(h for h in args.have if h not in have_ids)
        present, missing = precheck(checklist, words)
        present_ids = {d.id for d in present} | have_ids
        result["present"] = [d.id for d in checklist.needed if d.id in present_ids]
        result["missing"] = [{"id": d.id, "name": d.name} for d in checklist.needed if d.id not in present_ids]
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"{eff.service.short_name} – bitte mitbringen:")
    for d in checklist.needed:
        print(f"  [ ] {d.name}")
    for d, cond in checklist.maybe:
        print(f"  falls {cond}: {d.name}")
    if checklist.not_needed:
        print("Nicht nötig: " + ", ".join(d.name for d in checklist.not_needed))
    if args.have:
        missing = result["missing"]
        print("Es fehlt noch: " + (", ".join(m["name"] for m in missing) if missing else "nichts – vollständig."))
    return 0


def cmd_lifeevent(args: argparse.Namespace) -> int:
    from assistant.answers.life_events import steps_for
    from assistant.kb.cli import load_or_report, municipality_or_report

    kb = load_or_report(None)
    if kb is None:
        return 1
    event = args.event.lower()
    if event not in kb.life_events:
        print(f"Unbekannte Lebenslage: {args.event}. Bekannt: {', '.join(kb.life_events)}", file=sys.stderr)
        return 1
    ok, mid = municipality_or_report(kb, args.municipality)
    if not ok:
        return 1
    ev = kb.life_events[event]
    steps = steps_for(kb, event, mid)
    if args.json:
        print(json.dumps({"event": event, "name": ev.name, "intro": ev.intro,
                          "services": [s.__dict__ for s in steps], "inform_others": ev.inform_others},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"{ev.name}: {ev.intro}")
    for i, s in enumerate(steps, 1):
        extra = "".join([f" – {s.deadline}" if s.deadline else "", f" ({s.office})" if s.office else ""])
        print(f"  {i}. {s.name}{extra}")
    if ev.inform_others:
        print("Außerdem Bescheid geben: " + ", ".join(ev.inform_others))
    return 0
