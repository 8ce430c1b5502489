"""Checklist engine, driven by the real catalogue: every situation key moves the list the way the
data says; questions respect ask_if; skipped questions give 'maybe' lines; the pre-check."""
from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import yaml

from assistant.checklist.engine import (
    UnknownSituation,
    build,
    describe,
    next_question,
    precheck,
    relevant_questions,
)
from assistant.kb import conditions
from assistant.kb.views import effective_service

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("personalausweis", "reisepass", "wohnsitz_anmelden", "fuehrungszeugnis", "kinderreisepass",
            "eheschliessung", "geburtsurkunde", "kfz_zulassung", "gewerbe_anmelden")


def _situation_keys() -> list[tuple[str, str]]:
    """(service, key) for every situation of SERVICES, read from the real catalogue files."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for slug in SERVICES:
        data = yaml.load((ROOT / "kb" / "catalogue" / f"{slug}.yml").read_text(encoding="utf-8"), Loader=loader)
        out += [(slug, key) for key in data.get("situations") or {}]
    return out


SITUATION_KEYS = _situation_keys()


def oracle(expr: str, env: dict[str, bool]) -> bool:
    """Independent two-valued evaluation: the condition syntax is valid Python (and/or/not, brackets)."""
    return bool(eval(expr, {"__builtins__": {}}, dict(env)))  # noqa: S307 - catalogue conditions only


def status(checklist, doc_id: str) -> str:
    if any(d.id == doc_id for d in checklist.needed):
        return "needed"
    if any(d.id == doc_id for d, _ in checklist.maybe):
        return "maybe"
    if any(d.id == doc_id for d in checklist.not_needed):
        return "not_needed"
    raise AssertionError(f"{doc_id} missing from the list")


def test_every_listed_service_has_situations():
    services = {s for s, _ in SITUATION_KEYS}
    assert services == set(SERVICES)
    assert len(SITUATION_KEYS) >= 50


def influenced_keys(eff, key: str) -> set[str]:
    """The key plus every situation whose ask_if depends on it (transitively)."""
    out = {key}
    changed = True
    while changed:
        changed = False
        for k, sit in eff.service.situations.items():
            if k not in out and sit.ask_if and conditions.variables(conditions.parse(sit.ask_if)) & out:
                out.add(k)
                changed = True
    return out


@pytest.mark.parametrize("slug, key", SITUATION_KEYS, ids=[f"{s}-{k}" for s, k in SITUATION_KEYS])
def test_answer_moves_documents_as_the_data_says(kb, slug, key):
    eff = effective_service(kb, slug, None)
    mentioning = [d for d in eff.documents if d.when and key in conditions.variables(conditions.parse(d.when))]
    if not mentioning:
        # the key only matters for fees (e.g. under_24): the document list must not depend on it
        yes, no = build(eff, {key: True}), build(eff, {key: False})
        assert {d.id: status(yes, d.id) for d in eff.documents} == {d.id: status(no, d.id) for d in eff.documents}
        assert key not in relevant_questions(eff, {})
        return
    for doc in mentioning:
        others = sorted(conditions.variables(conditions.parse(doc.when)) - {key})
        deciding = []
        for values in itertools.product([True, False], repeat=len(others)):
            env = dict(zip(others, values))
            if oracle(doc.when, {**env, key: True}) != oracle(doc.when, {**env, key: False}):
                deciding.append(env)
        assert deciding, f"{slug}.{doc.id}: '{doc.when}' never depends on {key}"
        for env in deciding:
            lists = {v: build(eff, {**env, key: v}) for v in (True, False)}
            for v, checklist in lists.items():
                expected = "needed" if oracle(doc.when, {**env, key: v}) else "not_needed"
                assert status(checklist, doc.id) == expected, (doc.id, doc.when, {**env, key: v})
            # documents that neither mention the key nor a question that is only asked
            # depending on it (ask_if) are not moved by it
            influenced = influenced_keys(eff, key)
            for other in eff.documents:
                if other.when is None or not (influenced & conditions.variables(conditions.parse(other.when))):
                    assert status(lists[True], other.id) == status(lists[False], other.id), other.id


@pytest.mark.parametrize("slug", SERVICES)
def test_documents_without_condition_are_always_needed(kb, slug):
    eff = effective_service(kb, slug, None)
    always = {d.id for d in eff.documents if not d.when}
    for answers in ({}, {k: True for k in eff.service.situations}, {k: False for k in eff.service.situations}):
        assert always <= {d.id for d in build(eff, answers).needed}


def test_unknown_situation_is_rejected(kb):
    eff = effective_service(kb, "personalausweis", None)
    with pytest.raises(UnknownSituation):
        build(eff, {"is_astronaut": True})


# ------------------------------------------------------------------ which questions are asked

def _true_for_all_completions(expr: str, answers: dict) -> bool:
    names = sorted(conditions.variables(conditions.parse(expr)) - set(answers))
    return all(oracle(expr, {**answers, **dict(zip(names, vals))})
               for vals in itertools.product([True, False], repeat=len(names)))


def _undecided(expr: str, answers: dict) -> bool:
    names = sorted(conditions.variables(conditions.parse(expr)) - set(answers))
    results = {oracle(expr, {**answers, **dict(zip(names, vals))})
               for vals in itertools.product([True, False], repeat=len(names))}
    return len(results) == 2


@pytest.mark.parametrize("slug", SERVICES)
def test_random_conversations_only_ask_questions_that_matter(kb, slug):
    eff = effective_service(kb, slug, None)
    for seed in range(40):
        rnd = random.Random(seed)
        answers: dict[str, bool] = {}
        asked = []
        while (key := next_question(eff, answers)) is not None:
            assert key not in answers and key not in asked
            sit = eff.service.situations[key]
            if sit.ask_if:
                assert _true_for_all_completions(sit.ask_if, answers), (key, sit.ask_if, answers)
            # the answer can still change at least one document
            assert any(d.when and key in conditions.variables(conditions.parse(d.when)) and _undecided(d.when, answers)
                       for d in eff.documents), (key, answers)
            asked.append(key)
            answers[key] = rnd.random() < 0.5
        assert len(asked) <= len(eff.service.situations)


def test_custody_questions_not_asked_for_adults(kb):
    eff = effective_service(kb, "personalausweis", "kleinwalde")
    questions = relevant_questions(eff, {"under_16": False})
    for key in ("both_custodians_present", "sole_custody", "custodians_married"):
        assert key not in questions
    child = relevant_questions(eff, {"under_16": True, "sole_custody": False})
    assert "both_custodians_present" in child and "custodians_married" in child
    sole = relevant_questions(eff, {"under_16": True, "sole_custody": True})
    assert "both_custodians_present" not in sole and "custodians_married" not in sole


def test_order_follows_catalogue_and_first_question(kb):
    eff = effective_service(kb, "personalausweis", None)
    questions = relevant_questions(eff, {})
    declared = list(eff.service.situations)
    assert questions == sorted(questions, key=declared.index)
    assert next_question(eff, {}) == questions[0]


def test_fee_only_situations_are_never_asked(kb):
    eff = effective_service(kb, "personalausweis", None)
    doc_vars = set().union(*(conditions.variables(conditions.parse(d.when)) for d in eff.documents if d.when))
    fee_only = set(eff.service.situations) - doc_vars
    assert fee_only  # e.g. under_24, has_photo_code, need_quickly
    answers: dict = {}
    while (key := next_question(eff, answers)) is not None:
        assert key not in fee_only
        answers[key] = True


# ------------------------------------------------------------------ skipped questions -> maybe

def test_skipped_question_gives_maybe_with_condition_text(kb):
    eff = effective_service(kb, "personalausweis", None)
    answers = {"under_16": False}
    skipped = {"has_previous_id"}
    assert "has_previous_id" not in relevant_questions(eff, answers, skipped)
    checklist = build(eff, answers)
    maybe = {d.id: cond for d, cond in checklist.maybe}
    assert {"alter_ausweis", "geburtsurkunde"} <= set(maybe)
    sit = eff.service.situations["has_previous_id"]
    wordings = [w for w in (sit.question, sit.label, sit.label_no) if w]
    docs = {d.id: d for d in eff.documents}
    for doc_id in ("alter_ausweis", "geburtsurkunde"):
        assert maybe[doc_id] == describe(conditions.parse(docs[doc_id].when), eff.service.situations)
        assert any(w in maybe[doc_id] for w in wordings), maybe[doc_id]
    # yes/no variants of the same condition are described differently
    assert maybe["alter_ausweis"] != maybe["geburtsurkunde"]
    assert checklist.to_json()["maybe"][0]["condition"]


def test_answering_the_skipped_question_decides_the_maybe(kb):
    eff = effective_service(kb, "personalausweis", None)
    checklist = build(eff, {"under_16": False, "has_previous_id": True})
    assert status(checklist, "alter_ausweis") == "needed"
    assert status(checklist, "geburtsurkunde") == "not_needed"


def test_describe_uses_labels_when_present(kb):
    situations = {k: s for k, s in kb.services["wohnsitz_anmelden"].situations.items()}
    labelled = [k for k, s in situations.items() if s.label]
    if not labelled:
        pytest.skip("no labelled situation in wohnsitz_anmelden")
    key = labelled[0]
    assert describe(conditions.parse(key), situations) == situations[key].label
    text = describe(conditions.parse(f"{key} and not {key}"), situations)
    assert " und " in text


def test_complete_conversation_without_skips_has_no_maybe(kb):
    eff = effective_service(kb, "personalausweis", None)
    scripted = {"under_16": False, "has_previous_id": False, "first_german_id": True, "naturalised": True}
    answers: dict = {}
    while (key := next_question(eff, answers)) is not None:
        answers[key] = scripted.get(key, False)
    assert "name_changed" not in answers  # gated by ask_if: has_previous_id
    checklist = build(eff, answers)
    assert [d.id for d, _ in checklist.maybe] == []


# ------------------------------------------------------------------ pre-check

def test_precheck_marks_named_documents_as_present(kb):
    eff = effective_service(kb, "personalausweis", "kleinwalde")
    checklist = build(eff, {"under_16": False, "has_previous_id": True, "name_changed": False})
    needed = {d.id for d in checklist.needed}
    assert {"alter_ausweis", "passbild"} <= needed
    present, missing = precheck(checklist, "Ich habe meinen alten Ausweis und ein Foto")
    assert {d.id for d in present} == {"alter_ausweis", "passbild"}
    assert {d.id for d in missing} == needed - {"alter_ausweis", "passbild"}
    assert {d.id for d in present} | {d.id for d in missing} == needed


def test_precheck_with_nothing_named(kb):
    eff = effective_service(kb, "personalausweis", "kleinwalde")
    checklist = build(eff, {"under_16": False, "has_previous_id": True})
    present, missing = precheck(checklist, "Reicht das so?")
    assert present == []
    assert missing == checklist.needed


def test_precheck_only_looks_at_needed_documents(kb):
    eff = effective_service(kb, "personalausweis", "kleinwalde")
    checklist = build(eff, {"under_16": False, "has_previous_id": False})
    present, _ = precheck(checklist, "Ich habe meinen alten Ausweis und ein Foto")
    assert "alter_ausweis" not in {d.id for d in present}  # not needed without a previous ID
    assert "passbild" in {d.id for d in present}


def test_describe_without_labels_quotes_the_question():
    from assistant.kb.schema import Situation

    situations = {"a": Situation(question="Sind Sie verheiratet?"),
                  "b": Situation(question="Haben Sie Kinder?", label="Sie Kinder haben", label_no="Sie keine Kinder haben")}
    assert describe(conditions.parse("a"), situations) == "Ihre Antwort auf „Sind Sie verheiratet?“ Ja ist"
    assert describe(conditions.parse("not a"), situations) == "Ihre Antwort auf „Sind Sie verheiratet?“ Nein ist"
    assert describe(conditions.parse("b or not b"), situations) == "Sie Kinder haben oder Sie keine Kinder haben"
    assert describe(conditions.parse("not (a and b)"), situations).startswith("nicht gilt: ")


# ------------------------------------------------------------------ kinds of a document (photo)

@pytest.mark.parametrize("text, counts", [
    ("Ich habe den alten Ausweis und ein Foto vom Automaten", False),
    ("alter Perso und Passbilder aus dem Fotoautomaten", False),
    ("alter Ausweis und ein ausgedrucktes Passfoto", False),
    ("alter Ausweis, Foto vom Automaten mit QR-Code", True),        # certified booth with a code counts
    ("alter Ausweis und Passbild mit Code vom Fotografen", True),
    ("alter Ausweis, das Foto mache ich im Amt", True),
])
def test_precheck_knows_which_photos_count(kb, text, counts):
    from assistant.checklist.engine import assess

    checklist = build(effective_service(kb, "personalausweis", "auental"),
                      {"under_16": False, "has_previous_id": True, "name_changed": False})
    result = assess(checklist, text)
    assert "alter_ausweis" in {d.id for d in result.present}
    if counts:
        assert "passbild" in {d.id for d in result.present} and not result.rejected
    else:
        assert [d.id for d, _ in result.rejected] == ["passbild"] and not result.complete
        kind = result.rejected[0][1]
        assert not kind.accepted and "1. Mai 2025" in kind.note
        _, missing = precheck(checklist, text)  # the old interface: a rejected photo is missing
        assert "passbild" in {d.id for d in missing}


def test_photo_without_kind_counts_but_gets_the_hint(kb):
    from assistant.checklist.engine import assess

    checklist = build(effective_service(kb, "reisepass", "auental"), {})
    result = assess(checklist, "Ich habe ein Foto")
    assert [d.id for d in result.unclear] == ["passbild"]
    assert "digital" in result.unclear[0].kinds_hint


def test_precheck_reply_never_says_complete_with_a_booth_photo(kb):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from assistant.answers.checklists import precheck_reply
    from assistant.answers.context import Context

    tz = ZoneInfo("Europe/Berlin")
    ctx = Context(kb=kb, now=dt.datetime(2026, 12, 4, 10, tzinfo=tz), tz=tz, service="personalausweis",
                  municipality="auental")
    reply = precheck_reply(ctx, {"under_16": False, "has_previous_id": True, "name_changed": False},
                           "Ich habe den alten Ausweis und ein Foto vom Automaten")
    assert "Sie haben alles" not in reply.text
    assert "nicht mehr angenommen" in reply.text and "Code" in reply.text


def test_naming_the_old_id_answers_the_open_question(kb):
    from assistant.checklist.engine import answers_from_text

    eff = effective_service(kb, "personalausweis", "auental")
    answers = answers_from_text(eff, {}, "Ich habe den alten Ausweis und ein Foto vom Automaten")
    assert answers["has_previous_id"] is True
    checklist = build(eff, answers)
    assert "alter_ausweis" in {d.id for d in checklist.needed}
    assert "geburtsurkunde" in {d.id for d in checklist.not_needed}
