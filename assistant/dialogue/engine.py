"""One turn of the conversation: understand the message against the state, let a running flow take
its answer, otherwise answer the question (with references, corrections, several services), and
remind of a pending flow question once.

``step`` is the only entry point; the Rasa actions call it with the topic their rule stands for.
"""
from __future__ import annotations

import re
from typing import Optional

from assistant.answers import life_events
from assistant.answers.reply import Button, Reply, payload
from assistant.dialogue import flows, out_of_scope, topics
from assistant.dialogue.base import Env, Outcome, flow_for
from assistant.dialogue.state import (SUBJECT_LOCAL, SUBJECT_OFFICE, SUBJECT_OUT_OF_SCOPE, SUBJECT_SERVICE,
                                      SUBJECT_TRANSPORT,
                                      DialogueState, FlowState, Subject)
from assistant.dialogue.turn import Turn
from assistant.kb.loader import normalize

# the topic an intent asks for (requested by the action the rule runs)
INTENT_TOPICS = {
    "ask_documents": "documents", "ask_howto": "howto", "ask_fees": "fees", "ask_online": "online",
    "ask_office": "office", "ask_opening_hours": "opening_hours", "ask_directions": "directions",
    "book_appointment": "booking", "cancel_appointment": "cancel", "reschedule_appointment": "reschedule",
    "request_human": "human", "ask_life_event": "life_event", "check_documents": "check_documents",
    "ask_local": "local", "out_of_scope": "out_of_scope",
}
ANSWER_TOPICS = topics.SERVICE_TOPICS + topics.OFFICE_TOPICS
INTENT_LABELS = {
    "ask_documents": "Welche Unterlagen ich brauche", "ask_howto": "Wie das abläuft",
    "ask_office": "Welches Amt zuständig ist", "ask_opening_hours": "Öffnungszeiten",
    "ask_directions": "Wie ich hinkomme", "ask_online": "Ob es online geht", "ask_fees": "Was es kostet",
    "book_appointment": "Einen Termin buchen", "cancel_appointment": "Einen Termin absagen",
    "reschedule_appointment": "Einen Termin verschieben", "request_human": "Mit einem Menschen sprechen",
    "ask_life_event": "Was bei einer Lebenslage zu tun ist", "check_documents": "Ob meine Unterlagen reichen",
    "help": "Was Sie hier fragen können",
}
CONFIDENT = 0.6


def step(env: Env, state: DialogueState, turn: Turn, requested: str) -> Outcome:
    """Handle one message. ``requested`` is the action's topic: a topic name, ``continue``
    (inform/affirm/deny), ``resume`` (after a fixed chit-chat reply), ``clarify`` (unsure NLU)."""
    out = Outcome()
    # a stored value the knowledge base does not know (old slug, forged slot) is no context
    if state.service not in env.kb.services:
        state.service = None
    if state.municipality not in env.kb.municipalities:
        state.municipality, state.place = None, None
    if state.office_id not in env.kb.offices:
        state.office_id = None
    before_flow = state.flow
    _remember_context(env, state, turn)

    # 1. the running flow takes what it waits for, whatever the NLU predicted
    flow = flow_for(state.flow)
    if flow is not None and not _explicit_new_request(turn, requested):
        if flow.accepts(env, state, state.flow, turn):
            if state.flow.type == "clarify":
                _resume_clarify(env, state, turn, out)
            else:
                flow.handle(env, state, state.flow, turn, out)
            return out
    if requested == "resume":
        if flow is not None and state.flow.type != "clarify":
            out.add(flow.reprompt(env, state, state.flow))
        return out

    # 2. the question
    topic = _decide_topic(env, state, turn, requested)
    _answer(env, state, turn, topic, out)

    # 3. a flow interrupted by a side question: remind once, then let it go
    if before_flow is not None and state.flow is before_flow and (topic != "small_talk" or
                                                                 turn.intent == "bot_challenge"):
        f = flow_for(before_flow)
        if f is not None and f.remind_after_side_question(before_flow) and not before_flow.reminded and out.replies:
            reply = f.reprompt(env, state, before_flow)
            if reply is not None:
                out.add(reply)
                before_flow.reminded = True
        elif before_flow.type != "clarify" or before_flow.reminded or out.replies:
            state.flow = None if before_flow.reminded or before_flow.type == "clarify" or not f or \
                not f.remind_after_side_question(before_flow) else before_flow
    return out


# ------------------------------------------------------------------ context kept between turns

def _remember_context(env: Env, state: DialogueState, turn: Turn) -> None:
    """New service/municipality from this message; a changed municipality re-targets the subject."""
    from assistant.dialogue.turn import SIBLINGS

    if not turn.services and turn.verb and state.service in SIBLINGS[turn.verb] and (turn.correction or turn.short):
        turn.services = [SIBLINGS[turn.verb][state.service]]  # "ich meinte abmelden, nicht anmelden"
    generic = {"wohnsitz_anmelden", "wohnsitz_abmelden"}
    if len(turn.services) == 1 and turn.services[0] in generic and state.service and state.service not in generic \
            and not re.search(r"\b(wohn\w*|umzug|umgezogen|ummeld\w*|adresse|meldebehoerde|zieh\w*)\b",
                              normalize(turn.text)):
        # "was kostet das Anmelden?" while talking about the Gewerbe / the wedding: the same service
        sibling = SIBLINGS.get(turn.verb or "", {}).get(state.service)
        turn.services = [sibling or state.service]
    context = state.services or ([state.service] if state.service else [])
    if len(turn.services) == 1 and not turn.verb and not turn.correction:
        sibling = next((SIBLINGS[v][turn.services[0]] for v in SIBLINGS if turn.services[0] in SIBLINGS[v]), None)
        if sibling in context and turn.services[0] not in context:
            turn.services = [sibling]  # "was brauch ich für das Auto" while talking about its Abmeldung
    if not turn.services and len(state.services) > 1 and BOTH_RE.search(normalize(turn.text)) and not turn.is_payload:
        turn.services = list(state.services)  # "was kostet beides" after two services
    if turn.services:
        state.service = turn.services[0]
        state.services = turn.services[:3] if len(turn.services) > 1 else []
    if turn.municipality and (turn.municipality != state.municipality or turn.place):
        state.municipality = turn.municipality
        state.place = turn.place
    if turn.services or turn.office_id:
        state.office_id = turn.office_id


