"""Answering a question (a topic) from the knowledge base, with the context of the conversation:
the last answer's subject, county-wide offices, local answers, transport options."""
from __future__ import annotations

import re
from typing import Optional

from assistant.answers.situations import special_answer
from assistant.answers import offices, services
from assistant.answers.context import Context
from assistant.answers.reply import Button, LinkButton, Reply, first_sentence, payload
from assistant.dialogue.base import Env
from assistant.dialogue.state import (SUBJECT_LOCAL, SUBJECT_OFFICE, SUBJECT_SERVICE, SUBJECT_TRANSPORT,
                                      DialogueState, Subject)
from assistant.dialogue.turn import Turn
from assistant.kb import hours as hours_mod
from assistant.kb.loader import KnowledgeBase, normalize
from assistant.kb.views import responsible_office

SERVICE_TOPICS = ("documents", "howto", "fees", "online")
OFFICE_TOPICS = ("office", "opening_hours", "directions", "phone", "access")
POPULAR_SERVICES = ("personalausweis", "reisepass", "wohnsitz_anmelden", "kfz_zulassung", "hund_anmelden",
                    "fuehrungszeugnis")

# "wo müssen wir hin", "geht das alles im Rathaus", "geht beides am gleichen Ort": where, not how to get there
WHERE_RE = re.compile(r"\bwo (muss|muess|soll|kann|koenn)\w* (\w+ ){0,2}hin$|\bgeht (das|beides|alles) (alles |beides )?"
                      r"(im|beim|in der|am|an einem)\b|\b(am|an einem|an einer) (gleichen|selben|einen?) (ort|stelle)\b")

PERMIT_RE = re.compile(r"\b(brauch\w* (ich|man|wir) (da |dafuer |dazu |denn )?(eine|einen|ne|n) (genehmigung|erlaubnis)|"
                       r"genehmigungspflichtig|muss (ich|man) (das|es|den|die) (genehmigen|erlauben) lassen)\b")

# words that name what a message asks, for follow-ups and unsure NLU ("und was kostet das", "kostet?")
TOPIC_WORDS: list[tuple[str, re.Pattern]] = [
    ("access", re.compile(r"\b(rollstuhl\w*|rollator|barrierefrei\w*|stufen\w*|treppe\w*|aufzug|fahrstuhl|"
                          r"gehbehindert\w*|komm\w* ich (da )?rein|hublift|rampe)\b")),
    ("phone", re.compile(r"\b(wen ruf\w*|ruf\w* ich|anrufen|telefon\w*|nummer|tel|telefonisch|hotline)\b")),
    ("fees", re.compile(r"\b(kost\w*|gost\w*|kosst\w*|gebuehr\w*|preis\w*|teuer|bezahlen|euro|umsonst|gratis|"
                        r"kostenlos|steuer|zahl\w*)\b")),
    ("online", re.compile(r"\b(online|internet|digital|von zu ?hause|per mail|app)\b")),
    ("opening_hours", re.compile(r"\b(offen|auf hat|aufhat|hat \w+ auf|haben \w+ auf|geoeffnet|oeffnungszeit\w*|"
                                 r"oeffnet|sprechzeit\w*|wochenende|samstags?|sonntags?|wann hat|wann haben|"
                                 r"wann denn|wann kommt|wann ist \w+ (da|auf|offen)|opening|hours|zu\b)\b")),
    ("office", WHERE_RE),
    # "muss ich da hin", "muss ich persönlich vorbeikommen": can it be done without a visit
    ("online", re.compile(r"(?<!wo )\bmuss ich (da |dort |persoenlich |selbst |selber )?(hin|vorbei\w*|hingehen|"
                          r"erscheinen)\b|\bpersoenlich (erscheinen|hin|vorbei\w*)\b")),  # = VISIT_RE
    ("directions", re.compile(r"\b(hinkomm\w*|hinfahr\w*|komm\w* ich|wie komm\w*|anfahrt|mit dem bus|bus|"
                              r"fahr\w* da|ohne auto|haltestelle|hin$)\b")),
    ("office", re.compile(r"\b(wo ist|wo sind|wo finde|wo muss|wo beantrag\w*|wo stell\w*|wo reich\w*|wo bekomm\w*|"
                          r"wo krieg\w*|wo meld\w*|wo geh\w*|wo kann|wo gebe|wo mach\w*|wohin|adresse|"
                          r"zustaendig\w*|welches amt|wo genau|wo$|und wo|wo\?|ort|selben stelle|gleichen stelle)\b")),
    # "brauch ich eine Genehmigung": whether it is needed at all (the summary says it), not the documents
    ("howto", PERMIT_RE),
    ("documents", re.compile(r"\b(unterlagen|mitbringen|mitnehmen|dokumente?|papiere|liste|brauch\w* ich)\b")),
    ("booking", re.compile(r"\b(termin\w*)\b")),
]


