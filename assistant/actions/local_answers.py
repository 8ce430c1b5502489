"""Local questions (Dorffest, Grünschnitt, Gemeindesaal ...): answers from the knowledge base,
``local_answers`` of the resident's municipality.

The best matching local answer of the resident's municipality is given if it matches well
enough; otherwise the assistant says honestly that it has no reliable information for this
municipality and names the office to call. If the municipality is unknown, the assistant
answers only when exactly one municipality has a strong match; otherwise it asks where the
resident lives and remembers the question in the flow slot (``{"type": "pending", "topic":
"local", "text": ...}``; see :func:`resume_local`).
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.common import ask_municipality, build_context, get_flow, send, set_flow
from assistant.actions.flow import flow_answers_first
from assistant.answers.context import Context
from assistant.answers.reply import Button, LinkButton, Reply, payload
from assistant.answers.local_match import Decision, decide, municipality_office

RESPONSE_ANSWER = "utter_local_answer"  # domain.yml: utter_local_answer: - text: "{text}"
RESPONSE_NO_INFORMATION = "utter_no_information"
RESUMABLE = ("checklist", "booking", "callback", "cancel")


def _buttons(raw: list[dict[str, str]]) -> list[Any]:
    out: list[Any] = []
    for b in raw:
        title = b.get("title") or b.get("label")
        if not title:
            continue
        if b.get("url"):
            out.append(LinkButton(title, b["url"]))
        elif b.get("payload"):
            out.append(Button(title, b["payload"]))
    return out


def _known_response(domain: Optional[dict], key: str, fallback: str = "utter_what_else") -> str:
    """``key`` if the domain declares it (Rasa drops messages with unknown response keys)."""
    responses = (domain or {}).get("responses")
    if isinstance(responses, dict) and responses and key not in responses:
        return fallback
    return key


def answer_reply(ctx: Context, decision: Decision, named: bool) -> Reply:
    """The reply for a decision of kind 'answer' or 'no_information'."""
    kb = ctx.kb
    mid = decision.municipality_id or ""
    name = kb.municipalities[mid].name if mid in kb.municipalities else ""
    if decision.kind == "answer" and decision.match is not None:
        text = decision.match.answer.answer
        if named and name:
            text = f"Für {name}: {text}"
        return Reply(RESPONSE_ANSWER, text, _buttons(decision.match.answer.buttons))
    office = municipality_office(kb, mid)
    text = f"Dazu habe ich für {name} keine verlässliche Information."
    if office is not None:
        text += f" Fragen Sie bitte beim {office.name} nach: Telefon {office.phone}."
    else:
        text += f" Rufen Sie bitte die Behördennummer 115 an. {kb.county.hotline_115}"
    return Reply(RESPONSE_NO_INFORMATION, text, [Button("Mit einem Menschen sprechen", payload("request_human")),
                                                 Button("Was kann ich hier fragen?", payload("help"))])


def answer_local(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, text: str,
                 flow: Optional[dict[str, Any]] = None, domain: Optional[dict] = None) -> list[EventType]:
    """Answer ``text`` for ``ctx.municipality`` (or ask for the municipality). Returns events."""
    flow = flow if flow is not None else get_flow(tracker)
    decision = decide(ctx.kb, text, ctx.municipality)
    if decision.kind == "ask_municipality":
        send(dispatcher, ask_municipality(ctx.kb))
        keep = flow if flow.get("type") in RESUMABLE else None
        return [set_flow({"type": "pending", "topic": "local", "text": text[:500], "resume": keep})]
    named = ctx.municipality is None  # answered without knowing where the resident lives
    reply = answer_reply(ctx, decision, named)
    reply.key = _known_response(domain, reply.key)
    send(dispatcher, reply)
    events: list[EventType] = [SlotSet("last_topic", "local")]
    if decision.kind == "answer":
        events.append(SlotSet("fallback_count", 0))
    resume = flow.get("resume") if flow.get("type") == "pending" else flow
    if isinstance(resume, dict) and resume.get("type") in RESUMABLE:
        from assistant.actions.flow import reprompt

        events += reprompt(dispatcher, tracker, resume)
    else:
        events.append(set_flow(None))
    return events


def resume_local(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context,
                 flow: dict[str, Any]) -> list[EventType]:
    """The resident named the municipality after a local question: answer the remembered question.

    Hook for ``assistant.actions.flow._resume_pending`` (topic ``local``).
    """
    return answer_local(dispatcher, tracker, ctx, str(flow.get("text") or ""), flow)


class ActionAnswerLocal(Action):
    """Answer a local question from the municipality's ``local_answers``."""

    def name(self) -> str:
        return "action_answer_local"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):
            flow = get_flow(tracker)
            text = str(flow.get("text") or "") if flow.get("topic") == "local" else ""
        if not text.strip():
            send(dispatcher, Reply("utter_what_else", "Was möchten Sie über Ihren Ort wissen? "
                                                      "Fragen Sie zum Beispiel nach Festen, Grünschnitt oder dem Gemeindesaal."))
            return events
        return events + answer_local(dispatcher, tracker, ctx, text, domain=domain)
