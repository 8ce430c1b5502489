"""Replies of the personal-checklist conversation (questions, the list, the pre-check)."""
from __future__ import annotations

from typing import Optional

from assistant.answers.context import Context
from assistant.answers.reply import DONT_KNOW, NO, YES, Button, LinkButton, Reply, bullets, payload
from assistant.checklist.engine import Checklist, answers_from_text, assess, build
from assistant.kb.loader import normalize
from assistant.kb.views import EffectiveService

NEGATIONS = {"nicht", "kein", "keine", "keinen", "nein", "nie", "niemals", "ohne", "nee"}
_STOP = {"sie", "ihr", "ihre", "ihren", "ihrem", "ist", "sind", "haben", "hat", "wird", "werden", "oder", "und", "der",
         "die", "das", "den", "dem", "des", "ein", "eine", "einen", "fuer", "mit", "bei", "von", "zum", "zur", "person",
         "antrag", "antragstellende", "beantragt", "beantragen", "dokument", "schon", "einmal", "jahre", "jahren"}


def question(eff: EffectiveService, key: str, answers: dict, first: bool) -> Reply:
    sit = eff.service.situations[key]
    intro = ""
    if first:
        intro = (f"{eff.service.short_name}: Damit die Liste zu Ihnen passt, habe ich ein paar kurze Ja/Nein-Fragen. "
                 "Sie können jede mit „Weiß nicht“ überspringen.\n")
    buttons = [Button(YES, payload("affirm")), Button(NO, payload("deny")), Button(DONT_KNOW, payload("dont_know"))]
    if first:
        buttons.append(Button("Allgemeine Liste", payload("ask_documents", service=eff.slug, option="general")))
    return Reply("utter_checklist_question", intro + sit.question, buttons)


def checklist_reply(ctx: Context, checklist: Checklist, link: Optional[str]) -> Reply:
    lines = [f"Ihre Liste – {checklist.service_name}:"]
    if checklist.needed:
        lines.append("Bitte mitbringen:")
        lines.append(bullets([d.name for d in checklist.needed]))
    for doc, cond in checklist.maybe:
        lines.append(f"Falls {cond}: {doc.name}")
    buttons: list = []
    if link:
        lines.append(f"Zum Ausdrucken: {link}")
        buttons.append(LinkButton("Liste ausdrucken", link))
    buttons += [Button("Termin buchen", payload("book_appointment", service=checklist.service_slug)),
                Button("Geht das online?", payload("ask_online", service=checklist.service_slug))]
    return Reply("utter_checklist", "\n".join(lines), buttons)


def precheck_reply(ctx: Context, answers: dict, text: str) -> Reply:
    eff = ctx.eff()
    checklist = build(eff, answers_from_text(eff, answers, text))
    result = assess(checklist, text)
    present, missing = result.present, result.missing
    lines = []
    if result.complete:
        lines.append(f"{eff.service.short_name}: Gut, Sie haben alles, was immer nötig ist.")
    else:
        if present:
            lines.append("Das haben Sie schon: " + ", ".join(d.name for d in present) + ".")
        for doc, kind in result.rejected:
            lines.append(f"Achtung – {doc.name}: {kind.note}")
        if missing:
            lines.append("Es fehlt noch:")
            lines.append(bullets([d.name for d in missing]))
    for doc in result.unclear:
        lines.append(f"Zu „{doc.name}“: {doc.kinds_hint}")
    if checklist.maybe:
        lines.append("Prüfen Sie noch, ob das für Sie gilt:")
        lines.extend(f"• {doc.name} – falls {cond}" for doc, cond in checklist.maybe[:4])
    buttons = []
    if eff.service.situations:
        buttons.append(Button("Meine persönliche Liste", payload("ask_documents", service=eff.slug, option="checklist")))
    buttons.append(Button("Termin buchen", payload("book_appointment", service=eff.slug)))
    return Reply("utter_document_check", "\n".join(lines), buttons)


def find_correction(eff: EffectiveService, text: str) -> Optional[tuple[str, bool]]:
    """'doch, ich bin verheiratet' -> ('married', True): a situation named in the text, and yes/no."""
    tokens = normalize(text).split()
    if not tokens:
        return None
    token_set = set(tokens)
    best: Optional[tuple[int, str]] = None
    for key, sit in eff.service.situations.items():
        words = {w for w in normalize(f"{sit.label or ''} {sit.question}").split() if len(w) >= 5 and w not in _STOP}
        hits = 0
        for w in words:
            if w in token_set or any(len(t) >= 5 and (t.startswith(w[:6]) or w.startswith(t[:6])) for t in tokens):
                hits += 1
        if hits and (best is None or hits > best[0]):
            best = (hits, key)
    if best is None:
        return None
    value = not bool(token_set & NEGATIONS)
    return best[1], value