TOPIC_PATTERNS = dict(TOPIC_WORDS)


def topic_from_words(text: str) -> Optional[str]:
    norm = normalize(text)
    for topic, pattern in TOPIC_WORDS:
        if pattern.search(norm):
            return topic
    return None


# ------------------------------------------------------------------ context

def office_serves_all(kb: KnowledgeBase, slug: str) -> Optional[str]:
    """The office id if one office handles ``slug`` for every municipality (county-wide offices,
    the one Standesamt): then there is no need to ask where the resident lives."""
    ids = {getattr(responsible_office(kb, slug, m), "id", None) for m in kb.municipalities}
    if len(ids) == 1:
        return next(iter(ids))
    return None


def fees_are_local(kb: KnowledgeBase, slug: str) -> bool:
    return any(slug in m.services and m.services[slug].fees is not None for m in kb.municipalities.values())


def ask_service(kb: KnowledgeBase) -> Reply:
    buttons = [Button(kb.services[s].short_name, payload("inform", service=s)) for s in POPULAR_SERVICES
               if s in kb.services]
    return Reply("utter_ask_service",
                 "Um welche Leistung geht es? Schreiben Sie es einfach, zum Beispiel „Ausweis“, „Ummeldung“ oder "
                 "„Hund anmelden“.", buttons[:5])


def ask_municipality(kb: KnowledgeBase, travel: bool = False) -> Reply:
    buttons = [Button(m.name, payload("inform", place=m.name)) for m in kb.municipalities.values()]
    text = ("Von wo aus fahren Sie los? Dann suche ich die passende Verbindung." if travel else
            "In welcher Gemeinde wohnen Sie? Dann nenne ich Ihnen das richtige Amt.")
    return Reply("utter_ask_municipality", text, buttons)


def missing(env: Env, topic: str, ctx: Context, text: str = "") -> Optional[Reply]:
    """What to ask before ``topic`` can be answered (None: answer now)."""
    kb = env.kb
    if text and topic != "booking" and special_answer(ctx, text) is not None:
        return None  # a situation ("innerhalb Deutschlands keine Abmeldung") needs neither service nor place
    if (topic in SERVICE_TOPICS or topic == "booking") and not ctx.service:
        return ask_service(kb)
    if ctx.municipality:
        return None
    if topic == "fees" and ctx.service and fees_are_local(kb, ctx.service):
        return ask_municipality(kb)
    if topic in OFFICE_TOPICS + ("booking",):
        if ctx.office_id:
            return None
        if ctx.service and office_serves_all(kb, ctx.service):
            ctx.office_id = office_serves_all(kb, ctx.service)
            return None
        if topic == "booking" and not ctx.service:
            return ask_service(kb)
        return ask_municipality(kb, travel=topic == "directions" and bool(ctx.destination))
    return None


# ------------------------------------------------------------------ answers

def phone_reply(ctx: Context) -> Reply:
    off = ctx.office()
    if off is None:
        return Reply("utter_human_phone", f"Die Behördennummer 115 hilft weiter. {ctx.kb.county.hotline_115}")
    status = hours_mod.describe_status(off.hours, ctx.now, ctx.tz, ctx.state)
    text = f"{off.name}: Telefon {off.phone}."
    if off.email:
        text += f" E-Mail: {off.email}."
    text += f" {status}"
    return Reply("utter_human_phone", text, [Button("Lieber Rückruf", payload("request_human", option="callback")),
                                              Button("Öffnungszeiten", payload("ask_opening_hours"))])


