"""Situations whose right answer differs from the plain topic answer.

A resident who asks "Wir ziehen von Musterstadt nach Kleinwalde, müssen wir uns in Musterstadt
abmelden?" needs "Nein" (§ 17 BMG), not the address of the Abmeldung office; "Mein Hund ist
gestorben" means the Hundesteuer Abmeldung, not the registration of a dog. :func:`special_answer`
recognises these situations from the message text and the context, and answers them from the
knowledge base; ``None`` means: answer the topic as usual.
"""
from __future__ import annotations

import re
from typing import Optional

from assistant.answers import services
from assistant.answers.context import Context
from assistant.answers.reply import Button, Reply, first_sentence, payload
from assistant.kb.loader import normalize

ABROAD_WORDS = {"ausland", "auslands", "auswandern", "auswanderung", "ausgewandert", "wandere", "wandern",
                "spanien", "frankreich", "italien", "oesterreich", "schweiz", "polen", "niederlande", "holland",
                "belgien", "daenemark", "tschechien", "portugal", "griechenland", "tuerkei", "usa", "amerika",
                "kanada", "australien", "england", "grossbritannien", "schweden", "norwegen", "thailand"}
SECONDARY_WORDS = {"nebenwohnung", "nebenwohnsitz", "zweitwohnung", "zweitwohnsitz", "ferienwohnung",
                   "studentenwohnung", "wochenendhaus"}
DEREGISTER_WORDS = {"abmelden", "abmeldung", "abgemeldet", "abmelde", "abmeldet"}
MOVE_WORDS = {"ziehe", "ziehen", "zieht", "umzug", "umziehen", "umgezogen", "gezogen", "wegziehen", "zieh", "ziehn"}
DOG_WORDS = {"hund", "hunde", "hundes", "huendin", "hundchen", "hundi", "dackel", "schaeferhund", "welpe"}
DOG_END_WORDS = {"gestorben", "verstorben", "tot", "eingeschlaefert", "abgegeben", "weggegeben", "verkauft",
                 "verschenkt", "abmelden", "abmeldung", "abgemeldet", "ueberfahren", "entlaufen"}
GERMANY_WORDS = ("innerhalb deutschlands", "in deutschland", "innerhalb von deutschland", "im inland")


def _tokens(text: str) -> set[str]:
    return set(normalize(text).split())


def _german_target(ctx: Context, text: str) -> tuple[bool, Optional[str]]:
    """(the move stays within Germany, id of the municipality moved to) as far as the text says."""
    from assistant.kb.views import resolve_municipality

    norm = f" {normalize(text)} "
    target = None
    for m in re.finditer(r" (?:nach|in die|ins|in den) ([a-z0-9]+(?: [a-z0-9]+)?) ", norm):
        mid = resolve_municipality(ctx.kb, m.group(1)) or resolve_municipality(ctx.kb, m.group(1).split()[0])
        if mid:
            target = mid
    places = {resolve_municipality(ctx.kb, w) for w in norm.split() if len(w) >= 4}
    places.discard(None)
    within = target is not None or len(places) >= 2 or any(f" {w} " in norm for w in GERMANY_WORDS)
    return within, target


def moving_within_germany(ctx: Context, text: str) -> Optional[Reply]:
    """'Müssen wir uns am alten Ort abmelden?' when moving within Germany: no (§ 17 BMG)."""
    tokens = _tokens(text)
    if not tokens & DEREGISTER_WORDS or ctx.service not in (None, "wohnsitz_abmelden", "wohnsitz_anmelden"):
        return None
    if tokens & ABROAD_WORDS or tokens & SECONDARY_WORDS or tokens & DOG_WORDS:
        return None
    within, target = _german_target(ctx, text)
    if not within or not (tokens & MOVE_WORDS or target):
        return None
    kb = ctx.kb
    new_place = kb.municipalities[target].name if target else "Ihrem neuen Wohnort"
    anmelden = kb.services.get("wohnsitz_anmelden")
    deadline = first_sentence(anmelden.deadline.text, 14) if anmelden and anmelden.deadline else ""
    lines = [
        "Nein. Wenn Sie innerhalb Deutschlands umziehen, müssen Sie sich am alten Wohnort nicht abmelden (§ 17 BMG).",
        f"Sie melden sich nur in {new_place} an. {deadline}".strip(),
        "Die neue Meldebehörde gibt Ihrem alten Wohnort Bescheid.",
        "Abmelden müssen Sie sich nur, wenn Sie ins Ausland ziehen oder eine Nebenwohnung aufgeben.",
    ]
    buttons = [
        Button("Unterlagen für die Anmeldung", payload("ask_documents", service="wohnsitz_anmelden")),
        Button("Wo melde ich mich an?", payload("ask_office", service="wohnsitz_anmelden",
                                                  place=kb.municipalities[target].name if target else None)),
        Button("Geht das online?", payload("ask_online", service="wohnsitz_anmelden")),
    ]
    return Reply("utter_howto", "\n".join(lines), buttons)


