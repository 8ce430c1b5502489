"""Condition expressions: parsing, precedence, three-valued (Kleene) evaluation, errors."""
from __future__ import annotations

import itertools

import pytest

from assistant.kb.conditions import And, ConditionError, Not, Or, Var, evaluate, parse, unknown_positive_terms, variables

T, F, U = True, False, None


def test_parse_structure_and_precedence():
    assert parse("a") == Var("a")
    assert parse("not a") == Not(Var("a"))
    assert parse("a and b or c") == Or((And((Var("a"), Var("b"))), Var("c")))
    assert parse("a or b and c") == Or((Var("a"), And((Var("b"), Var("c")))))
    assert parse("not a and b") == And((Not(Var("a")), Var("b")))
    assert parse("a and (b or not c)") == And((Var("a"), Or((Var("b"), Not(Var("c"))))))
    assert parse("not not a") == Not(Not(Var("a")))
    assert parse("  (( a ))  ") == Var("a")


def test_variables():
    assert variables(parse("under_16 and (sole_custody or not custodians_married)")) == {
        "under_16", "sole_custody", "custodians_married"}


@pytest.mark.parametrize("text", ["", "   ", "a and", "and a", "a or or b", "(a and b", "a and b)", "a b",
                                  "a && b", "a, b", "not", "()", "a and not", "a-b", "ä", "1a"])
def test_bad_syntax_raises_condition_error(text):
    with pytest.raises(ConditionError) as info:
        parse(text)
    assert str(info.value)  # a readable message for the clerk


def test_condition_error_is_a_value_error():
    assert issubclass(ConditionError, ValueError)


KLEENE_AND = {(T, T): T, (T, F): F, (T, U): U, (F, F): F, (F, U): F, (U, U): U}
KLEENE_OR = {(T, T): T, (T, F): T, (T, U): T, (F, F): F, (F, U): U, (U, U): U}


@pytest.mark.parametrize("a, b", list(itertools.product([T, F, U], repeat=2)))
def test_kleene_truth_tables(a, b):
    answers = {k: v for k, v in (("a", a), ("b", b)) if v is not None}  # unknown = missing key
    key = (a, b) if (a, b) in KLEENE_AND else (b, a)
    assert evaluate(parse("a and b"), answers) is KLEENE_AND[key]
    assert evaluate(parse("a or b"), answers) is KLEENE_OR[key]
    assert evaluate(parse("not a"), answers) is (None if a is None else not a)


def test_explicit_none_means_unknown():
    assert evaluate(parse("a or b"), {"a": None, "b": False}) is None


@pytest.mark.parametrize("expr", ["a and (b or not c)", "not (a or b) and c", "a or b and not c",
                                  "(a or b) and (not a or c)"])
def test_two_valued_evaluation_matches_python(expr):
    for a, b, c in itertools.product([True, False], repeat=3):
        env = {"a": a, "b": b, "c": c}
        assert evaluate(parse(expr), env) is eval(expr, {}, env)  # noqa: S307 - fixed test expressions


def test_decided_despite_unknowns():
    e = parse("under_16 and (sole_custody or not custodians_married)")
    assert evaluate(e, {"under_16": False}) is False
    assert evaluate(e, {"under_16": True, "sole_custody": True}) is True
    assert evaluate(e, {"under_16": True, "sole_custody": False}) is None


def test_unknown_positive_terms():
    e = parse("under_16 and not sole_custody and not both_custodians_present")
    assert unknown_positive_terms(e, {"under_16": True}) == [("sole_custody", False),
                                                              ("both_custodians_present", False)]
    assert unknown_positive_terms(parse("a or b"), {"a": False}) == [("b", True)]
    assert unknown_positive_terms(parse("a and b"), {"a": True, "b": True}) == []