def access_reply(ctx: Context) -> Reply:
    """'Komm ich mit dem Rollstuhl rein?': step-free access, what the office says about it, parking."""
    off = ctx.office()
    if off is None:
        return Reply("utter_no_information", f"Dazu habe ich keine verlässliche Information. {ctx.kb.county.hotline_115}")
    acc = off.accessibility
    lines = [f"{off.name}: " + ("Der Zugang ist stufenlos." if acc.step_free else "Der Zugang ist nicht stufenlos.")]
    if acc.note:
        lines.append(acc.note.strip())
    if acc.disabled_parking:
        lines.append("Es gibt einen Behindertenparkplatz.")
    if acc.parking:
        lines.append(f"Parken: {acc.parking.strip()}")
    lines.append(f"Fragen vorab: Telefon {off.phone}.")
    return Reply("utter_directions", " ".join(lines), [LinkButton("Karte öffnen", offices.map_link(off))])


def weekend_reply(ctx: Context) -> Optional[Reply]:
    """'und am Wochenende?': does the office open on Saturday or Sunday?"""
    off = ctx.office()
    if off is None:
        return None
    lines = hours_mod.weekly_lines(off.hours)
    weekend = [line for line in lines if "Samstag" in line or "Sonntag" in line]
    if weekend:
        text = f"{off.name}: Am Wochenende geöffnet: " + "; ".join(weekend) + "."
        if not any("Sonntag" in line for line in weekend):
            text += " Sonntags geschlossen."
    else:
        text = f"{off.name}: Am Wochenende (Samstag und Sonntag) ist geschlossen."
        if lines:
            text += " Geöffnet ist: " + "; ".join(lines) + "."
    return Reply("utter_opening_hours", text, [Button("Termin buchen", payload("book_appointment"))])


SENTENCE_RE = re.compile(r"(?<=[^\d][.!?])\s+(?=[A-ZÄÖÜ0-9])")  # not after "1." (ordinals)
LOCAL_HINTS = {
    "directions": re.compile(r"\b(bus|bahn|haltestelle|linie|zu fuss|parkpl\w*|fahrt|rufbus|buergerbus)\b"),
    "opening_hours": re.compile(r"\b(uhr|geoeffnet|offen|montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
                                r"sonntag|jeden|ab)\b"),
    "phone": re.compile(r"\d{3}\s?\d{4,}|\btelefon|\bmail|\bruf"),
    "office": re.compile(r"\b(ist im|ist in|ist am|liegt|strasse|weg \d|platz|gewerbering|\w+weg|\w+strasse)\b|"
                         r"\b\w+ \d{1,3}\b"),
    "fees": re.compile(r"\b(euro|kostenlos|kostet|gebuehr|frei|kaution)\b"),
    "access": re.compile(r"\b(stufen\w*|rollstuhl\w*|barriere\w*|ebenerdig|hublift|aufzug)\b"),
}


def local_followup(env: Env, subject: Subject, topic: str, text: str = "") -> Optional[Reply]:
    """A follow-up on a local answer ("wie komm ich da hin", "wen ruf ich an"): the sentences of that
    local answer that say it; otherwise honestly that the answer says nothing about it."""
    mun = env.kb.municipalities.get(subject.municipality or "")
    answer = next((a for a in mun.local_answers if a.id == subject.local_id), None) if mun else None
    if answer is None:
        return None
    sentences = [s.strip() for s in SENTENCE_RE.split(answer.answer.strip()) if s.strip()]
    hint = LOCAL_HINTS.get(topic)
    picked = [s for s in sentences if hint and hint.search(normalize(s))] if hint else []
    if topic == "office" and sentences and sentences[0] not in picked and LOCAL_HINTS["office"].search(
            normalize(sentences[0])):
        picked.insert(0, sentences[0])
    close = best_sentences(text, sentences, minimum=2, limit=1) if text else []
    if close:  # "und wo hält der Bus am Markt dann": the sentence that shares the question's words comes first
        picked = close + [p for p in picked if p not in close]
    if picked:
        return Reply("utter_local_answer", " ".join(picked[:3]))
    from assistant.answers.local_match import municipality_office

    office = municipality_office(env.kb, mun.id)
    text = "Dazu steht in meinen Unterlagen nichts Genaueres."
    if office is not None:
        text += f" Fragen Sie bitte beim {office.name} nach: Telefon {office.phone}."
    else:
        text += f" Die Behördennummer 115 hilft weiter. {env.kb.county.hotline_115}"
    return Reply("utter_no_information", text)


TRANSPORT_NAMES = {"buergerbus": "Bürgerbus", "rufbus": "Rufbus", "bus": "Bus", "bahn": "Bahn", "taxi": "Taxi"}


