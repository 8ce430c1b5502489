"""Honest replies for questions the municipality does not handle (health, pension, tax, private
disputes): say so, point to who does, and always the 115 - never a random service menu.

The pointers are general public knowledge about who is responsible in Germany (not municipal demo
data), so they live here and not in kb/."""
from __future__ import annotations

import re
from typing import Optional

from assistant.answers.reply import Button, Reply, payload
from assistant.dialogue.base import Env
from assistant.dialogue.state import SUBJECT_OUT_OF_SCOPE, DialogueState, Subject
from assistant.dialogue.turn import Turn
from assistant.kb.loader import normalize

# (key, pattern, reply, strong): ``strong`` pointers stay out of scope even when a service word
# appears ("der Hund des Nachbarn", "Fieber nach der Impfung"); the others yield to a named service
# or life event ("muss ich der Krankenkasse Bescheid sagen, wenn ich umziehe").
POINTERS: list[tuple[str, re.Pattern, str, bool]] = [
    ("insurance", re.compile(r"\b(krankenkasse\w*|krankenversicherung\w*|pflegekasse\w*|versichertenkarte|"
                             r"gesundheitskarte)\b"),
     "Fragen zur Kranken- und Pflegeversicherung (Wechsel, Beiträge, Pflegegrad) beantwortet Ihre Krankenkasse "
     "oder Pflegekasse, nicht die Gemeinde. Die Nummer steht auf Ihrer Versichertenkarte.", False),
    ("health", re.compile(r"\b(fieber|krank(?!enkasse|enversicherung)\w*|arzt\w*|aerzt\w*|schmerz\w*|medikament\w*|"
                          r"tablette\w*|husten|grippe|corona|impf\w*|symptom\w*|notaufnahme|blutdruck|rezept|"
                          r"apotheke\w*|pflege\w*)\b"),
     "Bei Gesundheitsfragen kann ich nicht helfen. Wenden Sie sich an Ihre Hausarztpraxis; außerhalb der "
     "Sprechzeiten hilft der ärztliche Bereitschaftsdienst unter 116117. Im Notfall rufen Sie 112.", True),
    ("pension", re.compile(r"\b(rente\w*|renten\w*|pension\w*|altersrente|witwenrente)\b"),
     "Zur Rente kann ich nichts Verlässliches sagen. Zuständig ist die Deutsche Rentenversicherung "
     "(kostenloses Servicetelefon 0800 1000 4800).", False),
    ("tax", re.compile(r"\b(finanzamt\w*|steuererklaerung\w*|einkommensteuer\w*|lohnsteuer\w*|elster|steuerklasse\w*|"
                       r"steuerbescheid\w*|steuer id|steuernummer)\b"),
     "Für Steuern wie die Einkommensteuer ist das Finanzamt zuständig, nicht die Gemeinde. Fragen Sie bitte "
     "dort nach.", False),
    ("dispute", re.compile(r"\b(nachbar\w*|streit\w*|anwalt\w*|klage\w*|verklag\w*|erbschaft|schulden|inkasso|"
                           r"vermieter\w*|mieterhoehung|miete erhoeh\w*)\b"),
     "Bei privaten Streitigkeiten kann ich nicht helfen; das entscheidet keine Behörde für Sie. Bei Streit unter "
     "Nachbarn vermittelt in Sachsen-Anhalt die Schiedsstelle der Gemeinde (eine Schiedsperson); wer das ist, "
     "sagt Ihnen Ihre Gemeindeverwaltung. Eine erste Rechtsberatung bekommen Sie bei einer Anwältin oder einem "
     "Anwalt, einer Verbraucherzentrale oder dem Mieterverein. Bei Gefahr rufen Sie die Polizei (110).", True),
    ("police", re.compile(r"\b(polizei|einbruch|diebstahl|gestohlen|anzeige erstatten|unfall)\b"),
     "Eine Straftat oder einen Unfall melden Sie der Polizei: im Notfall 110, sonst bei Ihrer Polizeidienststelle "
     "oder online über die Onlinewache der Polizei Sachsen-Anhalt.", False),
    ("jobs", re.compile(r"\b(jobcenter|buergergeld|arbeitslos\w*|arbeitsagentur|hartz)\b"),
     "Für Bürgergeld ist das Jobcenter zuständig, für Arbeitslosengeld die Agentur für Arbeit. Deren "
     "Servicenummer: 0800 4 5555 00 (kostenlos).", False),
    ("weather", re.compile(r"\b(wetter\w*|glatteis|unwetter|gewitter|regnet|schneit|wettervorhersage|sturmwarnung)\b"),
     "Zum Wetter und zu seinen Folgen habe ich keine verlässliche Information; aktuelle Warnungen gibt der "
     "Deutsche Wetterdienst (dwd.de).", False),
]
STRONG = {key for key, _, _, strong in POINTERS if strong}
TEXTS = {key: text for key, _, text, _ in POINTERS}
# pointers that also name the resident's own municipality office (it knows the Schiedsperson)
WITH_OFFICE = {"dispute"}


def pointer_key(text: str, strong_only: bool = False) -> Optional[str]:
    """Which pointer applies (see :data:`POINTERS`); ``strong_only``: only the strong ones."""
    norm = normalize(text)
    for key, pattern, _, strong in POINTERS:
        if strong_only and not strong:
            continue
        if pattern.search(norm):
            return key
    return None


def pointer(text: str, strong_only: bool = False) -> Optional[str]:
    """Who is responsible instead (the reply text), or None."""
    key = pointer_key(text, strong_only)
    return TEXTS[key] if key else None


def reply(env: Env, state: DialogueState, turn: Turn, key: Optional[str] = None) -> Reply:
    """The honest reply; ``key`` repeats an earlier pointer (a follow-up such as "wen ruf ich da an")."""
    state.fallback_count += 1
    key = key or (pointer_key(turn.text) if not turn.is_payload else None)
    hint = TEXTS.get(key or "")
    text = (hint + " ") if hint else "Dazu habe ich keine verlässliche Information. "
    state.subject = Subject(SUBJECT_OUT_OF_SCOPE, f"out_of_scope:{key or ''}", municipality=state.municipality)
    if (not hint or key in WITH_OFFICE) and state.municipality:
        ctx = env.context(state)
        office = ctx.office()
        if office:
            text += f"Fragen Sie gern dort nach: {office.name}, Telefon {office.phone}. "
    text += f"Allgemeine Fragen an Behörden beantwortet die Behördennummer 115. {env.kb.county.hotline_115}"
    buttons = [Button("Was kann ich hier fragen?", payload("help"))]
    if state.fallback_count >= 2:
        buttons.insert(0, Button("Mit einem Menschen sprechen", payload("request_human")))
    return Reply("utter_out_of_scope", text, buttons)
