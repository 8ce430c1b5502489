"""The flows: personal checklist, booking (and rescheduling), cancelling, callback, clarification.
Each is registered once in :data:`assistant.dialogue.base.REGISTRY`."""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Optional

from assistant.booking.idempotency import make_key
from assistant.answers import appointments as texts
from assistant.answers import checklists
from assistant.answers.reply import Button, Reply, payload
from assistant.booking import preferences
from assistant.checklist.engine import build, next_question
from assistant.dialogue.base import Env, Flow, Outcome, register
from assistant.dialogue.state import SUBJECT_OFFICE, DialogueState, FlowState, Subject
from assistant.dialogue.turn import Turn
from assistant.kb.loader import normalize

logger = logging.getLogger(__name__)

LIST_NOW_RE = re.compile(r"\b(zeig\w*|liste|was steht|was brauch\w* ich (jetzt|nun|also)|alles mitbringen|"
                         r"was muss ich (jetzt|nun|also)? ?(alles )?mitbringen|fertig|reicht|genug gefragt|"
                         r"bis jetzt)\b")
GENERAL_RE = re.compile(r"\b(allgemein\w*|ohne fragen|keine fragen|ganze liste|komplette liste|alles auf einmal)\b")
PERSONAL_RE = re.compile(r"\b(persoenlich\w*|checkliste|liste fuer mich|meine liste|ne liste|eine liste|"
                         r"mach mir\w* (mal )?(ne|eine) liste|fragen sie mich|mit fragen)\b")


def wants_personal_list(turn: Turn) -> bool:
    return turn.option == "checklist" or bool(PERSONAL_RE.search(normalize(turn.text)))


def wants_general_list(turn: Turn) -> bool:
    return turn.option == "general" or bool(GENERAL_RE.search(normalize(turn.text)))


# ------------------------------------------------------------------ checklist

