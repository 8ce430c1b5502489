"""Honest replies for questions the municipality does not handle (health, pension, tax, private
disputes): say so, point to who does, and always the 115 - never a random service menu.

The pointers are general public knowledge about who is responsible in Germany (not municipal demo
data), so they live here and not in kb/."""
from __future__ import annotations

import re
from typing import Optional

from assistant.answers.reply import Button, Reply, payload
from assistant.dialogue.base import Env
from assistant.dialogue.state import DialogueState
from assistant.dialogue.turn import Turn
from assistant.kb.loader import normalize

POINTERS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\b(fieber|krank\w*|arzt\w*|aerzt\w*|schmerz\w*|medikament\w*|tablette\w*|husten|grippe|"
                r"corona|impf\w*|symptom\w*|notaufnahme|blutdruck|rezept|apotheke\w*|pflege\w*)\b"),
     "Bei Gesundheitsfragen kann ich nicht helfen. Wenden Sie sich an Ihre Hausarztpraxis; außerhalb der "
     "Sprechzeiten hilft der ärztliche Bereitschaftsdienst unter 116117. Im Notfall rufen Sie 112."),
    (re.compile(r"\b(rente\w*|renten\w*|pension\w*|altersrente|witwenrente)\b"),
     "Zur Rente kann ich nichts Verlässliches sagen. Zuständig ist die Deutsche Rentenversicherung "
     "(kostenloses Servicetelefon 0800 1000 4800)."),
    (re.compile(r"\b(finanzamt\w*|steuererklaerung\w*|einkommensteuer\w*|lohnsteuer\w*|elster|steuerklasse\w*|"
                r"steuerbescheid\w*|steuer id|steuernummer)\b"),
     "Für Steuern wie die Einkommensteuer ist das Finanzamt zuständig, nicht die Gemeinde. Fragen Sie bitte "
     "dort nach."),
    (re.compile(r"\b(nachbar\w*|streit\w*|anwalt\w*|klage\w*|verklag\w*|erbschaft|schulden|inkasso)\b"),
     "Bei privaten Streitigkeiten kann ich nicht helfen; das entscheidet keine Behörde für Sie. Eine erste "
     "Rechtsberatung bekommen Sie bei einer Anwältin oder einem Anwalt, einer Verbraucherzentrale oder dem "
     "Mieterverein. Bei Gefahr rufen Sie die Polizei (110)."),
    (re.compile(r"\b(polizei|einbruch|diebstahl|gestohlen|anzeige erstatten|unfall)\b"),
     "Eine Straftat oder einen Unfall melden Sie der Polizei: im Notfall 110, sonst bei Ihrer Polizeidienststelle "
     "oder online über die Onlinewache der Polizei Sachsen-Anhalt."),
    (re.compile(r"\b(jobcenter|buergergeld|arbeitslos\w*|arbeitsagentur|hartz)\b"),
     "Für Bürgergeld ist das Jobcenter zuständig, für Arbeitslosengeld die Agentur für Arbeit. Deren "
     "Servicenummer: 0800 4 5555 00 (kostenlos)."),
]


def pointer(text: str, strong_only: bool = False) -> Optional[str]:
    """Who is responsible instead; ``strong_only``: only health and private disputes, which are out of
    scope even when a service word appears ("der Hund des Nachbarn")."""
    norm = normalize(text)
    for i, (pattern, reply) in enumerate(POINTERS):
        if strong_only and i not in (0, 3):
            continue
        if pattern.search(norm):
            return reply
    return None


def reply(env: Env, state: DialogueState, turn: Turn) -> Reply:
    state.fallback_count += 1
    hint = pointer(turn.text) if not turn.is_payload else None
    text = (hint + " ") if hint else "Dazu habe ich keine verlässliche Information. "
    if not hint and state.municipality:
        ctx = env.context(state)
        office = ctx.office()
        if office:
            text += f"Fragen Sie gern dort nach: {office.name}, Telefon {office.phone}. "
    text += f"Allgemeine Fragen an Behörden beantwortet die Behördennummer 115. {env.kb.county.hotline_115}"
    buttons = [Button("Was kann ich hier fragen?", payload("help"))]
    if state.fallback_count >= 2:
        buttons.insert(0, Button("Mit einem Menschen sprechen", payload("request_human")))
    return Reply("utter_out_of_scope", text, buttons)