BOTH_RE = re.compile(r"\b(beides|beide|beiden|alles|alle drei|jeweils|zusammen)\b")


def _explicit_new_request(turn: Turn, requested: str) -> bool:
    """A button for another topic, or a confident new question that is not an answer."""
    if turn.is_payload and requested not in ("continue", "resume", "clarify"):
        return True
    return False


def _decide_topic(env: Env, state: DialogueState, turn: Turn, requested: str) -> str:
    if not turn.is_payload and (out_of_scope.pointer(turn.text, strong_only=True) or (
            out_of_scope.pointer(turn.text) and not turn.services and not turn.office_id and
            life_events.detect_event(env.kb, turn.text) is None)):
        return "out_of_scope"
    words_topic = topics.topic_from_words(turn.text) if not turn.is_payload else None
    norm = normalize(turn.text)
    if not turn.is_payload and requested not in ("local", "booking", "cancel", "reschedule", "human", "small_talk",
                                                 "check_documents") and _local_says_it(env, state, turn):
        return "local"  # "wohin mit meinem alten Kühlschrank" = an example question of the Wertstoffhof answer
    if not turn.is_payload:
        if turn.age is not None and not turn.services and state.last_topic == "fees" and \
                (state.services or state.service):
            return "fees_age"  # "ich bin 45" after the fees: the fee of that age group
        if state.last_topic == "directions" and turn.weekend and turn.short and not turn.services and \
                not turn.office_id and state.subject and state.subject.kind == SUBJECT_OFFICE:
            return "weekend_transport"  # "und am Wochenende?" after the way there: the connections, not the hours
        if _follows_out_of_scope(state, turn, requested, words_topic):
            return "out_of_scope_again"  # "wen kann ich da anrufen" after "that is not the municipality's job"
        if turn.follow_up and not turn.services and not turn.office_id and state.last_topic == "fees" and \
                requested in ("continue", "clarify") and not words_topic and state.service:
            return "fees"  # "und für meine zwei Kinder?" after the fees
        if state.last_topic == "opening_hours" and not turn.services and not turn.office_id and \
                requested in ("continue", "clarify", "small_talk") and DAYTIME_RE.search(norm) and len(turn.words) <= 6:
            return "opening_hours"
        if not turn.services and not turn.office_id and state.service and _asks_detail(turn, requested, norm):
            return "details"  # "wie viel gibt es pro Kind", "wie viel darf das sein", "wie erfahr ich den Termin"
        if requested == "out_of_scope" and (not turn.services or out_of_scope.pointer(turn.text)) and \
                life_events.detect_event(env.kb, turn.text):
            return "life_event"  # "muss ich der Krankenkasse Bescheid sagen, wenn ich umziehe"
        if requested not in ("continue",) and (flows.wants_personal_list(turn) or flows.wants_general_list(turn)) \
                and (turn.services or state.service):
            return "documents"  # "meine persönliche Liste" (read as a request for a person)
        if turn.follow_up and turn.municipality and not turn.services and state.last_topic in ANSWER_TOPICS and \
                len(topics.content_words(turn.text) - _place_words(env)) == 0:
            return state.last_topic  # "und in Musterstadt?"
        if requested == "booking" and re.search(r"\b(kein\w*|nicht|ohne)\s+(\w+\s+)?termin", norm):
            requested = words_topic if words_topic and words_topic != "booking" else "documents"
        if requested == "documents" and words_topic in ("phone", "opening_hours", "directions", "access") and \
                not topics.TOPIC_PATTERNS["documents"].search(norm):
            return words_topic  # "wen ruf ich da an, wenn ich was fragen will" read as a documents question
        if requested in ("cancel", "reschedule") and not turn.services and not re.search(
                r"\b(termin\w*|buchung\w*|code|gebucht\w*)\b", norm) and life_events.detect_event(env.kb, turn.text):
            return "life_event"  # "muss ich der Krankenkasse Bescheid sagen, wenn ich umziehe"
        if requested == "check_documents" and "ausweis_verlust" in turn.services and words_topic is None:
            return "howto"  # "Perso und Führerschein sind weg": what to do now, not whether the papers suffice
        if requested == "check_documents" and words_topic in ("phone", "opening_hours", "directions", "office",
                                                              "fees", "online") and \
                not re.search(r"\b(reicht|reichen|genug|dabei|mitgebracht|vorhanden|vollstaendig)\b", norm):
            return words_topic  # "und wen ruf ich da an" read as a document check
        if requested == "local" and words_topic in ("phone", "opening_hours", "directions", "office", "fees") and \
                (turn.office_id or turn.office_type or (state.subject and state.subject.kind != SUBJECT_LOCAL)):
            from assistant.answers.local_match import decide

            if decide(env.kb, turn.text, turn.municipality or state.municipality).kind != "answer":
                return words_topic  # "wen ruf ich da an?" after an office answer
        if requested == "life_event" and turn.services and words_topic and words_topic != "documents":
            return words_topic  # "wir haben ein Baby bekommen, wo beantrage ich Kindergeld"
        if requested == "life_event" and turn.services and re.search(
                r"\b(brauch\w*|beantrag\w*|mitbring\w*|benoetig\w*)\b", norm):
            return words_topic or "documents"  # "mein Sohn ist 10 und braucht einen Personalausweis"
        if requested == "life_event" and life_events.detect_event(env.kb, turn.text) is None:
            if turn.services:
                return words_topic or "documents"  # "mein Sohn braucht einen Personalausweis"
            if state.service:
                requested = "clarify"  # "muss der Vater mitkommen": a detail of the service talked about
            elif not turn.options and not LIFE_EVENT_MENU_RE.search(norm):
                # "gibt es in Kleinwalde eine Hundeschule", "wo kauf ich ein Deutschlandticket": no life
                # event and no service - a local question if a place is named, else honestly not ours
                return "local" if turn.municipality else "out_of_scope"
    if requested == "small_talk":
        asks = bool(words_topic) or bool(set(turn.words) & {"wann", "wie", "was", "wo", "welche", "welcher", "kann",
                                                            "muss", "gibt", "brauch", "brauche", "bis"})
        if not asks and (not (turn.services or turn.office_id) or turn.short):
            return "small_talk"
        requested = "continue"  # "hallo, was kostet ein Reisepass": the question counts
    if requested == "out_of_scope" and (turn.services or turn.office_id):
        ranked = [INTENT_TOPICS.get(r.get("name")) for r in turn.ranking]
        ranked = [t for t in ranked if t and t not in ("out_of_scope", "local", "life_event") and not (
            t in ("cancel", "reschedule") and "termin" not in norm)]
        return words_topic or (ranked[0] if ranked else "office" if turn.office_id else "service_menu")
    if requested in ("continue", "clarify"):
        if turn.intent == "deny" and not turn.services and not turn.municipality and not turn.correction:
            return "deny"
        ranked = [r.get("name") for r in turn.ranking if r.get("name") in INTENT_TOPICS and not (
            r.get("name") == "out_of_scope" and (turn.services or turn.office_id))]
        top = INTENT_TOPICS.get(ranked[0]) if ranked else None
        if words_topic and (turn.services or turn.office_id or turn.municipality or state.subject or state.service
                            or requested == "continue"):
            return words_topic
        if turn.municipality and not turn.services and not turn.office_id and state.service and \
                state.last_topic in ("documents", "howto", "online", "local", "life_event"):
            return "municipality_menu"  # "wir sind aus Musterstadt" after the documents: where to go
        if (turn.services or turn.municipality or turn.office_id or turn.correction) and state.last_topic:
            return state.last_topic if state.last_topic != "booking" else "office"
        if requested == "clarify" and top and (turn.services or turn.office_id or turn.municipality):
            return top
        if turn.services:
            return "service_menu"
        if turn.municipality:
            return "municipality_menu"
        return "clarify" if requested == "clarify" else "what_else"
    if requested in ANSWER_TOPICS or requested in ("documents", "booking"):
        # the NLU's topic, unless the words clearly ask another one of a follow-up
        if requested == "office" and words_topic in ("phone", "opening_hours", "directions", "access"):
            return words_topic
        if requested in topics.OFFICE_TOPICS and (turn.service or state.service) and topics.VISIT_RE.search(norm):
            return "online"  # "und muss ich da hin?": can it be done without going there
        if requested == "documents" and topics.PERMIT_RE.search(norm):
            return "howto"  # "brauch ich eine Genehmigung": whether, not which papers
        if requested in topics.SERVICE_TOPICS and words_topic == "office" and topics.WHERE_RE.search(norm):
            return "office"  # "geht das alles im Rathaus" read as a how-to question
        if requested in ("opening_hours", "directions") and words_topic in ("phone", "access"):
            return words_topic
        if requested in ("fees",) and turn.transport in ("buergerbus", "rufbus") and not turn.services:
            return "transport"
        return requested
    if requested in ("cancel", "reschedule") and not _moves_existing(turn):
        # "Termin für den Perso, aber nicht am Montag": a wish for a new appointment
        return "booking" if words_topic in ("booking", None) and "termin" in normalize(turn.text) else (
            words_topic or "office")
    if requested == "booking" and turn.transport in ("buergerbus", "rufbus") and not turn.services:
        return "transport"
    if requested == "human" and words_topic == "phone" and not re.search(r"mensch|mitarbeiter|person",
                                                                        normalize(turn.text)):
        return "phone"
    return requested