class ChecklistFlow(Flow):
    """Personal document list: yes/no questions from the catalogue's situations.
    Stages: ``offer`` (general list shown, personal list offered), ``asking``."""

    type = "checklist"
    reminder_prefix = "Zurück zu Ihrer Liste:"

    def waits_for(self, fs: FlowState) -> str:
        return "yes_no"

    def accepts(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn) -> bool:
        service = fs.get("service")
        if turn.services and turn.services[0] != service and not turn.correction:
            return False
        if fs.stage == "offer":
            if turn.correction or (turn.services and turn.services[0] != service):
                return False
            return turn.yes_no is not None and turn.intent in ("affirm", "deny", "inform", "nlu_fallback", "") \
                or (wants_personal_list(turn) and turn.intent in ("ask_documents", "inform", "nlu_fallback", "affirm"))
        if wants_general_list(turn) or (LIST_NOW_RE.search(normalize(turn.text)) and turn.intent in (
                "ask_documents", "check_documents", "inform", "nlu_fallback", "affirm", "help")):
            return True
        if self._implied(env, state, fs, turn) is not None:
            return True  # "ich geh selber hin" to "Geht eine andere Person für Sie?"
        if turn.yes_no is not None or turn.dont_know:
            return turn.intent in ("affirm", "deny", "inform", "dont_know", "nlu_fallback", "") or \
                _starts_yes_no(turn) or turn.confidence < 0.8
        if turn.intent in ("inform", "nlu_fallback", "ask_life_event", "check_documents", "ask_documents", "affirm",
                           "deny") and not turn.is_payload:
            from assistant.answers.checklists import find_correction

            return self._eff(env, state, fs) is not None and \
                find_correction(self._eff(env, state, fs), turn.text) is not None
        return False

    def _implied(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn) -> Optional[bool]:
        """An answer without ja/nein that still answers the pending question: "ich geh selber hin",
        "das mach ich selbst" to a question whether another person goes for the resident."""
        eff = self._eff(env, state, fs) if fs.stage == "asking" and fs.get("asking") and not turn.is_payload else None
        situation = eff.service.situations.get(fs.get("asking")) if eff is not None else None
        if situation is None or turn.yes_no is not None:
            return None
        if REPRESENTATIVE_RE.search(normalize(situation.question)) and SELF_RE.search(normalize(turn.text)):
            return False
        return None

    def _eff(self, env: Env, state: DialogueState, fs: FlowState):
        slug = fs.get("service")
        if slug not in env.kb.services:
            return None
        return env.context(state, service=slug).eff()

    def start(self, env: Env, state: DialogueState, service: str, out: Outcome, answers: Optional[dict] = None,
              intro: bool = True) -> None:
        fs = FlowState("checklist", "asking", {"service": service, "answers": dict(answers or {}), "skipped": [],
                                               "asking": None})
        state.flow = fs
        self._next(env, state, fs, out, first=intro)

    def offer(self, state: DialogueState, service: str) -> None:
        state.flow = FlowState("checklist", "offer", {"service": service, "answers": {}, "skipped": [], "asking": None})

    def _next(self, env: Env, state: DialogueState, fs: FlowState, out: Outcome, first: bool = False) -> None:
        eff = self._eff(env, state, fs)
        if eff is None:
            state.flow = None
            return
        answers = dict(fs.get("answers") or {})
        skipped = list(fs.get("skipped") or [])
        key = next_question(eff, answers, set(skipped))
        if key is None:
            self.finish(env, state, fs, out)
            return
        out.add(checklists.question(eff, key, answers, first=first))
        state.flow = fs.with_data(stage="asking", asking=key, answers=answers, skipped=skipped)
        state.flow.reminded = False

    def finish(self, env: Env, state: DialogueState, fs: FlowState, out: Outcome) -> None:
        eff = self._eff(env, state, fs)
        state.flow = None
        if eff is None:
            return
        answers = {k: v for k, v in (fs.get("answers") or {}).items() if k in eff.service.situations}
        checklist = build(eff, answers)
        link = None
        try:
            from assistant.checklist import store

            from assistant.privacy import link as link_owner

            with env.sm()() as session:
                token = store.save(session, eff.slug, state.municipality, answers)
                link_owner(session, env.sender, "checklist", token)
                session.commit()
            link = f"{env.public_url}/liste/{token}"
        except Exception:  # the list itself matters more than the printable link
            logger.exception("checklist could not be saved")
        out.add(checklists.checklist_reply(env.context(state, service=eff.slug), checklist, link))
        state.answers_for, state.answers = eff.slug, answers
        state.last_topic = "documents"
        state.subject = Subject("service", "documents", service=eff.slug, municipality=state.municipality)

    def handle(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn, out: Outcome) -> None:
        from assistant.dialogue import topics

        eff = self._eff(env, state, fs)
        if eff is None:
            state.flow = None
            return
        if fs.stage == "offer":
            if turn.yes_no is False and not wants_personal_list(turn):
                state.flow = None
                out.add(Reply("utter_what_else", "In Ordnung. Was möchten Sie noch wissen?",
                              topics.services.next_step_buttons(env.context(state, service=eff.slug), "documents")))
                return
            self._next(env, state, fs.with_data(stage="asking"), out, first=True)
            return
        norm = normalize(turn.text)
        if wants_general_list(turn):
            state.flow = None
            out.add(topics.services.documents_general(env.context(state, service=eff.slug)))
            state.last_topic = "documents"
            return
        key = fs.get("asking")
        answers = dict(fs.get("answers") or {})
        skipped = list(fs.get("skipped") or [])
        value = None if turn.dont_know else turn.yes_no
        if value is None and not turn.dont_know:
            value = self._implied(env, state, fs, turn)
        if value is None and not turn.dont_know and not turn.is_payload:
            from assistant.answers.checklists import find_correction

            found = find_correction(eff, turn.text)
            if found:
                k, v = found
                answers[k] = v
                skipped = [s for s in skipped if s != k]
                fs = fs.with_data(answers=answers, skipped=skipped)
                if k == key:
                    key = None
        if key and (value is not None or turn.dont_know):
            if value is None:
                skipped.append(key)
            else:
                answers[key] = value
            fs = fs.with_data(answers=answers, skipped=skipped, asking=None)
        if LIST_NOW_RE.search(norm) and turn.yes_no is None:
            self.finish(env, state, fs, out)
            return
        self._next(env, state, fs, out)

    def reprompt(self, env: Env, state: DialogueState, fs: FlowState) -> Optional[Reply]:
        eff = self._eff(env, state, fs)
        if eff is None or fs.stage != "asking" or not fs.get("asking"):
            return None
        q = checklists.question(eff, fs.get("asking"), fs.get("answers") or {}, first=False)
        return Reply("utter_flow_reprompt", f"{self.reminder_prefix} {q.text}", q.buttons)

    def remind_after_side_question(self, fs: FlowState) -> bool:
        return fs.stage == "asking"


REPRESENTATIVE_RE = re.compile(r"\b(andere person|jemand anderes?|fuer sie|vollmacht|bevollmaecht\w*|vertret\w*)\b")
SELF_RE = re.compile(r"\b(selbe?r?|selbst|ich (geh|gehe|komm|komme|mach|mache|erledig\w*) (das |es |da )?(selbe?r?|selbst|"
                     r"persoenlich|hin)|persoenlich)\b")


def _starts_yes_no(turn: Turn) -> bool:
    return bool(turn.words) and turn.words[0] in {"ja", "jo", "nein", "nee", "ne", "noe", "doch", "genau", "jawohl"}


