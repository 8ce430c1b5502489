"""The dialogue state kept between turns, and its one codec for the Rasa slot ``dialogue``.

The slot holds versioned JSON. :func:`decode` never raises: garbage, ``None``, old formats
(the earlier ``flow`` slot) and wrong types inside give a usable state (lists stay lists,
dicts stay dicts), so a stored value can never crash a flow.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Optional

VERSION = 2

# kinds of subject the last answer was about
SUBJECT_OFFICE = "office"  # an office answer (hours, address, way there, booking)
SUBJECT_LOCAL = "local"  # a local answer (Wertstoffhof, Dorffest) of a municipality
SUBJECT_SERVICE = "service"  # a service answer (documents, fees, online, how-to)
SUBJECT_TRANSPORT = "transport"  # a transport option (Bürgerbus, Rufbus)
SUBJECT_OUT_OF_SCOPE = "out_of_scope"  # an honest "not us" reply (topic "out_of_scope:<pointer key>")


@dataclass
class Subject:
    """What the last answer was about: what "da", "dort", "das" and "und in X?" refer to."""

    kind: str
    topic: str = ""  # the answer given: office, opening_hours, directions, fees, online, local, ...
    office_id: Optional[str] = None
    service: Optional[str] = None
    municipality: Optional[str] = None
    local_id: Optional[str] = None  # local answer id (its municipality is ``municipality``)
    transport: Optional[str] = None  # transport kind: buergerbus, rufbus, bus


@dataclass
class FlowState:
    """A running flow. ``type`` selects the flow in the registry (assistant.dialogue.flows);
    ``data`` holds what that flow needs; ``flow_id`` is stable for the life of the flow (used as
    idempotency key for writes); ``reminded`` is True once the pending question was repeated after
    a side question (remind once, not after every answer)."""

    type: str
    stage: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    flow_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    reminded: bool = False
    resume: Optional["FlowState"] = None  # a flow paused by a clarification question

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def with_data(self, **changes: Any) -> "FlowState":
        return FlowState(self.type, changes.pop("stage", self.stage), {**self.data, **changes}, self.flow_id,
                         self.reminded, self.resume)


@dataclass
class DialogueState:
    service: Optional[str] = None
    municipality: Optional[str] = None
    place: Optional[str] = None  # the place as named ("Lindenau"): picks the stop of a mobile office
    office_id: Optional[str] = None
    subject: Optional[Subject] = None
    last_topic: Optional[str] = None
    flow: Optional[FlowState] = None
    # a finished checklist (service + answers) stays for corrections and booking
    answers_for: Optional[str] = None
    answers: dict[str, Optional[bool]] = field(default_factory=dict)
    fallback_count: int = 0
    booked_code: Optional[str] = None  # the appointment booked in this conversation ("kann ich den absagen?")
    services: list[str] = field(default_factory=list)  # several services answered together ("Perso und Pass")


# ------------------------------------------------------------------ codec

def encode(state: DialogueState) -> str:
    body = asdict(state)
    body["v"] = VERSION
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _answers(value: Any) -> dict[str, Optional[bool]]:
    return {str(k): v for k, v in _dict(value).items() if v is None or isinstance(v, bool)}


def _subject(raw: Any) -> Optional[Subject]:
    raw = _dict(raw)
    if not _str(raw.get("kind")):
        return None
    names = {f.name for f in fields(Subject)}
    return Subject(**{k: (_str(v) if k != "kind" else v) for k, v in raw.items() if k in names})


STRING_KEYS = ("office", "service", "slot", "code", "reschedule", "asking", "topic", "municipality", "purpose",
               "need", "text", "destination", "name")


def _flow(raw: Any, depth: int = 0) -> Optional[FlowState]:
    raw = _dict(raw)
    kind = _str(raw.get("type"))
    if not kind or depth > 3:
        return None
    if "data" not in raw:  # v1 (the old "flow" slot): everything at the top level
        data = {k: v for k, v in raw.items() if k not in ("type", "stage", "resume", "flow_id")}
        resume = raw.get("resume")
    else:
        data, resume = _dict(raw.get("data")), raw.get("resume")
    for key in ("answers",):
        if key in data:
            data[key] = _answers(data[key])
    for key in ("skipped", "offered"):
        if key in data:
            data[key] = [str(x) for x in data[key] if isinstance(x, (str, int, float))] \
                if isinstance(data[key], list) else []
    # ids and texts the flows look up (office, service, slot, code, ...) are strings or absent
    for key in STRING_KEYS:
        if key in data and not isinstance(data[key], str):
            del data[key]
    if "callback_id" in data and (not isinstance(data["callback_id"], int) or isinstance(data["callback_id"], bool)):
        del data["callback_id"]
    return FlowState(type=kind, stage=_str(raw.get("stage")) or "", data=data,
                     flow_id=_str(raw.get("flow_id")) or uuid.uuid4().hex[:12], reminded=raw.get("reminded") is True,
                     resume=_flow(resume, depth + 1))


def decode(raw: Any, legacy_flow: Any = None) -> DialogueState:
    """The state from the slot value (tolerant); ``legacy_flow`` is the old ``flow`` slot."""
    body: dict = {}
    if isinstance(raw, str) and raw:
        try:
            body = _dict(json.loads(raw))
        except ValueError:
            body = {}
    elif isinstance(raw, dict):
        body = raw
    state = DialogueState(
        service=_str(body.get("service")), municipality=_str(body.get("municipality")), place=_str(body.get("place")),
        office_id=_str(body.get("office_id")), subject=_subject(body.get("subject")),
        last_topic=_str(body.get("last_topic")), flow=_flow(body.get("flow")),
        answers_for=_str(body.get("answers_for")), answers=_answers(body.get("answers")),
        fallback_count=body.get("fallback_count") if isinstance(body.get("fallback_count"), int) else 0,
        booked_code=_str(body.get("booked_code")),
        services=[x for x in body.get("services") or [] if isinstance(x, str) and x][:3]
        if isinstance(body.get("services"), list) else [],
    )
    if not body and legacy_flow:
        try:
            old = json.loads(legacy_flow) if isinstance(legacy_flow, str) else legacy_flow
        except ValueError:
            old = None
        state.flow = _flow(old)
    return state