def _asks_detail(turn: Turn, requested: str, norm: str) -> bool:
    """A detail of the service talked about that no topic answer covers."""
    if requested == "out_of_scope":
        return not out_of_scope.pointer(turn.text) and bool(topics.content_words(turn.text))
    if requested == "fees":
        # "wie viel gibt es pro Kind": the amount of a benefit is in the service's text, not in its fees
        return bool(topics.QUANTITY_RE.search(norm) or BENEFIT_RE.search(norm))
    if requested == "booking":
        return bool(topics.INFORMED_RE.search(norm))
    return False


BENEFIT_RE = re.compile(r"\b(wie ?viel\w* (geld )?(gibt es|gibts|bekomm\w*|krieg\w*|zahl\w*)|wie ?viel geld|"
                        r"wie hoch ist (das|der|die|es))\b")
# "freitag nachmittag auch?", "und nachmittags" after the opening hours: the hours again, not a new request
DAYTIME_RE = re.compile(r"\b(montag\w*|dienstag\w*|mittwoch\w*|donnerstag\w*|freitag\w*|vormittag\w*|nachmittag\w*|"
                        r"mittag\w*|abends?|morgens|frueh)\b")

LIFE_EVENT_MENU_RE = re.compile(r"\b(lebenslage\w*|lebensereignis\w*|was muss ich (alles )?(tun|machen|erledigen|"
                                r"beachten)|was ist (alles )?zu tun|woran muss ich denken)\b")