# ------------------------------------------------------------------ booking

ORDINALS = {"ersten": 0, "erste": 0, "erster": 0, "1": 0, "eins": 0, "zweiten": 1, "zweite": 1, "zweiter": 1, "2": 1,
            "zwei": 1, "dritten": 2, "dritte": 2, "dritter": 2, "3": 2, "drei": 2, "vierten": 3, "vierte": 3,
            "4": 3, "vier": 3, "letzten": -1, "letzte": -1, "letzter": -1}
NAME_RE = re.compile(r"^(?:(?i:ich hei(?:ss|ß)e|mein name ist|name:?|auf den namen)\s+)?"
                     r"([A-ZÄÖÜ][\wäöüß\-]+(?:\s+[A-ZÄÖÜ][\wäöüß\-]+){1,3})\.?$")


def _ordinal(turn: Turn) -> Optional[int]:
    words = turn.words
    if not words or len(words) > 8:
        return None
    for i, w in enumerate(words):
        if w in ORDINALS:
            if w in {"1", "2", "3", "4", "eins", "zwei", "drei", "vier"} and not (
                    i > 0 and words[i - 1] in {"nr", "nummer", "termin", "den", "die", "der"} or len(words) <= 2):
                continue
            return ORDINALS[w]
    return None


def _pref(text: str, env: Env) -> preferences.Preference:
    return preferences.parse(text, env.now.date())


def _soon(norm: str) -> bool:
    return bool(re.search(r"\b(frueh\w*|bald|schnell\w*|egal|naechste\w* freie\w*|irgendwann)\b", norm))


