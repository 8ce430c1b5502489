"""Checklist logic, driven only by the catalogue data (situations + document conditions).

Answers are three-valued: True (ja), False (nein), None (weiß nicht / not asked). A document is
"needed" when its condition is true, "not needed" when false, and "maybe" (a "falls ..." line)
when it depends on a question that was skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

from assistant.kb import conditions
from assistant.kb.loader import normalize
from assistant.kb.schema import Document, DocumentKind, Situation
from assistant.kb.views import EffectiveService

Answers = Mapping[str, Optional[bool]]


@dataclass
class Checklist:
    """A personal document list."""

    service_slug: str
    service_name: str
    needed: list[Document] = field(default_factory=list)
    maybe: list[tuple[Document, str]] = field(default_factory=list)
    not_needed: list[Document] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "service": self.service_slug,
            "name": self.service_name,
            "needed": [{"id": d.id, "name": d.name, "note": d.note} for d in self.needed],
            "maybe": [{"id": d.id, "name": d.name, "note": d.note, "condition": c} for d, c in self.maybe],
            "not_needed": [{"id": d.id, "name": d.name} for d in self.not_needed],
        }


def coerce_answers(answers: object) -> dict[str, Optional[bool]]:
    """Answers as the engine expects them, whatever a stored flow state holds: ``None`` or a
    non-mapping becomes ``{}``; keys must be strings, values True/False/None (anything else is
    dropped). A conversation state written by an older version or forged by a client must
    never crash the checklist ("'NoneType' object is not iterable")."""
    if not isinstance(answers, Mapping):
        return {}
    return {k: v for k, v in answers.items() if isinstance(k, str) and (v is None or isinstance(v, bool))}


def coerce_skipped(skipped: object) -> frozenset[str]:
    if isinstance(skipped, (set, frozenset, list, tuple)):
        return frozenset(k for k in skipped if isinstance(k, str))
    return frozenset()


class UnknownSituation(KeyError):
    """A situation key that the service does not declare."""


def describe(expr: conditions.Expr, situations: Mapping[str, Situation]) -> str:
    """Plain German for a condition: 'Sie verheiratet sind und ...'."""
    if isinstance(expr, conditions.Var):
        sit = situations.get(expr.name)
        if sit and sit.label:
            return sit.label
        return f"Ihre Antwort auf „{sit.question}“ Ja ist" if sit else expr.name
    if isinstance(expr, conditions.Not):
        inner = expr.arg
        if isinstance(inner, conditions.Var):
            sit = situations.get(inner.name)
            if sit and sit.label_no:
                return sit.label_no
            if sit and sit.label:
                return f"nicht gilt: {sit.label}"
            return f"Ihre Antwort auf „{sit.question}“ Nein ist" if sit else f"nicht {inner.name}"
        return f"nicht gilt: {describe(inner, situations)}"
    joiner = " und " if isinstance(expr, conditions.And) else " oder "
    return joiner.join(describe(a, situations) for a in expr.args)


def validate_answers(situations: Mapping[str, Situation], answers: Answers) -> None:
    unknown = [k for k in coerce_answers(answers) if k not in situations]
    if unknown:
        raise UnknownSituation(", ".join(unknown))


def _condition(doc: Document) -> Optional[conditions.Expr]:
    return conditions.parse(doc.when) if doc.when else None


def relevant_questions(eff: EffectiveService, answers: Answers, skipped: set[str] = frozenset()) -> list[str]:
    """Situation keys still worth asking, in the order the catalogue declares them."""
    answers, skipped = coerce_answers(answers), coerce_skipped(skipped)
    situations = eff.service.situations
    undecided: set[str] = set()
    for doc in eff.documents:
        expr = _condition(doc)
        if expr is not None and conditions.evaluate(expr, answers) is None:
            undecided |= conditions.variables(expr)
    out = []
    for key, sit in situations.items():
        if key in answers or key in skipped or key not in undecided:
            continue
        if sit.ask_if and conditions.evaluate(conditions.parse(sit.ask_if), answers) is not True:
            continue
        out.append(key)
    return out


def next_question(eff: EffectiveService, answers: Answers, skipped: set[str] = frozenset()) -> Optional[str]:
    keys = relevant_questions(eff, answers, skipped)
    return keys[0] if keys else None


def implied_answers(eff: EffectiveService, answers: Answers) -> dict[str, Optional[bool]]:
    """Answers plus "no" for every question that is not asked because its ``ask_if`` is false
    (e.g. custody questions for an adult); repeated until nothing changes."""
    out: dict[str, Optional[bool]] = coerce_answers(answers)
    changed = True
    while changed:
        changed = False
        for key, sit in eff.service.situations.items():
            if out.get(key) is None and sit.ask_if and conditions.evaluate(conditions.parse(sit.ask_if), out) is False:
                out[key] = False
                changed = True
    return out


def build(eff: EffectiveService, answers: Answers) -> Checklist:
    """The personal list for the given answers."""
    answers = coerce_answers(answers)
    validate_answers(eff.service.situations, answers)
    answers = implied_answers(eff, answers)
    result = Checklist(service_slug=eff.slug, service_name=eff.service.short_name)
    for doc in eff.documents:
        expr = _condition(doc)
        if expr is None:
            result.needed.append(doc)
            continue
        value = conditions.evaluate(expr, answers)
        if value is True:
            result.needed.append(doc)
        elif value is False:
            result.not_needed.append(doc)
        else:
            result.maybe.append((doc, describe(expr, eff.service.situations)))
    return result


_FILLER = {"der", "die", "das", "den", "dem", "ein", "eine", "einen", "mein", "meine", "meinen", "vom", "von",
           "fuer", "mit", "und", "oder", "zum", "zur", "bzw", "bei", "nach", "aus", "des", "kopie", "original"}


def _token_match(word: str, tokens: list[str]) -> bool:
    """'alter' ~ 'altes' (inflection), 'ausweis' ~ 'personalausweis' (compound)."""
    for tok in tokens:
        if tok == word:
            return True
        if len(word) >= 5 and len(tok) >= 5 and (word in tok or tok in word):
            return True
        common = len(word) if word == tok[: len(word)] else next((i for i, (a, b) in enumerate(zip(word, tok)) if a != b),
                                                                   min(len(word), len(tok)))
        if common >= 4 and abs(len(word) - len(tok)) <= 2 and common >= min(len(word), len(tok)) - 2:
            return True
    return False


def _mentions(doc: Document, norm_text: str) -> bool:
    """Does the resident's text name this document (by keyword or by its name)?"""
    tokens = norm_text.split()
    for phrase in [*doc.keywords, doc.name]:
        words = [w for w in normalize(phrase).split() if w not in _FILLER and len(w) >= 3]
        if words and all(_token_match(w, tokens) for w in words):
            return True
    return False