def transport_reply(env: Env, ctx: Context, kind: str, topic: str) -> Optional[Reply]:
    """About a transport option itself ("kostet der Bürgerbus was", "wie bestell ich den Rufbus")."""
    options = []
    seen = set()
    mun = env.kb.municipalities.get(ctx.municipality or "")
    names = {normalize(n) for n in ([mun.name, *mun.ortsteile] if mun else [])}
    for office in env.kb.offices.values():
        for t in office.transport:
            if t.kind != kind:
                continue
            key = (t.line, t.from_place, t.stop)
            if key in seen:
                continue
            seen.add(key)
            local = bool(names) and bool(t.from_place) and any(n in normalize(t.from_place) for n in names)
            options.append((0 if local else 1, t))
    if not options:
        return None
    options.sort(key=lambda x: x[0])
    t = options[0][1]
    name = t.line or TRANSPORT_NAMES.get(kind, kind)
    lines = [f"{name}:"]
    if t.departures:
        lines.append(t.departures.strip())
    if t.from_place and t.stop:
        lines.append(f"Von {t.from_place} bis {t.stop}.")
    if t.booking_lead:
        lines.append(f"Bestellen: {t.booking_lead}.")
    if t.phone:
        lines.append(f"Telefon: {t.phone}.")
    if t.note:
        lines.append(t.note.strip())
    text = " ".join(lines)
    if topic == "fees" and not re.search(r"kostenlos|preis|euro|spende", text, re.I):
        text += " Zum Fahrpreis habe ich keine genaue Angabe; fragen Sie bitte unter der Telefonnummer nach."
    return Reply("utter_directions", text)


def answer(env: Env, state: DialogueState, topic: str, ctx: Context, turn: Optional[Turn] = None) -> Reply:
    """The answer to ``topic`` (context is complete); records what it was about."""
    special = special_answer(ctx, turn.text) if turn is not None and not turn.is_payload else None
    if special is not None:
        reply = special  # e.g. moving within Germany: no Abmeldung needed
        state.service = ctx.service
    elif topic == "documents":
        reply = services.documents_general(ctx)
        if ctx.eff().service.situations:
            reply = Reply(reply.key, reply.text + "\nSoll ich die Liste mit ein paar Ja/Nein-Fragen genau für Sie "
                                                  "machen?", reply.buttons)
    elif topic == "howto":
        reply = services.howto(ctx)
    elif topic == "fees":
        reply = services.fees(ctx)
    elif topic == "online":
        reply = services.online(ctx)
    elif topic == "office":
        reply = offices.office(ctx)
    elif topic == "opening_hours":
        reply = (weekend_reply(ctx) if turn is not None and turn.weekend and not _names_weekday(turn) else None) \
            or offices.opening_hours(ctx)
    elif topic == "directions":
        reply = offices.directions(ctx)
        if ctx.service:  # "Sie müssen nicht hinfahren: Antrag online oder per Post"
            hint = next((n for n in ctx.eff().notes if re.search(r"hinfahren|per post|nicht hin", normalize(n))), None)
            if hint:
                reply = Reply(reply.key, f"{hint.strip()}\n{reply.text}", reply.buttons)
    elif topic == "phone":
        reply = phone_reply(ctx)
    elif topic == "access":
        reply = access_reply(ctx)
    else:
        raise KeyError(topic)
    state.last_topic = topic
    off = ctx.office() if topic in OFFICE_TOPICS else None
    if topic in OFFICE_TOPICS:
        state.subject = Subject(SUBJECT_OFFICE, topic, office_id=off.id if off else None, service=ctx.service,
                                municipality=ctx.municipality)
    else:
        state.subject = Subject(SUBJECT_SERVICE, topic, service=ctx.service, municipality=ctx.municipality,
                                office_id=ctx.office_id)
    state.fallback_count = 0
    return reply


SEASON_MONTHS = {"sommer": (6, 7, 8), "sommerferien": (6, 7, 8), "ferien": (6, 7, 8), "winter": (12, 1, 2),
                 "weihnachten": (12,), "fruehling": (3, 4, 5), "fruehjahr": (3, 4, 5), "herbst": (9, 10, 11),
                 "januar": (1,), "februar": (2,), "maerz": (3,), "april": (4,), "mai": (5,), "juni": (6,), "juli": (7,),
                 "august": (8,), "september": (9,), "oktober": (10,), "november": (11,), "dezember": (12,)}