class BookingFlow(Flow):
    """Offer free slots, understand choices and preferences, ask for a name where the office needs
    one, confirm, book. Stages: ``choose``, ``name``, ``confirm``."""

    type = "booking"
    reminder_prefix = "Zurück zur Terminsuche:"

    def waits_for(self, fs: FlowState) -> str:
        return {"choose": "slot", "name": "name", "confirm": "yes_no"}.get(fs.stage, "slot")

    def accepts(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn) -> bool:
        if turn.services and turn.services[0] != fs.get("service"):
            return False
        if turn.option and (turn.option.startswith("slot:") or turn.option == "earliest"):
            return True
        if fs.stage == "name":
            return not turn.is_payload and bool(turn.text.strip()) and turn.intent not in (
                "ask_office", "ask_opening_hours", "ask_directions", "ask_fees", "ask_online", "ask_documents",
                "cancel_appointment", "request_human") or turn.yes_no is False
        if fs.stage == "confirm" and (turn.yes_no is not None):
            return True
        if fs.stage == "confirm" and not turn.is_payload and NAME_RE.match(turn.text.strip()):
            office = env.kb.offices.get(fs.get("office"))
            if office is not None and office.booking and office.booking.requires_name:
                return True  # "Erika Mustermann" answers the confirmation of a booking that needs the name
        if _ordinal(turn) is not None and fs.get("offered"):
            return True
        if turn.is_payload:
            return False
        norm = normalize(turn.text)
        if not _pref(turn.text, env).is_empty or _soon(norm):
            # "keiner davon passt, haben Sie was am Freitag?" (whatever intent); not "wann haben Sie offen?"
            return not re.search(r"\b(offen|geoeffnet|oeffnungszeit\w*|wo ist|wie komm\w*)\b", norm)
        if fs.stage == "choose" and turn.yes_no is not None and turn.intent in ("affirm", "deny"):
            return True
        return False

    def start(self, env: Env, state: DialogueState, ctx: Any, turn: Turn, out: Outcome,
              reschedule: Optional[str] = None) -> None:
        from assistant.dialogue import topics

        eff = ctx.eff()
        office = ctx.office()
        if office is None:
            state.flow = None
            out.add(Reply("utter_no_information", "Dazu habe ich keine verlässliche Information, welches Amt "
                                                  f"zuständig ist. Die Behördennummer 115 hilft weiter. "
                                                  f"{env.kb.county.hotline_115}"))
            return
        state.subject = Subject(SUBJECT_OFFICE, "booking", office_id=office.id, service=eff.slug,
                                municipality=ctx.municipality)
        state.last_topic = "office"
        link = eff.booking_link
        if office.booking and not link:
            link = office.booking.link_out.get(eff.slug) or office.booking.link_out.get("default")
        if link:
            state.flow = None
            out.add(texts.link_out(office, eff.service.short_name, link))
            return
        if office.booking is None or not office.booking.enabled:
            state.flow = None
            reply = texts.no_booking(office, eff.service.short_name)
            if eff.online.available and eff.online.url:
                reply = Reply(reply.key, reply.text + " Oder erledigen Sie es online.",
                              [topics.LinkButton("Online erledigen", eff.online.url)])
            out.add(reply)
            return
        answers = state.answers if state.answers_for == eff.slug else {}
        fs = FlowState("booking", "choose", {"service": eff.slug, "office": office.id,
                                             "municipality": ctx.municipality, "answers": answers,
                                             "reschedule": reschedule, "offered": []})
        state.flow = fs
        self._offer(env, state, fs, out, "" if turn.is_payload else turn.text)

    def _offer(self, env: Env, state: DialogueState, fs: FlowState, out: Outcome, text: str = "",
               prefix: Optional[str] = None) -> None:
        from assistant.booking import service

        kb = env.kb
        office = kb.offices[fs.get("office")]
        pref = _pref(text, env) if text else None
        with env.sm()() as session:
            slots = service.offer(session, kb, office.id, fs.get("service"), env.now, env.tz, pref)
        reply = texts.offer(office, kb.services[fs.get("service")].name, slots, bool(pref and not pref.is_empty))
        if pref and pref.weekdays and not slots:
            weekly = office.hours.weekly or {}
            reply = Reply(reply.key, reply.text + " An diesem Tag ist das Amt geschlossen oder ausgebucht.",
                          reply.buttons)
            del weekly
        if prefix:
            reply = Reply(reply.key, f"{prefix}\n{reply.text}", reply.buttons)
        out.add(reply)
        state.flow = fs.with_data(stage="choose", offered=[s.start.isoformat() for s in slots])

    def _choose(self, env: Env, state: DialogueState, fs: FlowState, start: dt.datetime, out: Outcome) -> None:
        office = env.kb.offices[fs.get("office")]
        local = start.astimezone(env.tz)
        fs = fs.with_data(slot=local.isoformat())
        if office.booking and office.booking.requires_name and not fs.get("name_held"):
            state.flow = fs.with_data(stage="name")
            out.add(Reply("utter_booking_confirm", f"{office.name} braucht für den Termin Ihren Namen. "
                                                   "Wie heißen Sie (Vor- und Nachname)?"))
            return
        state.flow = fs.with_data(stage="confirm")
        out.add(texts.confirm(office, env.kb.services[fs.get("service")].name, local, None))

    def handle(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn, out: Outcome) -> None:
        text = turn.text
        norm = normalize(text)
        option = turn.option or ""
        if option.startswith("slot:"):
            try:
                office_id, stamp = option[5:].split("|")
                start = dt.datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=dt.timezone.utc)
            except ValueError:
                self._offer(env, state, fs, out)
                return
            if office_id != fs.get("office"):
                self._offer(env, state, fs, out)
                return
            self._choose(env, state, fs, start, out)
            return
        if option == "earliest":
            self._offer(env, state, fs, out)
            return
        if fs.stage == "name":
            if turn.yes_no is False and len(turn.words) <= 3:
                state.flow = None
                out.add(Reply("utter_what_else", "In Ordnung, ich buche keinen Termin. Kann ich sonst helfen?"))
                return
            name = text.strip().strip(".")[:80]
            m = NAME_RE.match(text.strip())
            if m:
                name = m.group(1)
            if len(name) < 3:
                out.add(Reply("utter_booking_confirm", "Bitte schreiben Sie Ihren Vor- und Nachnamen."))
                return
            if fs.get("confirmed"):  # "Ja" came first: book now, with this name
                self._book(env, state, fs, turn, out, person=name)
                return
            # held in the booking database until the confirmation: the conversation state that
            # Rasa stores never contains the name
            from assistant.booking import service

            service.hold_name(env.sm(), _name_key(turn.sender, fs), name, env.now)
            fs = fs.with_data(name_held=True, stage="confirm")
            state.flow = fs
            office = env.kb.offices[fs.get("office")]
            out.add(texts.confirm(office, env.kb.services[fs.get("service")].name,
                                  dt.datetime.fromisoformat(fs.get("slot")), None))
            return
        idx = _ordinal(turn)
        offered = fs.get("offered") or []
        if idx is not None and offered and fs.stage == "choose":
            try:
                start = dt.datetime.fromisoformat(offered[idx])
            except (IndexError, ValueError):
                start = None
            if start is not None:
                self._choose(env, state, fs, start, out)
                return
        if fs.stage == "confirm":
            office = env.kb.offices[fs.get("office")]
            named = NAME_RE.match(text.strip()) if not turn.is_payload else None
            if named and office.booking and office.booking.requires_name and turn.yes_no is None:
                self._book(env, state, fs, turn, out, person=named.group(1))  # "Erika Muster": yes, in this name
                return
            if turn.yes_no is True:
                if office.booking and office.booking.requires_name and not fs.get("name_held"):
                    state.flow = fs.with_data(stage="name", confirmed=True)
                    out.add(Reply("utter_booking_confirm", f"{office.name} braucht für den Termin Ihren Namen. "
                                                           "Wie heißen Sie (Vor- und Nachname)?"))
                    return
                self._book(env, state, fs, turn, out)
                return
            if turn.yes_no is False and _pref(text, env).is_empty:
                self._offer(env, state, fs, out, prefix="Gut, dann suchen wir einen anderen Termin.")
                return
        if fs.stage == "choose" and turn.yes_no is True and offered and _pref(text, env).is_empty:
            self._choose(env, state, fs, dt.datetime.fromisoformat(offered[0]), out)
            return
        if not turn.is_payload:
            pref = _pref(text, env)
            if not pref.is_empty or _soon(norm):
                self._offer(env, state, fs, out, text)
                return
        if turn.yes_no is False:
            state.flow = None
            out.add(Reply("utter_what_else", "In Ordnung, ich buche keinen Termin. Kann ich sonst helfen?"))
            return
        r = self.reprompt(env, state, fs)
        out.add(r)

    @staticmethod
    def _keep_name(env: Env, fs: FlowState, turn: Turn, person: Optional[str]) -> None:
        """The booking failed (slot taken meanwhile): hold the name again for the next slot."""
        if person and fs.get("name_held"):
            from assistant.booking import service

            service.hold_name(env.sm(), _name_key(turn.sender, fs), person, env.now)

    def _book(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn, out: Outcome,
              person: Optional[str] = None) -> None:
        from assistant.booking import service
        from assistant.checklist import store

        kb = env.kb
        start = dt.datetime.fromisoformat(fs.get("slot"))
        office = kb.offices[fs.get("office")]
        name = kb.services[fs.get("service")].name
        if fs.get("name_held"):
            held = service.take_name(env.sm(), _name_key(turn.sender, fs))
            person = person or held
        sm = env.sm()
        try:
            if fs.get("reschedule"):
                booking = service.reschedule(sm, kb, fs.get("reschedule"), start, env.now, env.tz,
                                             idempotency_key=make_key(turn.sender, fs.flow_id, "reschedule"))
            else:
                target = turn.sender if turn.channel == "telegram" else None
                kwargs: dict[str, Any] = {"channel": turn.channel, "reminder_target": target, "name": person,
                                          "conversation": turn.sender}
                booking = _call_book(service, sm, kb, office.id, fs.get("service"), start, env, kwargs,
                                     make_key(turn.sender, fs.flow_id, "book"))
        except service.SlotTaken:
            self._keep_name(env, fs, turn, person)
            self._offer(env, state, fs, out, prefix=texts.taken())
            return
        except service.BookingError as exc:
            self._keep_name(env, fs, turn, person)
            self._offer(env, state, fs, out, prefix=str(exc))
            return
        answers = fs.get("answers") or {}
        eff = env.context(state, service=fs.get("service")).eff()
        try:
            checklist = [d.name for d in build(eff, {k: v for k, v in answers.items()
                                                     if k in eff.service.situations}).needed]
        except Exception:
            checklist = []
        checklist_url = None
        try:
            from assistant.privacy import link as link_owner

            with sm() as session:
                token = store.save(session, fs.get("service"), fs.get("municipality"), answers)
                link_owner(session, turn.sender, "checklist", token)
                link_owner(session, turn.sender, "appointment", booking.code)
                session.commit()
            checklist_url = f"{env.public_url}/liste/{token}"
        except Exception:
            logger.exception("checklist for booking could not be saved")
        ics_url = f"{env.public_url}/termin/{booking.code}.ics"
        out.add(texts.done(booking.code, office, name, booking.start.astimezone(env.tz), ics_url, checklist,
                           checklist_url))
        state.flow = None
        state.last_topic = "office"
        state.booked_code = booking.code
        state.subject = Subject(SUBJECT_OFFICE, "booking", office_id=office.id, service=fs.get("service"),
                                municipality=fs.get("municipality"))

    def reprompt(self, env: Env, state: DialogueState, fs: FlowState) -> Optional[Reply]:
        kb = env.kb
        office = kb.offices.get(fs.get("office") or "")
        if office is None or fs.get("service") not in kb.services:
            return None
        if fs.stage == "confirm" and fs.get("slot"):
            reply = texts.confirm(office, kb.services[fs.get("service")].name,
                                  dt.datetime.fromisoformat(fs.get("slot")), None)
            return Reply("utter_flow_reprompt", "Zurück zu Ihrem Termin: " + reply.text, reply.buttons)
        if fs.stage == "name":
            return Reply("utter_flow_reprompt", "Zurück zu Ihrem Termin: Wie heißen Sie (Vor- und Nachname)?")
        out = Outcome()
        self._offer(env, state, fs, out, prefix=self.reminder_prefix)
        return out.replies[0] if out.replies else None