REGISTER_WORDS = {"anmelden", "anmeldung", "angemeldet", "ummelden", "ummeldung", "melden", "melde", "gemeldet"}


def secondary_residence(ctx: Context, text: str) -> Optional[Reply]:
    """A Nebenwohnung: how it is registered (main vs secondary residence) or given up."""
    tokens = _tokens(text)
    if not tokens & SECONDARY_WORDS or tokens & DOG_WORDS:
        return None
    if ctx.service not in (None, "wohnsitz_anmelden", "wohnsitz_abmelden", "meldebescheinigung"):
        return None
    if tokens & DEREGISTER_WORDS or tokens & {"aufgeben", "aufgegeben", "kuendigen", "gekuendigt", "ausziehen"}:
        lines = ["Eine Nebenwohnung, die Sie aufgeben, müssen Sie abmelden – innerhalb von 2 Wochen nach dem Auszug.",
                 "Das machen Sie bei der Meldebehörde Ihrer Hauptwohnung, meist geht es per Brief.",
                 "Ziehen Sie dagegen innerhalb Deutschlands in eine neue Hauptwohnung, reicht die Anmeldung dort."]
        slug = "wohnsitz_abmelden"
    else:
        lines = ["Auch eine Nebenwohnung (Zweitwohnung) melden Sie innerhalb von 2 Wochen nach dem Einzug an.",
                 "Hauptwohnung ist die Wohnung, die Sie vorwiegend benutzen; bei Verheirateten mit Familie die "
                 "der Familie (§§ 21, 22 BMG). Sie geben bei der Anmeldung an, welche Ihre Hauptwohnung ist.",
                 "Wer schon gemeldet ist und nicht länger als 6 Monate bleibt, muss sich nicht anmelden (§ 27 Abs. 2 BMG).",
                 "Online (elektronische Wohnsitzanmeldung) geht nur die Hauptwohnung. Manche Gemeinden erheben eine "
                 "Zweitwohnungsteuer."]
        slug = "wohnsitz_anmelden"
    if slug not in ctx.kb.services:
        return None
    ctx.service = slug
    return Reply("utter_howto", "\n".join(lines), services.next_step_buttons(ctx, "howto"))


def dog_ended(ctx: Context, text: str) -> Optional[Reply]:
    """'Mein Hund ist gestorben, muss ich den abmelden?': the Hundesteuer Abmeldung."""
    tokens = _tokens(text)
    if "hund_abmelden" not in ctx.kb.services or not tokens & DOG_END_WORDS:
        return None
    # the dog must be named in this message, or the talk is about the dog and the resident says "abmelden"
    # ("Meine Mutter ist gestorben" after a dog question is a Sterbefall, not a dog)
    about_dog = ctx.service in ("hund_anmelden", "hund_abmelden") and tokens & DEREGISTER_WORDS
    if not tokens & DOG_WORDS and not about_dog:
        return None
    ctx.service = "hund_abmelden"
    eff = ctx.eff()
    svc = eff.service
    office = eff.office
    lines = ["Ja. " + first_sentence(svc.summary, 30)]
    if svc.deadline:
        lines.append(f"Frist: {first_sentence(svc.deadline.text, 24)}")
    if eff.online.without_visit:
        lines.append(first_sentence(eff.online.without_visit, 30))
    if office:
        contact = f"{office.name}, {office.address.street}, {office.address.postcode} {office.address.city}"
        lines.append(f"Zuständig: {contact}" + (f", E-Mail: {office.email}" if office.email else "") + ".")
    elif not ctx.municipality:
        lines.append("Sagen Sie mir Ihren Wohnort, dann nenne ich Ihnen die zuständige Steuerstelle.")
    lines.extend(first_sentence(n, 30) for n in eff.notes[:1])
    if tokens & {"gestorben", "verstorben", "tot", "eingeschlaefert", "ueberfahren"}:
        lines.insert(0, "Das tut mir leid.")
    if office is None and not ctx.municipality:
        # one tap on the place names the responsible Steuerstelle
        places = [Button(m.name, payload("ask_office", service="hund_abmelden", place=m.name))
                  for m in ctx.kb.municipalities.values()]
        return Reply("utter_howto", "\n".join(lines), places)
    return Reply("utter_howto", "\n".join(lines), services.next_step_buttons(ctx, "howto"))


def special_answer(ctx: Context, text: str) -> Optional[Reply]:
    """The answer for a recognised situation, or None (then the topic is answered as usual)."""
    if not text or text.startswith("/"):
        return None
    for rule in (dog_ended, secondary_residence, moving_within_germany):
        reply = rule(ctx, text)
        if reply is not None:
            return reply
    return None