LOCAL_OVERRIDE = 0.75  # a local answer this close to one of its example questions beats the NLU's service topic


def _local_says_it(env: Env, state: DialogueState, turn: Turn) -> bool:
    from assistant.answers.local_match import decide

    if len(turn.text) > 300 or turn.office_id:
        return False
    decision = decide(env.kb, turn.text, turn.municipality or state.municipality)
    return decision.kind == "answer" and decision.match is not None and decision.match.score >= LOCAL_OVERRIDE


def _follows_out_of_scope(state: DialogueState, turn: Turn, requested: str, words_topic: Optional[str]) -> bool:
    """A short follow-up on an out-of-scope reply that names nothing new ("wen kann ich da anrufen",
    "und der Schornsteinfeger, wer ist das"): it is still about the out-of-scope matter."""
    subject = state.subject
    if subject is None or subject.kind != SUBJECT_OUT_OF_SCOPE:
        return False
    if turn.services or turn.office_id or turn.office_type or turn.transport or turn.municipality:
        return False
    if not (turn.reference or turn.follow_up or turn.short):
        return False
    return requested in topics.OFFICE_TOPICS + ("continue", "clarify", "out_of_scope") or \
        words_topic in topics.OFFICE_TOPICS


MOVE_RE = re.compile(r"\b(verschieb\w*|verleg\w*|umleg\w*|absag\w*|abzusagen|stornier\w*|storno|"
                     r"anderen tag|anderen termin|nicht (kommen|hin)|kann \w+ nicht|code|buchungscode)\b")


def _moves_existing(turn: Turn) -> bool:
    """Does the message talk about an existing appointment (cancel, move), not a new one?"""
    from assistant.booking.service import normalize_code

    if turn.is_payload:
        return True
    return bool(MOVE_RE.search(normalize(turn.text))) or bool(normalize_code(turn.text)) or not turn.services


# ------------------------------------------------------------------ answering

def _context_for(env: Env, state: DialogueState, turn: Turn, topic: str):
    """The answer's context: this message first, then the last answer's subject, then the state."""
    subject = state.subject
    service = turn.service or state.service
    office_id = turn.office_id
    municipality = turn.municipality or state.municipality
    if office_id is None and not turn.services and subject is not None and subject.kind == SUBJECT_OFFICE \
            and subject.office_id and topic in topics.OFFICE_TOPICS + ("booking",):
        office = env.kb.offices.get(subject.office_id)
        moved = turn.municipality and turn.municipality != subject.municipality
        other_type = bool(turn.office_type) and office is not None and turn.office_type not in office.types
        if office is not None and not other_type and (not moved or turn.municipality in office.serves):
            office_id = subject.office_id
        if not other_type:
            service = subject.service  # the office answer was about this service (or none)
    if office_id and service:
        from assistant.kb.views import responsible_office

        resp = responsible_office(env.kb, service, municipality, state.place if municipality == state.municipality else None)
        named = env.kb.offices[office_id]
        if resp and (resp.id == office_id or set(named.aliases) & set(resp.aliases)):
            office_id = resp.id
        elif resp and named.types and env.kb.services[service].office_type not in named.types:
            if turn.services and turn.office_type in (None, env.kb.services[service].office_type):
                office_id = resp.id  # "die Zulassungsstelle ist doch im Kreishaus?": the service decides
            elif not turn.services:
                service = None  # "wann hat das Bauamt offen" after a question about the Perso
    elif service and turn.office_type and not turn.services and \
            env.kb.services[service].office_type != turn.office_type:
        service = None  # "wo ist das Bürgerbüro" after a question about the car
    ctx = env.context(state, service=service, municipality=municipality, office_id=office_id,
                      destination=turn.destination)
    if service is None:
        ctx.service = None
    return ctx


def _place_words(env: Env) -> set[str]:
    from assistant.answers.local_match import place_words

    return place_words(env.kb) | {"und", "in", "fuer", "aus"}


FOLLOW_UP_EXCLUDED = ("booking", "cancel", "reschedule", "documents", "check_documents", "life_event", "small_talk",
                      "deny")