MONTH_RE = re.compile(r"\b(januar|februar|maerz|april|mai|juni|juli|august|september|oktober|november|dezember)\b")


def season_months(text: str) -> set[int]:
    """Months a question names ("auch im Sommer", "im August")."""
    return {m for w in normalize(text).split() for m in SEASON_MONTHS.get(w, ())}


def closures_reply(ctx: Context, months: set[int]) -> Optional[Reply]:
    """'kommt das auch im Sommer?' about an office: its closures in those months, or that it is open then."""
    from assistant import formatting

    off = ctx.office()
    if off is None or not months:
        return None
    base = ctx.kb.offices.get(ctx.kb.stop_parent.get(off.id, off.id)) or off  # a stop shares its office's closures
    hits: list[str] = []
    seen = set()
    for c in [*base.hours.closures, *(off.hours.closures if off is not base else [])]:
        if (c.date, c.until, c.reason) in seen:
            continue
        seen.add((c.date, c.until, c.reason))
        end = c.until or c.date
        span = {c.date.month, end.month}
        if span & months:
            when = formatting.date_medium(c.date) + (f" bis {formatting.date_medium(c.until)}" if c.until else "")
            hits.append(f"{when}: {c.reason}")
    if not hits:
        return Reply("utter_opening_hours", f"{off.name}: In dieser Zeit ist keine Schließung eingetragen; es gelten "
                                            "die normalen Zeiten.", [Button("Öffnungszeiten", payload("ask_opening_hours"))])
    return Reply("utter_opening_hours", f"{off.name} – geschlossen: " + "; ".join(hits) + ". Sonst gelten die normalen "
                 "Zeiten.", [Button("Öffnungszeiten", payload("ask_opening_hours"))])


def _names_weekday(turn: Turn) -> bool:
    return bool(set(turn.words) & {"montag", "dienstag", "mittwoch", "donnerstag", "freitag"})


def record_local(state: DialogueState, municipality: Optional[str], local_id: Optional[str]) -> None:
    state.last_topic = "local"
    state.subject = Subject(SUBJECT_LOCAL, "local", municipality=municipality, local_id=local_id)


def record_transport(state: DialogueState, kind: str, municipality: Optional[str]) -> None:
    state.last_topic = "transport"
    state.subject = Subject(SUBJECT_TRANSPORT, "transport", transport=kind, municipality=municipality)


def link_reply(text: str, title: str, url: str) -> Reply:
    return Reply("utter_what_else", text, [LinkButton(title, url)])


def short(text: str) -> str:
    return first_sentence(text, 25)


def _buttons(raw: list[dict[str, str]]) -> list:
    out: list = []
    for b in raw:
        title = b.get("title") or b.get("label")
        if not title:
            continue
        if b.get("url"):
            out.append(LinkButton(title, b["url"]))
        elif b.get("payload"):
            out.append(Button(title, b["payload"]))
    return out


def local_reply(env: Env, decision, named: bool) -> Reply:
    """The reply for a local-answer decision of kind 'answer' or 'no_information'."""
    from assistant.answers.local_match import municipality_office

    kb = env.kb
    mid = decision.municipality_id or ""
    name = kb.municipalities[mid].name if mid in kb.municipalities else ""
    if decision.kind == "answer" and decision.match is not None:
        text = decision.match.answer.answer
        if named and name:
            text = f"Für {name}: {text}"
        return Reply("utter_local_answer", text, _buttons(decision.match.answer.buttons))
    office = municipality_office(kb, mid)
    text = f"Dazu habe ich für {name} keine verlässliche Information."
    if office is not None:
        text += f" Fragen Sie bitte beim {office.name} nach: Telefon {office.phone}."
    else:
        text += f" Rufen Sie bitte die Behördennummer 115 an. {kb.county.hotline_115}"
    return Reply("utter_no_information", text, [Button("Mit einem Menschen sprechen", payload("request_human")),
                                                Button("Was kann ich hier fragen?", payload("help"))])


# ------------------------------------------------------------------ details: "wie lange dauert das", "gibt es eine Kaution"

