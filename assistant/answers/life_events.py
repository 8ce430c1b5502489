"""Life events: every service an event touches, in order, with deadlines and local offices."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from assistant.answers.reply import Button, Reply, first_sentence, fit, payload
from assistant.kb.loader import KnowledgeBase, normalize
from assistant.kb.views import responsible_office


@dataclass
class EventStep:
    slug: str
    name: str
    deadline: Optional[str]
    office: Optional[str]


def steps_for(kb: KnowledgeBase, event: str, municipality: Optional[str]) -> list[EventStep]:
    services = [s for s in kb.services.values() if event in s.life_events]
    services.sort(key=lambda s: (s.order, 0 if s.deadline else 1, s.name))
    out = []
    for svc in services:
        off = responsible_office(kb, svc.slug, municipality)
        out.append(EventStep(svc.slug, svc.short_name, svc.deadline.text if svc.deadline else None,
                             off.name if off else None))
    return out


def detect_event(kb: KnowledgeBase, text: str) -> Optional[str]:
    """Find the life event in free text by its phrases (longest match wins)."""
    norm = f" {normalize(text)} "
    best: tuple[int, Optional[str]] = (0, None)
    for key, ev in kb.life_events.items():
        for phrase in [ev.name, *ev.phrases]:
            p = normalize(phrase)
            if p and f" {p} " in norm and len(p) > best[0]:
                best = (len(p), key)
    if best[1]:
        return best[1]
    # single strong words
    words = {"umzug": "umzug", "umziehen": "umzug", "umziehe": "umzug", "umgezogen": "umzug", "ziehe": "umzug", "baby": "geburt", "geburt": "geburt",
             "schwanger": "geburt", "heiraten": "heirat", "hochzeit": "heirat", "gestorben": "sterbefall",
             "verstorben": "sterbefall", "tod": "sterbefall", "hund": "hund", "welpe": "hund", "auto": "auto",
             "bauen": "bauen", "hausbau": "bauen"}
    for word, key in words.items():
        if f" {word} " in norm and key in kb.life_events:
            return key
    return None


def answer(kb: KnowledgeBase, event: Optional[str], municipality: Optional[str]) -> Reply:
    if event is None or event not in kb.life_events:
        options = [k for k in ("umzug", "geburt", "heirat", "sterbefall", "auto", "hund") if k in kb.life_events]
        return Reply("utter_ask_service", "Um welche Lebenslage geht es?",
                     [Button(kb.life_events[k].name, payload("ask_life_event", option=k)) for k in options])
    ev = kb.life_events[event]
    steps = steps_for(kb, event, municipality)
    lines = [ev.intro]
    for i, st in enumerate(steps[:5], 1):
        line = f"{i}. {st.name}"
        if st.deadline:
            line += f" – {first_sentence(st.deadline, 8).rstrip('.')}"
        lines.append(line)
    others = [re.sub(r"\s*\([^)]*\)", "", o).split(" – ")[0].split(",")[0].strip() for o in ev.inform_others[:5]]
    lines = fit(lines, 62)
    if others:
        lines.append("Sagen Sie auch Bescheid: " + ", ".join(others) + ".")
    buttons = [Button(f"Unterlagen: {st.name}", payload("ask_documents", service=st.slug)) for st in steps[:3]]
    return Reply("utter_life_event", "\n".join(lines), buttons)
