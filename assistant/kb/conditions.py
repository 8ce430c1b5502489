"""Tiny boolean expressions over situation keys: ``under_16 and not both_custodians_present``.

Evaluation is three-valued: a situation the resident did not answer is ``None`` (unknown),
so a document can be "needed", "not needed" or "needed if ..." (Kleene logic).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional, Union

_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z_][A-Za-z0-9_]*)")
Tri = Optional[bool]


class ConditionError(ValueError):
    """The expression cannot be parsed."""


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Not:
    arg: "Expr"


@dataclass(frozen=True)
class And:
    args: tuple["Expr", ...]


@dataclass(frozen=True)
class Or:
    args: tuple["Expr", ...]


Expr = Union[Var, Not, And, Or]


def _tokens(text: str) -> list[str]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ConditionError(f"unerwartetes Zeichen an Stelle {pos + 1}: {text[pos:pos + 10]!r}")
        out.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def parse(text: str) -> Expr:
    """Parse an expression; raises ConditionError with a readable message."""
    toks = _tokens(text)
    if not toks:
        raise ConditionError("leere Bedingung")
    pos = 0

    def peek() -> Optional[str]:
        return toks[pos] if pos < len(toks) else None

    def take() -> str:
        nonlocal pos
        tok = toks[pos]
        pos += 1
        return tok

    def p_or() -> Expr:
        args = [p_and()]
        while peek() == "or":
            take()
            args.append(p_and())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def p_and() -> Expr:
        args = [p_not()]
        while peek() == "and":
            take()
            args.append(p_not())
        return args[0] if len(args) == 1 else And(tuple(args))

    def p_not() -> Expr:
        if peek() == "not":
            take()
            return Not(p_not())
        return p_atom()

    def p_atom() -> Expr:
        tok = peek()
        if tok is None:
            raise ConditionError("Bedingung endet zu früh")
        if tok == "(":
            take()
            inner = p_or()
            if peek() != ")":
                raise ConditionError("schließende Klammer fehlt")
            take()
            return inner
        if tok in ("and", "or", ")", "not"):
            raise ConditionError(f"unerwartetes Wort {tok!r}")
        return Var(take())

    expr = p_or()
    if pos != len(toks):
        raise ConditionError(f"unerwartetes Wort {toks[pos]!r}")
    return expr


def variables(expr: Expr) -> set[str]:
    """All situation keys the expression mentions."""
    if isinstance(expr, Var):
        return {expr.name}
    if isinstance(expr, Not):
        return variables(expr.arg)
    return set().union(*(variables(a) for a in expr.args))


def evaluate(expr: Expr, answers: Mapping[str, Tri]) -> Tri:
    """Three-valued evaluation; missing keys are unknown (None)."""
    if isinstance(expr, Var):
        return answers.get(expr.name)
    if isinstance(expr, Not):
        v = evaluate(expr.arg, answers)
        return None if v is None else not v
    values = [evaluate(a, answers) for a in expr.args]
    if isinstance(expr, And):
        if any(v is False for v in values):
            return False
        return True if all(v is True for v in values) else None
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def unknown_positive_terms(expr: Expr, answers: Mapping[str, Tri]) -> list[tuple[str, bool]]:
    """Unknown situations that matter, as (key, wanted_value) pairs for a "falls ..." line."""
    out: list[tuple[str, bool]] = []

    def walk(e: Expr, polarity: bool) -> None:
        if isinstance(e, Var):
            if answers.get(e.name) is None and (e.name, polarity) not in out:
                out.append((e.name, polarity))
        elif isinstance(e, Not):
            walk(e.arg, not polarity)
        else:
            for a in e.args:
                if evaluate(a, answers) is None:
                    walk(a, polarity)

    walk(expr, True)
    return out
