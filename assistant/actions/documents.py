"""Documents: the general list, the personal checklist conversation and the completeness pre-check."""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.answering import answer_topic
from assistant.actions.common import ask_service, build_context, get_flow, public_url, send, set_flow
from assistant.actions.flow import flow_answers_first
from assistant.answers import checklists
from assistant.answers.context import Context
from assistant.checklist.engine import build, next_question


def _option(tracker: Tracker) -> Optional[str]:
    for e in tracker.latest_message.get("entities", []):
        if e.get("entity") == "option":
            return str(e.get("value"))
    return None


def start_checklist(dispatcher: CollectingDispatcher, ctx: Context, answers: Optional[dict] = None) -> list[EventType]:
    eff = ctx.eff()
    answers = dict(answers or {})
    key = next_question(eff, answers)
    if key is None:
        return finish_checklist(dispatcher, ctx, answers, [])
    send(dispatcher, checklists.question(eff, key, answers, first=not answers))
    return [set_flow({"type": "checklist", "service": eff.slug, "answers": answers, "skipped": [], "asking": key})]


def continue_checklist(dispatcher: CollectingDispatcher, ctx: Context, flow: dict[str, Any],
                       value: Optional[bool]) -> list[EventType]:
    answers: dict = dict(flow.get("answers", {}))
    skipped: list = list(flow.get("skipped", []))
    key = flow.get("asking")
    if key:
        if value is None:
            skipped.append(key)
        else:
            answers[key] = value
    eff = ctx.eff()
    nxt = next_question(eff, answers, set(skipped))
    if nxt is None:
        return finish_checklist(dispatcher, ctx, answers, skipped)
    send(dispatcher, checklists.question(eff, nxt, answers, first=False))
    return [set_flow({**flow, "answers": answers, "skipped": skipped, "asking": nxt})]


def finish_checklist(dispatcher: CollectingDispatcher, ctx: Context, answers: dict, skipped: list) -> list[EventType]:
    eff = ctx.eff()
    checklist = build(eff, answers)
    link = None
    try:
        from assistant.checklist import store
        from assistant.db import get_sessionmaker
        from assistant.privacy import link as link_owner

        with get_sessionmaker()() as session:
            token = store.save(session, eff.slug, ctx.municipality, answers)
            link_owner(session, ctx.sender, "checklist", token)
            session.commit()
        link = f"{public_url()}/liste/{token}"
    except Exception:  # the list itself matters more than the printable link
        import logging

        logging.getLogger(__name__).exception("checklist could not be saved")
    send(dispatcher, checklists.checklist_reply(ctx, checklist, link))
    return [set_flow({"type": "checklist_done", "service": eff.slug, "answers": answers, "skipped": skipped}),
            SlotSet("last_topic", "documents")]


class ActionAnswerDocuments(Action):
    """Documents for a service: personal checklist where situations matter, else the list."""

    def name(self) -> str:
        return "action_answer_documents"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        if not ctx.service:
            return answer_topic("documents", dispatcher, tracker, ctx, events)
        option = _option(tracker)
        if ctx.eff().service.situations and option != "general":
            flow = get_flow(tracker)
            previous = flow.get("answers") if flow.get("service") == ctx.service and option != "checklist" else None
            return events + start_checklist(dispatcher, ctx, previous) + [SlotSet("last_topic", "documents")]
        return answer_topic("documents", dispatcher, tracker, ctx, events)


class ActionCheckDocuments(Action):
    """Completeness pre-check: 'Ich habe X und Y, reicht das?'."""

    def name(self) -> str:
        return "action_check_documents"

    @flow_answers_first
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        ctx, events = build_context(tracker)
        text = tracker.latest_message.get("text") or ""
        if not ctx.service:
            send(dispatcher, ask_service(ctx.kb, "check_documents"))
            return events + [set_flow({"type": "pending", "topic": "check_documents", "text": text[:500]})]
        return events + run_precheck(dispatcher, tracker, ctx, text)


def run_precheck(dispatcher: CollectingDispatcher, tracker: Tracker, ctx: Context, text: str) -> list[EventType]:
    flow = get_flow(tracker)
    answers = flow.get("answers", {}) if flow.get("service") == ctx.service else {}
    send(dispatcher, checklists.precheck_reply(ctx, answers, text))
    keep = flow if flow.get("type") == "checklist_done" else None
    return [SlotSet("last_topic", "documents"), set_flow(keep)]