_STOP = {"ich", "sie", "du", "wir", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "und",
         "oder", "aber", "auch", "noch", "mal", "denn", "da", "dort", "was", "wie", "wo", "wann", "wer", "ist", "sind",
         "hat", "haben", "kann", "muss", "darf", "soll", "man", "mein", "meine", "meinen", "mit", "fuer", "von",
         "zum", "zur", "bei", "im", "in", "an", "am", "auf", "es", "nicht", "kein", "keine", "ja", "nein", "bitte",
         "gibt", "geht", "dann", "wenn", "so", "dass", "ob", "zu", "hin", "her", "mir", "mich", "uns", "ihr", "ihn",
         "sich", "werden", "wird", "bin", "hab", "habe", "schon", "eigentlich", "genau", "nochmal", "gern", "gerne"}


def content_words(text: str) -> set[str]:
    return {w for w in normalize(text).split() if len(w) >= 3 and w not in _STOP}


def _hits(question: set[str], sentence: str) -> int:
    words = content_words(sentence)
    n = 0
    for q in question:
        if any(w == q or (len(q) >= 5 and len(w) >= 5 and (w.startswith(q[:5]) or q.startswith(w[:5])))
               or (len(q) >= 5 and w.endswith(q)) or (len(w) >= 5 and q.endswith(w))  # "fahren" ~ "hinfahren"
               or (len(q) >= 3 and len(w) >= len(q) + 4 and w.startswith(q))  # "Bus" ~ "Bushaltestelle"
               for w in words):
            n += 1
    return n


def best_sentences(question: str, sentences: list[str], minimum: int = 1, limit: int = 2) -> list[str]:
    q = content_words(question)
    if not q:
        return []
    scored = [(_hits(q, s), i, s) for i, s in enumerate(sentences)]
    scored = [x for x in scored if x[0] >= minimum]
    scored.sort(key=lambda x: (-x[0], x[1]))
    picked = sorted(scored[:limit], key=lambda x: x[1])
    return [s for _, _, s in picked]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_RE.split(text.strip()) if s.strip()]


def local_details(env: Env, subject: Subject, text: str) -> Optional[Reply]:
    """A free follow-up on a local answer ("gibt es eine Kaution", "ist da ein Bademeister")."""
    mun = env.kb.municipalities.get(subject.municipality or "")
    answer = next((a for a in mun.local_answers if a.id == subject.local_id), None) if mun else None
    if answer is None:
        return None
    picked = best_sentences(text, split_sentences(answer.answer))
    return Reply("utter_local_answer", " ".join(picked)) if picked else None


DEADLINE_RE = re.compile(r"\b(darf (ich|man) (\w+ ){0,3}(im|ab|bis) (sommer|winter|fruehling|fruehjahr|herbst|"
                         r"januar|februar|maerz|april|mai|juni|juli|august|september|oktober|november|dezember)|"
                         r"wann darf (ich|man)|bis wann|frist\w*|stichtag\w*|spaetestens|wie lange (hab|habe|haben|hat|habt)\w* "
                         r"(\w+ )?zeit|wie ?viel zeit|wann muss ich \w* ?(den|die|das|ihn|es|sie)? ?"
                         r"(umtauschen|anmelden|abmelden|beantragen|melden))\b")
YEAR_RANGE_RE = re.compile(r"\baus (\d{4})(?: bis (?:\d{1,2}\.\d{1,2}\.)?(\d{4}))?")


