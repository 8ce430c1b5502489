"""Structured edits of municipality files for the staff forms, keeping comments and layout
(ruamel.yaml round trip). Every function takes the file's text and returns the new text; nothing
is written here (saving, validation and history are :mod:`assistant.curation.kbedit`).
"""
from __future__ import annotations

import datetime as dt
import io
from typing import Any, Optional

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString

WEEKDAYS = ("mo", "di", "mi", "do", "fr", "sa", "so")


class EditError(ValueError):
    """The edit cannot be applied (German message for the clerk)."""


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 110
    y.indent(mapping=2, sequence=4, offset=2)
    # keep 'null' visible (Rasa files say 'active_loop: null'; an empty value reads the same but looks broken)
    y.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return y


def load(text: str) -> Any:
    return _yaml().load(text) if text.strip() else CommentedMap()


def dump(data: Any) -> str:
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


def _office(data: Any, office_id: str) -> CommentedMap:
    for office in data.get("offices") or []:
        if office.get("id") == office_id:
            return office
    raise EditError(f"Das Amt '{office_id}' gibt es in dieser Datei nicht.")


def _text(value: str) -> Any:
    value = " ".join(value.split())
    return FoldedScalarString(value) if len(value) > 90 else value


# ------------------------------------------------------------------ hours, closures, contacts

def set_weekly_hours(text: str, office_id: str, weekly: dict[str, list[str]]) -> str:
    data = load(text)
    hours = _office(data, office_id).setdefault("hours", CommentedMap())
    new = CommentedMap()
    for day in WEEKDAYS:
        if weekly.get(day):
            seq = CommentedSeq([DoubleQuotedScalarString(r) for r in weekly[day]])
            seq.fa.set_flow_style()
            new[day] = seq
    hours["weekly"] = new
    return dump(data)


def add_closure(text: str, office_id: str, date: dt.date, until: Optional[dt.date], reason: str) -> str:
    data = load(text)
    hours = _office(data, office_id).setdefault("hours", CommentedMap())
    closures = hours.get("closures")
    if closures is None:
        closures = hours["closures"] = CommentedSeq()
    item = CommentedMap()
    item["date"] = date
    if until and until != date:
        item["until"] = until
    item["reason"] = _text(reason)
    closures.append(item)
    return dump(data)


def remove_closure(text: str, office_id: str, index: int) -> str:
    data = load(text)
    closures = (_office(data, office_id).get("hours") or {}).get("closures") or []
    if not 0 <= index < len(closures):
        raise EditError("Diese Schließung gibt es nicht (mehr).")
    del closures[index]
    return dump(data)


def set_contact(text: str, office_id: str, phone: str, email: str, street: str, postcode: str, city: str) -> str:
    data = load(text)
    office = _office(data, office_id)
    office["phone"] = phone
    if email:
        office["email"] = email
    elif "email" in office:
        del office["email"]
    address = office.setdefault("address", CommentedMap())
    address["street"] = street
    address["postcode"] = DoubleQuotedScalarString(postcode)
    address["city"] = city
    return dump(data)


# ------------------------------------------------------------------ notices

def set_notice(text: str, office_id: Optional[str], notice: str, until: Optional[dt.date]) -> str:
    """Replace the current notice of an office (or of the municipality if ``office_id`` is None);
    an empty ``notice`` removes it."""
    data = load(text)
    target = _office(data, office_id) if office_id else data
    if not notice.strip():
        if "notices" in target:
            del target["notices"]
        return dump(data)
    item = CommentedMap()
    item["text"] = _text(notice)
    item["until"] = until
    target["notices"] = CommentedSeq([item])
    return dump(data)


# ------------------------------------------------------------------ local answers

def upsert_local_answer(text: str, answer_id: str, questions: list[str], answer: str) -> str:
    data = load(text)
    answers = data.get("local_answers")
    if answers is None:
        answers = data["local_answers"] = CommentedSeq()
    item = CommentedMap()
    item["id"] = answer_id
    item["questions"] = CommentedSeq(questions)
    item["answer"] = _text(answer)
    for i, existing in enumerate(answers):
        if existing.get("id") == answer_id:
            for key in ("buttons",):
                if key in existing:
                    item[key] = existing[key]
            answers[i] = item
            return dump(data)
    answers.append(item)
    return dump(data)


def delete_local_answer(text: str, answer_id: str) -> str:
    data = load(text)
    answers = data.get("local_answers") or []
    for i, existing in enumerate(answers):
        if existing.get("id") == answer_id:
            del answers[i]
            return dump(data)
    raise EditError(f"Die Ortsinfo '{answer_id}' gibt es nicht (mehr).")