def _name_key(sender: str, fs: FlowState) -> str:
    return make_key(sender, fs.flow_id, "name") or ""


def _call_book(service: Any, sm: Any, kb: Any, office_id: str, slug: str, start: dt.datetime, env: Env,
               kwargs: dict[str, Any], key: Optional[str]) -> Any:
    """service.book with the flow's idempotency key: a repeated "Ja" returns the first booking."""
    return service.book(sm, kb, office_id, slug, start, env.now, env.tz, idempotency_key=key, **kwargs)


# ------------------------------------------------------------------ cancel (and reschedule by code)

class CancelFlow(Flow):
    """Cancel or move an appointment by its booking code. Stages: ``code``, ``confirm``."""

    type = "cancel"

    def waits_for(self, fs: FlowState) -> str:
        return "code" if fs.stage == "code" else "yes_no"

    def accepts(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn) -> bool:
        from assistant.booking.service import normalize_code

        if fs.stage == "code":
            if not turn.is_payload and normalize_code(turn.text):
                return True
            return turn.dont_know or (turn.yes_no is False and len(turn.words) <= 8) or bool(
                re.search(r"\b(nicht mehr|verloren|weg|vergessen|finde \w+ nicht|hab \w+ nicht)\b", normalize(turn.text)))
        return turn.yes_no is not None

    def ask_code(self, state: DialogueState, purpose: str, out: Outcome) -> None:
        verb = "absagen" if purpose == "cancel" else "verschieben"
        out.add(Reply("utter_ask_booking_code",
                      f"Gern. Wie lautet Ihr Buchungscode? Er hat 6 Zeichen, z. B. „K7M2QP“. "
                      f"Dann kann ich den Termin {verb}."))
        state.flow = FlowState("cancel", "code", {"purpose": purpose})

    def with_code(self, env: Env, state: DialogueState, code: str, purpose: str, out: Outcome) -> None:
        from assistant.booking import service

        with env.sm()() as session:
            appt = service.get(session, code)
            if appt is None:
                if state.booked_code == code:
                    state.booked_code = None
                out.add(Reply("utter_ask_booking_code",
                              f"Zum Code {code} finde ich keinen Termin. Bitte prüfen Sie den Code "
                              "oder rufen Sie das Amt an. " + env.kb.county.hotline_115))
                state.flow = FlowState("cancel", "code", {"purpose": purpose})
                return
            start = service.utc(appt.start).astimezone(env.tz)
            office = env.kb.offices.get(appt.office_id)
            slug = appt.service_slug
        if office is not None:
            state.subject = Subject(SUBJECT_OFFICE, "booking", office_id=office.id, service=slug)
        if purpose == "reschedule" and office is not None:
            fs = FlowState("booking", "choose", {"service": slug, "office": appt.office_id,
                                                 "municipality": state.municipality, "answers": {},
                                                 "reschedule": code, "offered": []})
            BOOKING._offer(env, state, fs, out, prefix=f"Ihr Termin ist am {texts.slot_long(start)}. "
                                                       "Wann passt es besser?")
            return
        name = env.kb.services[slug].short_name if slug in env.kb.services else slug
        where = f", {office.name}" if office else ""
        out.add(Reply("utter_booking_confirm", f"Soll ich diesen Termin (Buchungscode {code}) absagen?\n{name}, "
                                               f"{texts.slot_long(start)}{where}",
                      [Button("Ja, absagen", payload("affirm")), Button("Nein, behalten", payload("deny"))]))
        state.flow = FlowState("cancel", "confirm", {"purpose": "cancel", "code": code})

    def handle(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn, out: Outcome) -> None:
        from assistant.booking import service

        if fs.stage == "confirm":
            if turn.yes_no is True:
                booking = service.cancel(env.sm(), fs.get("code"), now=env.now,
                                         idempotency_key=make_key(turn.sender, fs.flow_id, "cancel"))
                if state.booked_code == fs.get("code"):
                    state.booked_code = None
                if booking is None:
                    out.add(Reply("utter_cancel_done", "Dieser Termin war schon abgesagt."))
                else:
                    out.add(Reply("utter_cancel_done",
                                  f"Ihr Termin am {texts.slot_long(booking.start.astimezone(env.tz))} ist abgesagt. "
                                  "Der Termin ist jetzt für andere frei."))
                state.flow = None
                return
            out.add(Reply("utter_what_else", "In Ordnung, Ihr Termin bleibt bestehen."))
            state.flow = None
            return
        code = service.normalize_code(turn.text) if not turn.is_payload else None
        if code:
            self.with_code(env, state, code, fs.get("purpose", "cancel"), out)
            return
        out.add(Reply("utter_human_phone", "Ohne Code kann ich den Termin nicht finden. Bitte rufen Sie das Amt an; "
                                           "die Nummer steht in Ihrer Terminbestätigung. Oder die Behördennummer 115. "
                                           + env.kb.county.hotline_115))
        state.flow = None

    def reprompt(self, env: Env, state: DialogueState, fs: FlowState) -> Optional[Reply]:
        if fs.stage == "confirm":
            return Reply("utter_flow_reprompt", f"Soll ich den Termin {fs.get('code')} absagen?",
                         [Button("Ja, absagen", payload("affirm")), Button("Nein, behalten", payload("deny"))])
        verb = "absagen" if fs.get("purpose", "cancel") == "cancel" else "verschieben"
        return Reply("utter_flow_reprompt", f"Wie lautet Ihr Buchungscode? Dann kann ich den Termin {verb}.")