@dataclass
class PreCheck:
    """What the resident says they have, measured against the needed documents."""

    present: list[Document] = field(default_factory=list)  # named, in a form that counts
    missing: list[Document] = field(default_factory=list)  # not named
    rejected: list[tuple[Document, DocumentKind]] = field(default_factory=list)  # named, in a form that does not count
    unclear: list[Document] = field(default_factory=list)  # named without saying which form (kinds_hint applies)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.rejected


def _kind_named(kind: DocumentKind, tokens: list[str]) -> bool:
    for phrase in kind.keywords:
        words = [w for w in normalize(phrase).split() if w not in _FILLER and len(w) >= 2]
        if words and all(_token_match(w, tokens) if len(w) >= 4 else w in tokens for w in words):
            return True
    return False


def assess(checklist: Checklist, text: str) -> PreCheck:
    """Which needed documents the text names, and whether the named form of each counts
    (an accepted form named wins over a rejected one: "Automatenfoto mit Code" counts)."""
    norm = normalize(text if isinstance(text, str) else "")
    tokens = norm.split()
    out = PreCheck()
    for doc in checklist.needed:
        if not _mentions(doc, norm):
            out.missing.append(doc)
            continue
        accepted = [k for k in doc.kinds if k.accepted and _kind_named(k, tokens)]
        rejected = [k for k in doc.kinds if not k.accepted and _kind_named(k, tokens)]
        if rejected and not accepted:
            out.rejected.append((doc, rejected[0]))
            continue
        out.present.append(doc)
        if doc.kinds and not accepted and doc.kinds_hint:
            out.unclear.append(doc)
    return out


def answers_from_text(eff: EffectiveService, answers: Answers, text: str) -> dict[str, Optional[bool]]:
    """Answers implied by what the resident says they have: naming "den alten Ausweis" answers the
    open question behind it (has_previous_id = yes) when the document depends on that question alone."""
    out: dict[str, Optional[bool]] = dict(answers)
    norm = normalize(text)
    for doc, _ in build(eff, out).maybe:
        expr = _condition(doc)
        if isinstance(expr, conditions.Var) and out.get(expr.name) is None and _mentions(doc, norm):
            out[expr.name] = True
    return out


def precheck(checklist: Checklist, text: str) -> tuple[list[Document], list[Document]]:
    """(present, missing) among the needed documents, from what the resident says they have;
    a document named in a form that does not count is missing."""
    result = assess(checklist, text)
    return result.present, [d for d in checklist.needed if d not in result.present]