def _follow_up(env: Env, state: DialogueState, turn: Turn, topic: str) -> Optional[Reply]:
    """A question about the last answer's subject that the topic answers would miss."""
    subject = state.subject
    if subject is None or turn.services or turn.is_payload or topic in FOLLOW_UP_EXCLUDED:
        return None
    moved = turn.municipality and turn.municipality != subject.municipality
    if topic == "human" and subject.kind != SUBJECT_TRANSPORT:
        return None
    if subject.kind == SUBJECT_LOCAL and not moved:
        sentences = topics.split_sentences(_local_text(env, subject))
        if topics.season_months(turn.text):  # "auch im Dezember?": the sentences that name months
            picked = [x for x in sentences if topics.MONTH_RE.search(normalize(x))]
            if picked:
                return Reply("utter_local_answer", " ".join(picked[:2]))
        if ELSEWHERE_RE.search(normalize(turn.text)) and topic in topics.OFFICE_TOPICS + ("clarify", "what_else"):
            reply = _local_elsewhere(env, state, subject, sentences)
            if reply is not None:  # "und wo kann ich dann hin": the place the answer sends the resident to
                return reply
        if turn.office_id or turn.office_type:
            picked = topics.best_sentences(turn.text, topics.split_sentences(_local_text(env, subject)), minimum=2)
            return Reply("utter_local_answer", " ".join(picked)) if picked else None
        if topic in topics.OFFICE_TOPICS + ("fees",):
            reply = topics.local_details(env, subject, turn.text) if topic == "fees" else None
            return reply or topics.local_followup(env, subject, topic, turn.text)
        return topics.local_details(env, subject, turn.text)
    if subject.kind == SUBJECT_TRANSPORT and subject.transport and not turn.office_id and \
            topic in topics.OFFICE_TOPICS + ("fees", "clarify", "what_else", "human", "howto", "booking") and \
            (turn.short or turn.reference or turn.follow_up or topic != "human"):
        ctx = env.context(state, municipality=turn.municipality)
        return topics.transport_reply(env, ctx, subject.transport, topic)
    if subject.kind == SUBJECT_OFFICE and subject.office_id and not turn.office_id and \
            topic in ("opening_hours", "clarify", "what_else", "booking") and topics.season_months(turn.text) and \
            not topics.DEADLINE_RE.search(normalize(turn.text)):
        ctx = env.context(state, service=subject.service, office_id=subject.office_id)
        return topics.closures_reply(ctx, topics.season_months(turn.text))  # "kommt das auch im Sommer?"
    office = env.kb.offices.get(subject.office_id or "")
    if subject.kind == SUBJECT_OFFICE and office is not None and not turn.office_id and \
            re.search(r"\bbestell\w*\b", normalize(turn.text)) and any(t.kind == "rufbus" for t in office.transport):
        reply = topics.transport_reply(env, env.context(state), "rufbus", topic)  # "wie bestell ich den?"
        if reply is not None:
            topics.record_transport(state, "rufbus", state.municipality)
        return reply
    if topic != "fees" and subject.kind == SUBJECT_OFFICE and subject.office_id and not turn.office_id and \
            (state.last_topic == "directions" or turn.transport) and topics.DEPARTURE_RE.search(normalize(turn.text)):
        ctx = env.context(state, service=subject.service, office_id=subject.office_id)
        reply = topics.departures_reply(env, ctx, turn.municipality)
        if reply is not None:
            state.last_topic = "directions"  # "und wann fährt der zurück?" next
        return reply
    if topic in ("clarify", "what_else", "howto") and (state.service or subject.service):
        ctx = env.context(state, service=state.service or subject.service)
        if topic == "howto" and not topics.DURATION_RE.search(normalize(turn.text)):
            return None
        return topics.service_details(env, ctx, turn.text)
    return None


ELSEWHERE_RE = re.compile(r"\b(dann|sonst|stattdessen|alternativ|woanders|anders)\b")


def _local_elsewhere(env: Env, state: DialogueState, subject: Subject, sentences: list[str]) -> Optional[Reply]:
    """A sentence of the local answer that names another municipality's local answer ("Größere Mengen nimmt
    der Wertstoffhof in Musterstadt"): that answer, which becomes the subject."""
    from assistant.answers.local_match import decide
    from assistant.kb.views import resolve_municipality

    for sentence in sentences:
        mid = resolve_municipality(env.kb, sentence)
        if not mid or mid == subject.municipality:
            continue
        decision = decide(env.kb, sentence, mid)
        if decision.kind == "answer" and decision.match is not None and decision.match.answer.id != subject.local_id:
            topics.record_local(state, mid, decision.match.answer.id)
            return topics.local_reply(env, decision, named=True)
    return None


def _local_text(env: Env, subject: Subject) -> str:
    mun = env.kb.municipalities.get(subject.municipality or "")
    answer = next((a for a in mun.local_answers if a.id == subject.local_id), None) if mun else None
    return answer.answer if answer else ""


