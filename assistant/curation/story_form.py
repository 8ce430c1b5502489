"""A local two-step dialogue from the guided staff form, written as Rasa files into the
municipality's ``dialogue/`` folder (the same format municipalities write by hand):

  question the resident asks (examples)  -> intent ``<mid>_<topic>``
  what the assistant asks back (options) -> form ``<mid>_<topic>_form`` asking slot ``<mid>_<topic>_option``
  answer per option                      -> table ``dialogue/data/<topic>.yml`` read by action_local_lookup
plus two rules and a conversation test in ``tests.yml``. Nothing is written here: :func:`story_files`
returns the new contents, :func:`assistant.curation.kbedit.save_many` validates and saves them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from assistant.curation.yaml_edit import EditError, dump, load

TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]{2,40}$")
MIN_QUESTIONS = 5
MAX_OPTIONS = 8


@dataclass
class Option:
    label: str
    answer: str


@dataclass
class StoryForm:
    """What the clerk typed in the guided form."""

    topic: str
    questions: list[str]
    ask_back: str
    options: list[Option] = field(default_factory=list)

    def errors(self) -> list[str]:
        """German problems with the form itself (before any file is touched)."""
        out = []
        if not TOPIC_RE.match(self.topic):
            out.append("Kurzname: 3 bis 40 Zeichen, nur Kleinbuchstaben, Ziffern und _ (ohne Umlaute), "
                       "z. B. „buergermobil_halt“.")
        if len(self.questions) < MIN_QUESTIONS:
            out.append(f"Bitte mindestens {MIN_QUESTIONS} Beispielfragen eingeben (eine je Zeile); "
                       f"jetzt sind es {len(self.questions)}.")
        if len(self.ask_back.strip()) < 5:
            out.append("Bitte die Rückfrage des Assistenten eingeben (z. B. „In welchem Ortsteil wohnen Sie?“).")
        if not self.options:
            out.append("Bitte mindestens eine Auswahl mit Antwort eingeben.")
        if len(self.options) > MAX_OPTIONS:
            out.append(f"Höchstens {MAX_OPTIONS} Auswahlmöglichkeiten.")
        for i, o in enumerate(self.options, 1):
            if len(o.answer.strip()) < 10:
                out.append(f"Auswahl {i} („{o.label}“): die Antwort ist zu kurz (mindestens 10 Zeichen).")
        labels = [o.label.casefold() for o in self.options]
        if len(set(labels)) != len(labels):
            out.append("Zwei Auswahlmöglichkeiten heißen gleich.")
        return out


def names(mid: str, topic: str) -> dict[str, str]:
    base = f"{mid}_{topic}"
    slot = f"{base}_option"
    return {"intent": base, "slot": slot, "form": f"{base}_form", "ask": f"utter_ask_{slot}",
            "answer": f"utter_{base}_answer", "unknown": f"utter_{base}_unknown"}


def _read(kb_dir: Path, rel: str, skeleton: dict) -> CommentedMap:
    path = kb_dir / rel
    data = load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if not data:
        data = CommentedMap(skeleton)
    return data


def _clean(text: str) -> str:
    return " ".join(re.sub(r"[\[\]{}\x00-\x1f]", " ", text).split())


def story_files(kb_dir: Path, mid: str, form: StoryForm) -> dict[str, str]:
    """New contents of every file the story touches (relative to kb/)."""
    n = names(mid, form.topic)
    base = f"municipalities/{mid}"
    rel = {"nlu": f"{base}/dialogue/nlu.yml", "domain": f"{base}/dialogue/responses.yml",
           "rules": f"{base}/dialogue/rules.yml", "table": f"{base}/dialogue/data/{form.topic}.yml",
           "tests": f"{base}/tests.yml"}
    nlu = _read(kb_dir, rel["nlu"], {"version": "3.1", "nlu": CommentedSeq()})
    if any(i.get("intent") == n["intent"] for i in nlu.get("nlu") or []):
        raise EditError(f"Es gibt schon ein Gespräch mit dem Kurznamen „{form.topic}“. Bitte einen anderen wählen.")
    item = CommentedMap()
    item["intent"] = n["intent"]
    item["examples"] = LiteralScalarString("".join(f"- {_clean(q)}\n" for q in form.questions))
    nlu.setdefault("nlu", CommentedSeq()).append(item)

    domain = _read(kb_dir, rel["domain"], {"version": "3.1"})
    slot = CommentedMap()
    slot["type"] = "text"
    slot["influence_conversation"] = False
    cond = CommentedMap([("active_loop", n["form"]), ("requested_slot", n["slot"])])
    slot["mappings"] = CommentedSeq([CommentedMap([("type", "from_text"), ("conditions", CommentedSeq([cond]))])])
    domain.setdefault("slots", CommentedMap())[n["slot"]] = slot
    domain.setdefault("forms", CommentedMap())[n["form"]] = CommentedMap([("required_slots", CommentedSeq([n["slot"]]))])
    responses = domain.setdefault("responses", CommentedMap())
    buttons = CommentedSeq([CommentedMap([("title", o.label), ("payload", _clean(o.label))]) for o in form.options])
    responses[n["ask"]] = CommentedSeq([CommentedMap([("text", _clean(form.ask_back)), ("buttons", buttons)])])
    responses[n["answer"]] = CommentedSeq([CommentedMap([("text", "{answer}")])])
    responses[n["unknown"]] = CommentedSeq([CommentedMap([(
        "text", "„{input}“ kenne ich hier nicht. Möglich sind: {options}. Fragen Sie gern noch einmal.")])])

    rules = _read(kb_dir, rel["rules"], {"version": "3.1", "rules": CommentedSeq()})
    rules.setdefault("rules", CommentedSeq()).extend([
        CommentedMap([("rule", f"{n['intent']} - Rückfrage"), ("steps", CommentedSeq([
            {"intent": n["intent"]}, {"action": "action_local_gate"}, {"action": n["form"]},
            {"active_loop": n["form"]}]))]),
        CommentedMap([("rule", f"{n['intent']} - Antwort"), ("condition", CommentedSeq([{"active_loop": n["form"]}])),
                      ("steps", CommentedSeq([{"action": n["form"]}, {"active_loop": None},
                                              {"slot_was_set": [{"requested_slot": None}]},
                                              {"action": "action_local_lookup"}]))]),
    ])

    table = CommentedMap([("slot", n["slot"]), ("answer", n["answer"]), ("not_found", n["unknown"]),
                          ("rows", CommentedSeq([CommentedMap([("match", CommentedSeq([_clean(o.label)])),
                                                               ("values", CommentedMap([("answer", _clean(o.answer))]))])
                                                 for o in form.options]))])

    tests = _read(kb_dir, rel["tests"], {"version": "3.1", "stories": CommentedSeq()})
    first = form.options[0]
    tests.setdefault("stories", CommentedSeq()).append(CommentedMap([
        ("story", f"{n['intent']} - {_clean(first.label)} (aus dem Formular)"),
        ("steps", CommentedSeq([
            CommentedMap([("user", LiteralScalarString(_clean(form.questions[0]) + "\n")), ("intent", n["intent"])]),
            {"action": "action_local_gate"}, {"action": n["form"]}, {"active_loop": n["form"]},
            {"slot_was_set": [{"requested_slot": n["slot"]}]},
            CommentedMap([("user", LiteralScalarString(_clean(first.label) + "\n")), ("intent", "inform")]),
            {"slot_was_set": [{n["slot"]: _clean(first.label)}]},
            {"action": n["form"]}, {"slot_was_set": [{"requested_slot": None}]}, {"active_loop": None},
            {"action": "action_local_lookup"}]))]))
    return {rel["nlu"]: dump(nlu), rel["domain"]: dump(domain), rel["rules"]: dump(rules),
            rel["table"]: dump(table), rel["tests"]: dump(tests)}


def preview(form: StoryForm) -> list[tuple[str, str]]:
    """What the conversation will look like: (who, text) turns for the first option."""
    if not form.options or not form.questions:
        return []
    o = form.options[0]
    return [("Bürgerin", form.questions[0]), ("Assistent", form.ask_back + "  [" + " | ".join(x.label for x in form.options) + "]"),
            ("Bürgerin", o.label), ("Assistent", o.answer)]