# ------------------------------------------------------------------ callback

PHONE_RE = re.compile(r"(\+?\d[\d \-/()]{5,}\d)")


def extract_phone(text: str) -> Optional[str]:
    m = PHONE_RE.search(text)
    if not m:
        return None
    digits = re.sub(r"[^\d+]", "", m.group(1))
    return m.group(1).strip() if 6 <= len(digits.lstrip("+")) <= 15 else None


CALLBACK_TIME_RE = re.compile(
    r"\b(vormittag\w*|nachmittag\w*|mittag\w*|morgens|abends?|fr(ü|ue)h|sp(ä|ae)t\w*|egal|jederzeit|immer"
    r"|ab \d{1,2}|bis \d{1,2}|\d{1,2}(:\d{2})? ?uhr|montag\w*|dienstag\w*|mittwoch\w*|donnerstag\w*"
    r"|freitag\w*|samstag\w*|heute|morgen)\b", re.IGNORECASE)


def _callback_time(rest: str, env: Env) -> Optional[str]:
    """The preferred time a resident wrote next to the phone number, if any ("am besten vormittags")."""
    rest = re.sub(r"\s+", " ", rest).strip(" ,.;:-")
    if not rest or not (CALLBACK_TIME_RE.search(rest) or not _pref(rest, env).is_empty):
        return None
    return rest[:120]