def _answer(env: Env, state: DialogueState, turn: Turn, topic: str, out: Outcome) -> None:
    kb = env.kb
    subject = state.subject
    if topic != "out_of_scope" or not (turn.services or (not turn.is_payload and out_of_scope.pointer(turn.text))):
        reply = _follow_up(env, state, turn, topic)
        if reply is not None:
            out.add(reply)
            return
    if topic == "details":
        ctx = env.context(state)
        reply = topics.service_details(env, ctx, turn.text)
        if reply is None:
            out.add(out_of_scope.reply(env, state, turn))
            return
        out.add(reply)
        state.subject = Subject(SUBJECT_SERVICE, "howto", service=ctx.service, municipality=ctx.municipality)
        state.fallback_count = 0
        return
    if topic == "fees" and not turn.services and state.last_topic == "fees" and state.service and turn.follow_up \
            and not turn.is_payload and len(turn.words) <= 8:
        reply = topics.fee_detail(env.context(state), turn.text)
        if reply is not None:  # "und für meine zwei Kinder?" after the fees
            out.add(reply)
            return
    if topic == "weekend_transport":
        ctx = env.context(state, service=subject.service, office_id=subject.office_id)
        reply = topics.weekend_transport_reply(env, ctx, subject.municipality)
        if reply is not None:
            out.add(reply)
            return
        topic = "opening_hours"
    if topic == "fees_age":
        for slug in (state.services or [state.service])[:3]:
            ctx = env.context(state, service=slug)
            out.add(topics.services.fees_for_age(ctx, turn.age or 0) or topics.services.fees(ctx))
        state.last_topic = "fees"
        return
    if topic == "out_of_scope_again":
        key = (subject.topic.split(":", 1)[1] if subject and ":" in subject.topic else "") or None
        out.add(out_of_scope.reply(env, state, turn, key=key))
        return
    if not turn.is_payload and topic not in topics.OFFICE_TOPICS + ("booking", "cancel", "reschedule", "small_talk",
                                                                    "human", "local", "out_of_scope") and \
            topics.DEADLINE_RE.search(normalize(turn.text)) and (turn.service or state.service):
        reply = topics.deadline_reply(env.context(state, service=turn.service), turn.text)
        if reply is not None:  # "bis wann muss ich den umtauschen", "wie lange hab ich Zeit für den Antrag"
            out.add(reply)
            state.last_topic = "howto"
            state.subject = Subject(SUBJECT_SERVICE, "howto", service=turn.service or state.service,
                                    municipality=state.municipality)
            return
    if topic == "small_talk":
        key = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thank",
               "bot_challenge": "utter_bot_challenge"}.get(turn.intent, "utter_thank")
        out.add(Reply(key, ""))
        if turn.intent == "goodbye":
            state.flow = None
        return
    if topic == "fees" and turn.transport and not turn.services and not turn.office_id:
        reply = topics.fares_reply(env, state)
        if reply is not None:
            out.add(reply)
            return
    if topic == "transport" or (turn.transport in ("buergerbus", "rufbus") and not turn.services and
                                not turn.office_id and topic in ("fees", "opening_hours", "what_else", "clarify",
                                                                 "service_menu", "directions", "phone", "access")):
        kind = turn.transport or (subject.transport if subject else None) or "buergerbus"
        reply = topics.transport_reply(env, env.context(state), kind, topic)
        if reply is not None:
            out.add(reply)
            topics.record_transport(state, kind, state.municipality)
            return
    if topic == "deny":
        out.add(Reply("utter_what_else", "In Ordnung. Kann ich sonst noch helfen?"))
        return
    if topic == "what_else":
        out.add(Reply("utter_what_else", "Wobei kann ich Ihnen helfen? Fragen Sie zum Beispiel nach Unterlagen, "
                                         "Öffnungszeiten oder ob etwas online geht."))
        return
    if topic == "clarify":
        _clarify(env, state, turn, out)
        return
    if topic == "service_menu":
        svc = kb.services[turn.services[0]]
        ctx = env.context(state, service=svc.slug)
        reply = _with_office(env, ctx, Reply("utter_what_else", f"{svc.short_name}: {svc.summary}",
                                             topics.services.next_step_buttons(ctx, "")))
        out.add(Reply(reply.key, reply.text + "\nWas möchten Sie dazu wissen?", reply.buttons))
        state.subject = Subject("service", "service", service=svc.slug, municipality=state.municipality)
        return
    if topic == "municipality_menu" and state.service:
        ctx = env.context(state)
        out.add(topics.answer(env, state, "office", ctx, turn))
        if topics.fees_are_local(kb, state.service):
            out.add(topics.answer(env, state, "fees", env.context(state), turn))
        return
    if topic == "municipality_menu":
        out.add(Reply("utter_what_else", f"Danke, ich merke mir: {kb.municipalities[state.municipality].name}. "
                                         "Was möchten Sie wissen?",
                      [Button("Öffnungszeiten", payload("ask_opening_hours")),
                       Button("Wo ist das Amt?", payload("ask_office"))]))
        return
    if topic == "out_of_scope":
        out.add(out_of_scope.reply(env, state, turn))
        return
    if topic == "local":
        _local(env, state, turn, out)
        return
    if topic == "life_event":
        _life_event(env, state, turn, out)
        return
    if topic == "cancel" or topic == "reschedule":
        from assistant.booking.service import normalize_code

        purpose = "cancel" if topic == "cancel" else "reschedule"
        code = (normalize_code(turn.text) if not turn.is_payload else None) or state.booked_code
        if code:
            flows.CANCEL.with_code(env, state, code, purpose, out)
        else:
            flows.CANCEL.ask_code(state, purpose, out)
        return
    if topic == "human":
        _human(env, state, turn, out)
        return
    if topic == "check_documents":
        _precheck(env, state, turn, out)
        return
    if topic == "documents":
        _documents(env, state, turn, out)
        return
    if topic == "booking":
        ctx = _context_for(env, state, turn, "booking")
        need = topics.missing(env, "booking", ctx)
        if need is not None:
            _ask(state, "booking", turn, need, out, ctx)
            return
        flows.BOOKING.start(env, state, ctx, turn, out)
        return
    # the answer topics, for each service named (several at once: "Perso und Reisepass, was kostet beides")
    if topic in topics.OFFICE_TOPICS and len(turn.municipalities) > 1 and len(turn.services) <= 1 and \
            (turn.service or state.service) and not turn.office_id:
        for mid in turn.municipalities[:3]:  # "ich in Musterstadt, mein Bruder in Kleinwalde: wo müssen wir hin"
            ctx = env.context(state, service=turn.service or state.service, municipality=mid)
            out.add(topics.answer(env, state, topic, ctx, turn))
        return
    services_named = _services_named(turn)
    offices_given: dict[str, str] = {}
    for slug, ctx in _contexts(env, state, turn, topic, services_named):
        if topic == "howto" and slug is None and not turn.services and ctx.service and not turn.is_payload and \
                topics.is_detail_question(turn.text):
            detail = topics.service_details(env, ctx, turn.text)
            if detail is not None:  # "muss ich da ne Prüfung machen": the sentence that says it
                out.add(detail)
                state.last_topic = "howto"
                return
        need = topics.missing(env, topic, ctx, "" if turn.is_payload else turn.text)
        if need is not None:
            _ask(state, topic, turn, need, out, ctx)
            return
        if slug and topic in topics.OFFICE_TOPICS:
            off = ctx.office()
            if off is not None and off.id in offices_given:
                out.add(Reply("utter_office", f"{kb.services[slug].short_name}: ebenfalls {off.name}, "
                                              f"{off.address.street} – beides an derselben Stelle."))
                continue
            if off is not None:
                offices_given[off.id] = slug
        reply = topics.answer(env, state, topic, ctx, turn)
        if slug and topic in topics.SERVICE_TOPICS:
            reply = _with_office(env, ctx, reply)
        out.add(reply)
    if len(services_named) > 1:
        state.service = services_named[0]
        state.services = [s for s in services_named if s]