def deadline_reply(ctx: Context, text: str) -> Optional[Reply]:
    """'bis wann muss ich den Führerschein von 2003 umtauschen', 'wie lange hab ich Zeit für den Antrag':
    the service's deadline; with a year in the question, the fixed date that applies to it."""
    if not ctx.service:
        return None
    from assistant import formatting

    svc = ctx.eff().service
    deadline = svc.deadline
    if deadline is None:
        return None
    buttons = services.next_step_buttons(ctx, "")
    for year in (int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", text)):
        for due in deadline.dates:
            m = YEAR_RANGE_RE.search(due.applies_to or "")
            if m and int(m.group(1)) <= year <= int(m.group(2) or m.group(1)):
                return Reply("utter_howto", f"{svc.short_name}: Für {due.applies_to} gilt die Frist bis "
                                            f"{formatting.date_long(due.date)}.", buttons)
    return Reply("utter_howto", f"{svc.short_name} – Frist: {' '.join(deadline.text.split())}", buttons)


def fee_detail(ctx: Context, text: str) -> Optional[Reply]:
    """'und für meine zwei Kinder?' after the fees: the fee lines that match the question."""
    if not ctx.service:
        return None
    eff = ctx.eff()
    lines = [services.fee_text(f) + "." + (f" {f.note.strip()}" if f.note else "") for f in eff.fees]
    picked = best_sentences(text, lines, minimum=1, limit=2)
    if not picked:
        return None
    return Reply("utter_fees", f"{eff.service.short_name}: " + " ".join(picked), services.next_step_buttons(ctx, "fees"))


# "wie läuft das ab", "wie geht das": the procedure itself, not a detail of it
HOWTO_GENERIC = {"laeuft", "ablauf", "ab", "funktioniert", "funktionieren", "machen", "mache", "beantragen", "beantrage",
                 "antrag", "vorgehen", "erledigen", "geht", "schritte", "genau", "ich", "das", "dafuer", "jetzt",
                 "alles", "weiter", "dann", "tun", "zuerst", "erst", "erstmal", "erstes", "als", "nun", "mach",
                 "macht"}


def is_detail_question(text: str) -> bool:
    """Does a how-to question ask about a detail ("muss ich da ne Prüfung machen") rather than the
    procedure ("wie läuft das ab")?"""
    return bool(content_words(text) - HOWTO_GENERIC)


DURATION_RE = re.compile(r"\b(wie lange|dauert|dauer|wann (bekomm|krieg|ist \w+ fertig)|bearbeitungszeit|wochen)\b")


def service_details(env: Env, ctx: Context, text: str) -> Optional[Reply]:
    """A detail question about the service ("wie lange dauert das", "kriegt man das rückwirkend"):
    the best matching sentences of its catalogue text (summary, duration, deadline, steps, notes, fees)."""
    if not ctx.service:
        return None
    eff = ctx.eff()
    svc = eff.service
    norm = normalize(text)
    if DEADLINE_RE.search(norm) and svc.deadline is not None:
        return deadline_reply(ctx, text)
    if DURATION_RE.search(norm) and svc.processing_time:
        return Reply("utter_howto", f"{svc.short_name}: {svc.processing_time}", services.next_step_buttons(ctx, ""))
    pool: list[str] = []
    pool += split_sentences(svc.summary)
    if svc.processing_time:
        pool += split_sentences(svc.processing_time)
    if svc.deadline:
        pool += split_sentences(svc.deadline.text)
    for step in svc.steps:
        pool += split_sentences(step)
    for note in eff.notes:
        pool += split_sentences(note)
    for fee in eff.fees:
        pool.append(services.fee_text(fee) + ".")
        if fee.note:
            pool += split_sentences(fee.note)
    if svc.online.what:
        pool += split_sentences(svc.online.what)
    if svc.online.reason_not_online:
        pool += split_sentences(svc.online.reason_not_online)
    cued = [sent for cue, answer in DETAIL_CUES if cue.search(norm) for sent in pool if answer.search(normalize(sent))]
    picked = cued[:2] or best_sentences(text, pool, minimum=1, limit=2)
    if not picked:
        return None
    return Reply("utter_howto", f"{svc.short_name}: " + " ".join(picked), services.next_step_buttons(ctx, ""))


QUANTITY_RE = re.compile(r"\b(wie ?viel\w* (darf|duerfen|kann|koennen|passt|passen)|wie gross|welche menge|"
                         r"wie ?viele (sachen|teile|stueck))\b")
INFORMED_RE = re.compile(r"\b(erfahr\w*|mitgeteilt|benachrichtig\w*|bescheid (bekomm|krieg)\w*)\b")
# a kind of question and what a sentence that answers it contains
DETAIL_CUES: list[tuple[re.Pattern, re.Pattern]] = [
    (QUANTITY_RE, re.compile(r"\b\d+([,.]\d+)? ?(kubikmeter|m3|stueck|teile|kg|kilo\w*|liter|tonnen|meter)\b")),
    (INFORMED_RE, re.compile(r"\b(per post|per e ?mail|per brief|schriftlich|per sms|bescheid)\b")),
]
VISIT_RE = re.compile(r"(?<!wo )\bmuss ich (da |dort |persoenlich |selbst |selber )?(hin|vorbei\w*|hingehen|erscheinen)\b|"
                      r"\bpersoenlich (erscheinen|hin|vorbei\w*)\b")


DEPARTURE_RE = re.compile(r"\b(faehrt|fahren|fahrt|zurueck|rueckfahrt|abfahrt\w*|wann geht|hinfahrt|uhrzeit\w*|"
                          r"bus|busse|ab \w+ wann|wann ab)\b")


def departures_reply(env: Env, ctx: Context, turn_municipality: Optional[str]) -> Optional[Reply]:
    """'wann fährt der zurück?' after the way to an office: the full departures of the options."""
    off = ctx.office()
    if off is None:
        return None
    options = [t for t in off.transport if t.kind != "fuss" and (t.departures or t.booking_lead)]
    mid = turn_municipality or ctx.municipality
    mun = env.kb.municipalities.get(mid or "")
    if mun:
        names = {normalize(n) for n in [mun.name, *mun.ortsteile]}
        local = [t for t in options if t.from_place and any(n in normalize(t.from_place) for n in names)]
        options = local or options
    if not options:
        return None
    lines = [f"Verbindungen zu: {off.name}"]
    for t in options[:3]:
        name = t.line or TRANSPORT_NAMES.get(t.kind, t.kind)
        if t.kind == "buergerbus" and not name.lower().startswith("bürgerbus"):
            name = f"Bürgerbus {name}"
        elif t.kind == "bus" and not name.lower().startswith(("bus", "stadtbus")):
            name = f"Bus {name}"
        detail = (t.departures or "").strip()
        if t.kind == "rufbus":
            detail = f"{t.note or ''} Bestellen: {t.phone or ''}, {t.booking_lead or ''}".strip()
        elif t.phone:
            detail += f" Telefon: {t.phone}."
        lines.append(f"• {name}: {detail}")
    return Reply("utter_directions", "\n".join(lines), [Button("Öffnungszeiten", payload("ask_opening_hours"))])


WEEKEND_RE = re.compile(r"\b(sa|samstag\w*|so|sonntag\w*|wochenende|taeglich|jeden tag)\b")


def weekend_transport_reply(env: Env, ctx: Context, municipality: Optional[str]) -> Optional[Reply]:
    """'und am Wochenende?' after the way to an office: which connections run on Saturday/Sunday."""
    off = ctx.office()
    if off is None:
        return None
    mun = env.kb.municipalities.get(municipality or ctx.municipality or "")
    names = {normalize(n) for n in [mun.name, *mun.ortsteile]} if mun else set()
    options = [t for t in off.transport if t.kind != "fuss"]
    local = [t for t in options if t.from_place and any(n in normalize(t.from_place) for n in names)]
    options = (local + [t for t in options if t.kind == "rufbus" and t not in local]) if local else options
    if not options:
        return None
    lines = [f"Am Wochenende zu: {off.name}"]
    for t in options[:3]:
        name = t.line or TRANSPORT_NAMES.get(t.kind, t.kind)
        if t.kind == "bus" and not name.lower().startswith(("bus", "stadtbus")):
            name = f"Bus {name}"
        text = " ".join(x for x in (t.departures, t.note) if x)
        if t.kind != "rufbus" and not WEEKEND_RE.search(normalize(text)):
            lines.append(f"• {name}: fährt am Wochenende nicht ({(t.departures or '').strip()})")
            continue
        detail = (t.departures or t.note or "").strip()
        if t.kind == "rufbus":
            detail = f"{(t.note or '').strip()} Bestellen: {t.phone or ''}, {t.booking_lead or ''}".strip()
        lines.append(f"• {name}: {detail}")
    return Reply("utter_directions", "\n".join(lines), [Button("Öffnungszeiten", payload("ask_opening_hours"))])


FARE_RE = re.compile(r"[^.]*\b(kostenlos|spende|fahrpreis|euro|ticket|preis)\b[^.]*\.", re.IGNORECASE)


def fares_reply(env: Env, state: DialogueState) -> Optional[Reply]:
    """'was kostet der Bus?': what the knowledge base says about fares, for the transport options of
    the office last talked about (or all)."""
    subject = state.subject
    office = env.kb.offices.get(subject.office_id or "") if subject and subject.office_id else None
    pool = list(office.transport) if office else [t for o in env.kb.offices.values() for t in o.transport]
    lines, seen = [], set()
    for t in pool:
        for text in (t.note or "", t.departures or ""):
            for m in FARE_RE.finditer(text):
                name = t.line or TRANSPORT_NAMES.get(t.kind, t.kind)
                line = f"{name}: {m.group(0).strip()}"
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
    if not lines:
        return None
    return Reply("utter_directions", "Fahrpreise: " + " ".join(lines[:3]))