class CallbackFlow(Flow):
    """A callback request: offer, phone number, preferred time. Stages: ``offer``, ``phone``, ``time``."""

    type = "callback"

    def waits_for(self, fs: FlowState) -> str:
        return {"offer": "yes_no", "phone": "phone", "time": "time"}.get(fs.stage, "yes_no")

    def accepts(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn) -> bool:
        if not turn.is_payload and extract_phone(turn.text):
            return True
        if fs.stage == "offer":
            return turn.yes_no is not None and turn.intent in ("affirm", "deny", "inform", "nlu_fallback", "")
        if fs.stage == "phone":
            return turn.intent in ("inform", "nlu_fallback", "deny", "dont_know", "affirm", "")
        if fs.stage == "time":
            return bool(turn.options) or turn.dont_know or turn.intent in ("inform", "nlu_fallback", "dont_know",
                                                                             "affirm") or not _pref(turn.text,
                                                                                                   env).is_empty
        return False

    def start(self, state: DialogueState, topic: str, office_id: Optional[str], stage: str = "offer") -> FlowState:
        fs = FlowState("callback", stage, {"topic": topic, "office": office_id})
        state.flow = fs
        return fs

    def handle(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn, out: Outcome) -> None:
        phone = extract_phone(turn.text) if not turn.is_payload else None
        if fs.stage in ("offer", "phone"):
            if phone:
                # the number goes straight into the callback record (it expires with it); the flow,
                # which Rasa stores with the conversation, keeps only the record's id
                state.flow = fs.with_data(stage="time", callback_id=self._store_phone(env, fs, turn, phone))
                preferred = _callback_time(turn.text.replace(phone, " "), env)
                if preferred:  # "0151 2345678, am besten vormittags": both at once
                    self._finish(env, state, state.flow, preferred, out)
                    return
                out.add(self.reprompt(env, state, state.flow))
                return
            if turn.yes_no is True and fs.stage == "offer":
                state.flow = fs.with_data(stage="phone")
                out.add(self.reprompt(env, state, state.flow))
                return
            if fs.stage == "phone" and not turn.dont_know and not (
                    turn.intent == "deny" or (turn.yes_no is False and len(turn.words) <= 3)):
                out.add(Reply("utter_callback_ask", "Das sieht nicht wie eine Telefonnummer aus. Bitte schreiben Sie "
                                                    "nur die Nummer, z. B. 0345 123456."))
                return
            state.flow = None
            out.add(Reply("utter_what_else", "In Ordnung, dann ohne Rückruf. " + env.kb.county.hotline_115))
            return
        if turn.options:
            preferred = turn.options[0]
        elif turn.dont_know or turn.is_payload:
            preferred = "egal"
        else:
            preferred = turn.text.strip()[:120]
        self._finish(env, state, fs, preferred, out)

    @staticmethod
    def _finish(env: Env, state: DialogueState, fs: FlowState, preferred: str, out: Outcome) -> None:
        """Store the preferred time with the callback record and say that the request is complete."""
        from assistant.booking import service

        with env.sm()() as session:
            stored = service.set_callback_time(session, fs.get("callback_id"), preferred)
            session.commit()
        if not stored:  # purged meanwhile (or a forged flow): ask for the number again
            state.flow = fs.with_data(stage="phone", callback_id=None)
            out.add(Reply("utter_callback_ask", "Ihre Telefonnummer ist leider nicht mehr gespeichert. "
                                                "Unter welcher Nummer können wir Sie zurückrufen?"))
            return
        out.add(Reply("utter_callback_done",
                      "Danke! Ihre Bitte um Rückruf ist gespeichert. Wir melden uns zu den Öffnungszeiten. "
                      "Ihre Nummer wird nur dafür verwendet und danach gelöscht."))
        state.flow = None

    @staticmethod
    def _store_phone(env: Env, fs: FlowState, turn: Turn, phone: str) -> Optional[int]:
        from assistant.booking import service
        from assistant.privacy import link

        with env.sm()() as session:
            if isinstance(fs.get("callback_id"), int):
                service.delete_callback(session, fs.get("callback_id"))  # a corrected number replaces the first
            req = service.add_callback(session, fs.get("office"), fs.get("topic", ""), phone, "", env.now,
                                       idempotency_key=make_key(turn.sender, fs.flow_id, f"callback:{phone}"))
            link(session, turn.sender, "callback", req.id)
            session.commit()
            return req.id

    def reprompt(self, env: Env, state: DialogueState, fs: FlowState) -> Optional[Reply]:
        if fs.stage == "phone":
            return Reply("utter_callback_ask", "Unter welcher Telefonnummer können wir Sie zurückrufen?")
        if fs.stage == "time":
            return Reply("utter_callback_ask", "Wann passt es Ihnen am besten? Zum Beispiel „vormittags“.",
                         [Button("Vormittags", payload("inform", option="vormittags")),
                          Button("Nachmittags", payload("inform", option="nachmittags")),
                          Button("Egal", payload("dont_know"))])
        return Reply("utter_callback_ask", "Möchten Sie einen Rückruf?",
                     [Button("Ja, Rückruf", payload("affirm")), Button("Nein danke", payload("deny"))])