def _services_named(turn: Turn) -> list[Optional[str]]:
    """Each service of a message that names several ("Perso und Reisepass, was kostet beides"), else [None]
    (the context decides the one service)."""
    return list(turn.services[:3]) if len(turn.services) > 1 and not turn.office_id else [None]


def _contexts(env: Env, state: DialogueState, turn: Turn, topic: str, named: list[Optional[str]]):
    """(service, context) for each service named: the one place where a turn's answer context is built."""
    for slug in named:
        ctx = _context_for(env, state, turn, topic)
        if slug:
            ctx.service = slug
        yield slug, ctx


def _with_office(env: Env, ctx, reply: Reply) -> Reply:
    """The reply plus the responsible office, when it is known without asking (the resident's municipality
    is known, or one office serves the whole county)."""
    if not ctx.service:
        return reply
    off = ctx.office() if ctx.municipality or topics.office_serves_all(env.kb, ctx.service) else None
    if off is None:
        otype = env.kb.services[ctx.service].office_type
        heads = {o.name.split()[0] for o in env.kb.offices.values() if otype in o.types and o.name}
        if len(heads) == 1:  # "Zuständig: das Standesamt" (where exactly depends on the municipality)
            return Reply(reply.key, f"{reply.text}\nZuständig: {heads.pop()} – sagen Sie mir Ihren Ort, dann nenne "
                                    "ich die Adresse.", reply.buttons)
        return reply
    return Reply(reply.key, f"{reply.text}\nZuständig: {off.name}, {off.address.street}, {off.address.city}.",
                 reply.buttons)


def _ask(state: DialogueState, topic: str, turn: Turn, need: Reply, out: Outcome, ctx) -> None:
    out.add(need)
    resume = state.flow if state.flow is not None and state.flow.type != "clarify" else None
    state.flow = FlowState("clarify", "", {"topic": topic, "need": "service" if need.key == "utter_ask_service"
                                           else "municipality", "text": turn.text[:500],
                                           "destination": ctx.destination, "office_id": ctx.office_id},
                           resume=resume)


def _resume_clarify(env: Env, state: DialogueState, turn: Turn, out: Outcome) -> None:
    fs = state.flow
    state.flow = fs.resume
    topic = fs.get("topic") or "office"
    remembered = Turn(text=fs.get("text") or "", intent="", services=turn.services or (
        [state.service] if state.service else []), municipality=turn.municipality or state.municipality,
        destination=fs.get("destination"), office_id=fs.get("office_id") or turn.office_id, sender=turn.sender,
        channel=turn.channel, words=normalize(fs.get("text") or "").split())
    if topic == "local":
        _local(env, state, remembered, out)
        return
    if topic == "check_documents":
        _precheck(env, state, remembered, out)
        return
    if topic == "documents":
        _documents(env, state, remembered, out)
        return
    _answer(env, state, remembered, topic, out)


def _documents(env: Env, state: DialogueState, turn: Turn, out: Outcome) -> None:
    if len(turn.services) > 1 and not flows.wants_personal_list(turn):
        for _slug, ctx in _contexts(env, state, turn, "documents", list(turn.services[:3])):
            out.add(_with_office(env, ctx, topics.services.documents_general(ctx)))
        state.last_topic = "documents"
        state.services = turn.services[:3]
        state.subject = Subject("service", "documents", service=turn.services[0], municipality=state.municipality)
        return
    ctx = _context_for(env, state, turn, "documents")
    if not ctx.service:
        _ask(state, "documents", turn, topics.ask_service(env.kb), out, ctx)
        return
    eff = ctx.eff()
    if flows.wants_general_list(turn) or not eff.service.situations:
        out.add(topics.services.documents_general(ctx))
        state.last_topic = "documents"
        state.subject = Subject("service", "documents", service=eff.slug, municipality=ctx.municipality)
        if state.flow is not None and state.flow.type == "checklist":
            state.flow = None
        return
    if state.answers_for == eff.slug and re.search(r"\b(liste|jetzt|nun|insgesamt|alles zusammen)\b",
                                                   normalize(turn.text)) and turn.option != "checklist":
        from assistant.answers import checklists
        from assistant.checklist.engine import build

        answers = {k: v for k, v in state.answers.items() if k in eff.service.situations}
        out.add(checklists.checklist_reply(ctx, build(eff, answers), None))  # "zeig mir die Liste nochmal"
        state.last_topic = "documents"
        return
    if flows.wants_personal_list(turn):
        previous = state.answers if state.answers_for == eff.slug and turn.option != "checklist" else None
        flows.CHECKLIST.start(env, state, eff.slug, out, previous)
        state.last_topic = "documents"
        state.subject = Subject("service", "documents", service=eff.slug, municipality=ctx.municipality)
        return
    out.add(topics.answer(env, state, "documents", ctx, turn))
    flows.CHECKLIST.offer(state, eff.slug)


def _precheck(env: Env, state: DialogueState, turn: Turn, out: Outcome) -> None:
    from assistant.answers import checklists

    ctx = _context_for(env, state, turn, "documents")
    if not ctx.service:
        _ask(state, "check_documents", turn, topics.ask_service(env.kb), out, ctx)
        return
    answers = state.answers if state.answers_for == ctx.service else {}
    out.add(checklists.precheck_reply(ctx, answers, turn.text))
    state.last_topic = "documents"
    state.subject = Subject("service", "documents", service=ctx.service, municipality=ctx.municipality)


def _local(env: Env, state: DialogueState, turn: Turn, out: Outcome) -> None:
    from assistant.answers.local_match import decide

    text = turn.text if not turn.is_payload else ""
    if not text.strip():
        out.add(Reply("utter_what_else", "Was möchten Sie über Ihren Ort wissen? Fragen Sie zum Beispiel nach "
                                         "Festen, Grünschnitt oder dem Gemeindesaal."))
        return
    municipality = turn.municipality or state.municipality or env.default_municipality
    decision = decide(env.kb, text, municipality)
    subject = state.subject
    if decision.kind != "answer" and subject is not None and subject.kind == SUBJECT_LOCAL and \
            (not turn.municipality or turn.municipality == subject.municipality):
        reply = topics.local_details(env, subject, text)
        if reply is not None:
            out.add(reply)
            return
    if decision.kind == "ask_municipality":
        ctx = env.context(state)
        _ask(state, "local", turn, topics.ask_municipality(env.kb), out, ctx)
        return
    reply = topics.local_reply(env, decision, named=municipality is None)
    out.add(reply)
    if decision.kind == "answer" and decision.match is not None:
        topics.record_local(state, decision.municipality_id, decision.match.answer.id)
        state.fallback_count = 0


def _life_event(env: Env, state: DialogueState, turn: Turn, out: Outcome) -> None:
    kb = env.kb
    event = next((o for o in turn.options if o in kb.life_events), None)
    if event is None and not turn.is_payload:
        event = life_events.detect_event(kb, turn.text)
    if event is None and turn.service:
        tags = kb.services[turn.service].life_events
        event = tags[0] if tags else None
    from assistant.answers.situations import special_answer

    sctx = env.context(state, service=turn.service)
    special = special_answer(sctx, turn.text) if not turn.is_payload else None
    if special is not None:  # "Mein Hund ist gestorben": the Hundesteuer Abmeldung, not a life event
        state.service = sctx.service
        out.add(special)
        state.last_topic = "howto"
        return
    out.add(life_events.answer(kb, event, state.municipality))
    state.last_topic = "life_event"


def _human(env: Env, state: DialogueState, turn: Turn, out: Outcome) -> None:
    from assistant.kb import hours as hours_mod

    ctx = _context_for(env, state, turn, "office")
    if not ctx.office_id and not ctx.service and state.subject and state.subject.office_id:
        ctx.office_id = state.subject.office_id
    office = ctx.office() if (ctx.municipality or ctx.service or ctx.office_id) else None
    topic = env.kb.services[ctx.service].short_name if ctx.service in env.kb.services else "allgemeine Frage"
    if "callback" in turn.options:
        fs = flows.CALLBACK.start(state, topic, office.id if office else None, stage="phone")
        out.add(flows.CALLBACK.reprompt(env, state, fs))
        return
    if office is not None and hours_mod.current_interval(office.hours, env.now, env.tz, env.kb.county.state):
        status = hours_mod.describe_status(office.hours, env.now, env.tz, env.kb.county.state)
        out.add(Reply("utter_human_phone", f"Rufen Sie direkt an: {office.name}, Telefon {office.phone}. {status}",
                      [Button("Lieber Rückruf", payload("request_human", option="callback"))]))
        return
    closed = f"{office.name} (Telefon {office.phone}) ist gerade geschlossen. " if office else ""
    out.add(Reply("utter_callback_ask",
                  f"{closed}Ich kann eine Bitte um Rückruf an die Mitarbeiterinnen und Mitarbeiter weitergeben. "
                  f"Möchten Sie das? {env.kb.county.hotline_115}",
                  [Button("Ja, Rückruf", payload("affirm")), Button("Nein danke", payload("deny"))]))
    flows.CALLBACK.start(state, topic, office.id if office else None)


def _clarify(env: Env, state: DialogueState, turn: Turn, out: Outcome) -> None:
    count = state.fallback_count + 1
    state.fallback_count = count
    options = [r["name"] for r in turn.ranking if r.get("name") in INTENT_LABELS][:2]
    ents = {"service": state.service} if state.service else {}
    buttons = [Button(INTENT_LABELS[o], payload(o, **ents)) for o in options]
    if count >= 2:
        text = ("Ich habe Sie leider wieder nicht sicher verstanden. Möchten Sie mit einem Menschen sprechen? "
                "Oder meinten Sie eines davon?")
        buttons.append(Button("Mit einem Menschen sprechen", payload("request_human")))
    else:
        text = "Ich bin nicht sicher, ob ich Sie richtig verstanden habe. Meinten Sie:"
    if not options:
        text = "Das habe ich leider nicht verstanden. Können Sie es anders sagen?"
    out.add(Reply("utter_clarify", text, buttons))


def reprompt(env: Env, state: DialogueState) -> Optional[Reply]:
    f = flow_for(state.flow)
    return f.reprompt(env, state, state.flow) if f else None