# ------------------------------------------------------------------ clarification (missing service/place)

class ClarifyFlow(Flow):
    """The assistant asked for the service or the municipality; the next message completes the
    original question (``topic``, ``text``); a flow it interrupted is in ``resume``."""

    type = "clarify"

    def waits_for(self, fs: FlowState) -> str:
        return fs.get("need", "municipality")

    def accepts(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn) -> bool:
        need = fs.get("need")
        if need == "service":
            return bool(turn.services) and (turn.short or turn.intent in ("inform", "nlu_fallback", "") or
                                            turn.intent == _intent_of(fs.get("topic")))
        if need == "municipality":
            return bool(turn.municipality) and (turn.short or turn.intent in ("inform", "nlu_fallback", "") or
                                                turn.intent == _intent_of(fs.get("topic")))
        return False

    def handle(self, env: Env, state: DialogueState, fs: FlowState, turn: Turn, out: Outcome) -> None:
        raise NotImplementedError("the engine resumes the topic itself")  # see engine._resume_clarify

    def reprompt(self, env: Env, state: DialogueState, fs: FlowState) -> Optional[Reply]:
        from assistant.dialogue import topics

        if fs.get("need") == "service":
            return topics.ask_service(env.kb)
        return topics.ask_municipality(env.kb)

    def remind_after_side_question(self, fs: FlowState) -> bool:
        return False


def _intent_of(topic: Optional[str]) -> str:
    return {"documents": "ask_documents", "howto": "ask_howto", "fees": "ask_fees", "online": "ask_online",
            "office": "ask_office", "opening_hours": "ask_opening_hours", "directions": "ask_directions",
            "booking": "book_appointment", "local": "ask_local", "check_documents": "check_documents"}.get(topic or "",
                                                                                                          "")


CHECKLIST = register(ChecklistFlow())
BOOKING = register(BookingFlow())
CANCEL = register(CancelFlow())
CALLBACK = register(CallbackFlow())
CLARIFY = register(ClarifyFlow())
