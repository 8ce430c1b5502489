"""Validate local dialogues: namespacing, references, contradictions with rules. German messages.

Rules a municipality's files must follow (``<id>`` = the municipality id):
- intents, slots and forms start with ``<id>_``, responses with ``utter_<id>_`` or ``utter_ask_<id>_``;
- the national intents (affirm, deny, inform ...) and entities may be used, not redefined;
- every story and rule starts with one of its own intents followed by ``action_local_gate`` (so it
  answers only residents or people who name the municipality), or is conditioned on its own form;
- every action is a response that exists, one of its forms, a generic local action or a national action;
- a story or rule must not contradict a rule (same intent, another next action);
- every table in ``dialogue/data/`` looks up one of its form slots with responses that exist, and every
  ``{field}`` in those response texts is provided by every row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from assistant.kb.loader import Problem, _File, normalize
from assistant.kb.local_dialogue.files import (
    ELSEWHERE_RESPONSE,
    GENERIC_ACTIONS,
    DialogueFolder,
    GlobalDomain,
    example_lines,
    load_global_domain,
    municipality_folders,
    read_folder,
    rule_opening,
    strip_annotations,
)
from assistant.kb.local_dialogue.tables import LookupTable

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MIN_EXAMPLES = 5
DOMAIN_KEYS = {"version", "intents", "slots", "forms", "responses", "actions"}
VARIABLE_RE = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


@dataclass
class LocalDialogue:
    """Validated local dialogue files of one municipality, ready to be merged into training."""

    municipality_id: str
    folder: DialogueFolder
    intents: list[str] = field(default_factory=list)
    domain: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, LookupTable] = field(default_factory=dict)

    @property
    def responses(self) -> dict[str, Any]:
        return self.domain.get("responses") or {}

    @property
    def slots(self) -> dict[str, Any]:
        return self.domain.get("slots") or {}

    @property
    def forms(self) -> dict[str, Any]:
        return self.domain.get("forms") or {}


class _Checker:
    def __init__(self, folder: DialogueFolder, all_ids: list[str], gd: GlobalDomain,
                 problems: list[Problem]):
        self.f = folder
        self.mid = folder.municipality_id
        self.others = [m for m in all_ids if m != self.mid]
        self.gd = gd
        self.problems = problems
        self.out = LocalDialogue(self.mid, folder)

    def add(self, file: _File, loc: list, message: str) -> None:
        self.problems.append(Problem(file.name, file.line_of(loc), ".".join(str(x) for x in loc), message))

    # ---------------------------------------------------------------- names

    def owner_of(self, name: str) -> Optional[str]:
        """The other municipality whose id prefix ``name`` carries (longest wins), if any."""
        bare = re.sub(r"^utter_(ask_)?", "", name)
        hits = [m for m in self.others if bare.startswith(m + "_") and len(m) > len(self.mid)]
        hits += [m for m in self.others if bare.startswith(m + "_") and not bare.startswith(self.mid + "_")]
        return max(hits, key=len) if hits else None

    def check_name(self, file: _File, loc: list, name: str, kind: str, pattern: str, example: str) -> bool:
        if not NAME_RE.match(name):
            self.add(file, loc, f"{kind} '{name}': nur Kleinbuchstaben, Ziffern und _ (ohne Umlaute), z. B. '{example}'")
            return False
        owner = self.owner_of(name)
        if owner:
            self.add(file, loc, f"{kind} '{name}' trägt die Vorsilbe der Gemeinde '{owner}' "
                                f"(Namenskollision); eigene Namen beginnen mit '{pattern}'")
            return False
        if not re.match(pattern.replace("…", ""), name) or name == pattern.replace("…", ""):
            self.add(file, loc, f"{kind} '{name}' muss mit '{pattern}' beginnen, z. B. '{example}'")
            return False
        return True

    # ---------------------------------------------------------------- nlu.yml

    def check_nlu(self) -> None:
        f = self.f.part("nlu.yml")
        if f is None:
            return
        data = f.data
        if not isinstance(data, dict) or not isinstance(data.get("nlu"), list):
            self.add(f, [], "Erwartet 'nlu:' mit einer Liste von Absichten (Zeilen mit '- intent: ...')")
            return
        for key in data:
            if key not in ("version", "nlu"):
                self.add(f, [key], f"unbekannter Abschnitt '{key}' (erlaubt: version, nlu)")
        seen: dict[str, int] = {}
        for i, item in enumerate(data["nlu"]):
            loc = ["nlu", i]
            if not isinstance(item, dict) or "intent" not in item:
                kind = next(iter(item), "?") if isinstance(item, dict) else "?"
                self.add(f, loc, f"nur '- intent:'-Einträge erlaubt, nicht '{kind}' (Orts- und Leistungswörter "
                                 "kommen aus municipality.yml und dem Katalog)")
                continue
            intent = str(item["intent"])
            for key in item:
                if key not in ("intent", "examples"):
                    self.add(f, loc + [key], f"unbekanntes Feld '{key}' (erlaubt: intent, examples)")
            if intent in self.gd.intents:
                self.add(f, loc + ["intent"], f"'{intent}' ist eine globale Absicht und darf hier nicht neu "
                                              f"beschrieben werden; eigene Absichten beginnen mit '{self.mid}_'")
                continue
            if not self.check_name(f, loc + ["intent"], intent, "Absicht", f"{self.mid}_…",
                                   f"{self.mid}_sperrmuell_strasse"):
                continue
            if intent in seen:
                self.add(f, loc + ["intent"], f"Absicht '{intent}' ist doppelt (schon in Eintrag {seen[intent] + 1})")
                continue
            seen[intent] = i
            lines = example_lines(item.get("examples"))
            if len(lines) < MIN_EXAMPLES:
                self.add(f, loc + ["examples"], f"Absicht '{intent}' hat {len(lines)} Beispielsätze, "
                                                f"mindestens {MIN_EXAMPLES} nötig (je Zeile '- Satz')")
            base = f.line_of(loc + ["examples"]) or 0
            for offset, ex in lines:
                text, ents = strip_annotations(ex)
                where = Problem(f.name, base + 1 + offset if base else None, ".".join(map(str, loc + ["examples"])), "")
                if not normalize(text):
                    self.problems.append(_with(where, "leerer Beispielsatz"))
                    continue
                for ent in ents:
                    if ent not in self.gd.entities:
                        self.problems.append(_with(where, f"unbekannte Entität '{ent}' (erlaubt: "
                                                          f"{', '.join(sorted(self.gd.entities))})"))
                other = self.gd.examples.get(normalize(text))
                if other:
                    self.problems.append(_with(where, f"Beispielsatz „{text}“ steht schon bei der globalen "
                                                      f"Absicht '{other}'; bitte anders formulieren oder streichen"))
            self.out.intents.append(intent)

    # ---------------------------------------------------------------- responses.yml (domain)

    def check_domain(self) -> None:
        f = self.f.part("responses.yml")
        if f is None:
            return
        data = f.data
        if not isinstance(data, dict):
            self.add(f, [], "Erwartet Abschnitte wie 'responses:', 'slots:', 'forms:' (Rasa-Domain-Format)")
            return
        domain: dict[str, Any] = {}
        for key, _value in data.items():
            if key not in DOMAIN_KEYS:
                hint = " Eigene Entitäten gibt es nicht; bitte die globalen benutzen." if key == "entities" else ""
                self.add(f, [key], f"Abschnitt '{key}' ist hier nicht erlaubt (erlaubt: "
                                   f"{', '.join(sorted(DOMAIN_KEYS))}).{hint}")
        for i, intent in enumerate(data.get("intents") or []):
            name = next(iter(intent)) if isinstance(intent, dict) else str(intent)
            if name not in self.out.intents:
                self.add(f, ["intents", i], f"unbekannte Absicht '{name}' (nicht in nlu.yml dieser Gemeinde)")
        for i, action in enumerate(data.get("actions") or []):
            if action not in GENERIC_ACTIONS:
                self.add(f, ["actions", i], f"Aktion '{action}' ist nicht erlaubt: örtliche Gespräche brauchen kein "
                                            f"Python; verfügbar sind {', '.join(GENERIC_ACTIONS)}")
        slots = data.get("slots") or {}
        if not isinstance(slots, dict):
            self.add(f, ["slots"], "'slots' muss eine Zuordnung Name -> Eigenschaften sein")
            slots = {}
        good_slots: dict[str, Any] = {}
        for name, spec in slots.items():
            if name in self.gd.slots:
                self.add(f, ["slots", name], f"'{name}' ist ein globaler Slot und darf nicht neu definiert werden")
                continue
            if self.check_name(f, ["slots", name], str(name), "Slot", f"{self.mid}_…", f"{self.mid}_strasse"):
                if not isinstance(spec, dict) or not spec.get("type"):
                    self.add(f, ["slots", name], f"Slot '{name}' braucht 'type' (z. B. text) und 'mappings'")
                    continue
                good_slots[name] = spec
        forms = data.get("forms") or {}
        if not isinstance(forms, dict):
            self.add(f, ["forms"], "'forms' muss eine Zuordnung Name -> required_slots sein")
            forms = {}
        responses = data.get("responses") or {}
        if not isinstance(responses, dict):
            self.add(f, ["responses"], "'responses' muss eine Zuordnung utter_... -> Texte sein")
            responses = {}
        good_forms: dict[str, Any] = {}
        for name, spec in forms.items():
            if not self.check_name(f, ["forms", name], str(name), "Formular", f"{self.mid}_…", f"{self.mid}_strasse_form"):
                continue
            if not str(name).endswith("_form"):
                self.add(f, ["forms", name], f"Formular '{name}' muss auf '_form' enden")
                continue
            required = (spec or {}).get("required_slots") if isinstance(spec, dict) else None
            if not isinstance(required, list) or not required:
                self.add(f, ["forms", name], f"Formular '{name}' braucht 'required_slots' (Liste der Slots, nach denen gefragt wird)")
                continue
            for j, slot in enumerate(required):
                if slot not in good_slots:
                    self.add(f, ["forms", name, "required_slots", j], f"unbekannter Slot '{slot}' (unter 'slots' anlegen)")
                elif f"utter_ask_{slot}" not in responses and f"utter_ask_{name}_{slot}" not in responses:
                    self.add(f, ["forms", name, "required_slots", j],
                             f"Antwort fehlt: 'utter_ask_{slot}' (die Rückfrage nach '{slot}') unter 'responses' anlegen")
            good_forms[name] = spec
        for name, slot_spec in good_slots.items():
            for j, mapping in enumerate(slot_spec.get("mappings") or []):
                for k, cond in enumerate((mapping or {}).get("conditions") or []):
                    loop = (cond or {}).get("active_loop")
                    if loop and loop not in good_forms:
                        self.add(f, ["slots", name, "mappings", j, "conditions", k, "active_loop"],
                                 f"unbekanntes Formular '{loop}'")
        good_responses: dict[str, Any] = {}
        for name, variants in responses.items():
            name = str(name)
            if name.startswith("utter_ask_"):
                ok = self.check_name(f, ["responses", name], name, "Antwort", f"utter_ask_{self.mid}_…",
                                     f"utter_ask_{self.mid}_strasse")
            else:
                ok = self.check_name(f, ["responses", name], name, "Antwort", f"utter_{self.mid}_…",
                                     f"utter_{self.mid}_sperrmuell_termin")
            if not ok:
                continue
            if name in self.gd.responses:
                self.add(f, ["responses", name], f"'{name}' ist eine globale Antwort und darf nicht neu definiert werden")
                continue
            if not isinstance(variants, list) or not variants:
                self.add(f, ["responses", name], f"Antwort '{name}' braucht mindestens einen Text (Zeile '- text: ...')")
                continue
            bad = False
            for j, v in enumerate(variants):
                if not isinstance(v, dict) or not str(v.get("text") or "").strip():
                    self.add(f, ["responses", name, j], f"Antwort '{name}': Eintrag {j + 1} hat keinen 'text'")
                    bad = True
                    continue
                for k, b in enumerate(v.get("buttons") or []):
                    pl = str((b or {}).get("payload") or "")
                    if not (b or {}).get("title") or not pl:
                        self.add(f, ["responses", name, j, "buttons", k], "Knopf braucht 'title' und 'payload'")
                    elif pl.startswith("/"):
                        intent = re.split(r"[{@]", pl[1:], maxsplit=1)[0]
                        if intent not in self.gd.intents and intent not in self.out.intents:
                            self.add(f, ["responses", name, j, "buttons", k, "payload"], f"unbekannte Absicht '{intent}'")
            if not bad:
                good_responses[name] = variants
        domain["slots"] = good_slots
        domain["forms"] = good_forms
        domain["responses"] = good_responses
        self.out.domain = domain

    # ---------------------------------------------------------------- stories / rules / tests

    def known_action(self, action: str) -> Optional[str]:
        """None if ``action`` may be used here, else a German explanation."""
        if action in GENERIC_ACTIONS or action in self.out.forms or action in self.out.responses:
            return None
        if action in self.gd.actions or action in self.gd.responses or action in self.gd.forms:
            return None
        if action in ("action_listen", "action_restart", "action_back", "action_deactivate_loop"):
            return None
        owner = self.owner_of(action)
        if owner:
            return f"'{action}' gehört zur Gemeinde '{owner}' und kann hier nicht benutzt werden"
        if action.startswith("utter_"):
            return f"Antwort fehlt: '{action}' ist weder in responses.yml dieser Gemeinde noch global definiert"
        return (f"unbekannte Aktion '{action}'; örtliche Gespräche benutzen Antworten (utter_...), "
                f"Formulare oder {', '.join(GENERIC_ACTIONS)}")

    def known_intent(self, intent: str) -> Optional[str]:
        if intent in self.out.intents or intent in self.gd.intents or intent == "nlu_fallback":
            return None
        owner = self.owner_of(intent)
        if owner:
            return f"Absicht '{intent}' gehört zur Gemeinde '{owner}'"
        if intent.startswith(self.mid + "_"):
            return f"unbekannte Absicht '{intent}': in nlu.yml mit Beispielsätzen anlegen"
        return f"unbekannte Absicht '{intent}' (weder in nlu.yml dieser Gemeinde noch global)"

    def check_flows(self, f: Optional[_File], key: str, local_openings: dict[str, tuple[str, str, str]],
                    tests: bool = False) -> None:
        if f is None:
            return
        data = f.data
        label = {"stories": "Geschichte", "rules": "Regel"}[key]
        name_key = "rule" if key == "rules" else "story"
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            self.add(f, [], f"Erwartet '{key}:' mit einer Liste (Zeilen mit '- {name_key}: ...')")
            return
        for key2 in data:
            if key2 not in ("version", key):
                self.add(f, [key2], f"unbekannter Abschnitt '{key2}' (erlaubt: version, {key})")
        for i, flow in enumerate(data[key]):
            loc = [key, i]
            if not isinstance(flow, dict) or not isinstance(flow.get("steps"), list) or not flow["steps"]:
                self.add(f, loc, f"{label} braucht '{name_key}:' (Name) und 'steps:' (Schritte)")
                continue
            title = str(flow.get(name_key) or f"Nr. {i + 1}")
            steps = flow["steps"]
            cond_loop = None
            for c in flow.get("condition") or []:
                if isinstance(c, dict) and c.get("active_loop"):
                    cond_loop = c["active_loop"]
            if not tests:
                self.check_opening(f, loc, title, steps, cond_loop)
            self.check_steps(f, loc, title, steps, cond_loop, local_openings)

    def check_opening(self, f: _File, loc: list, title: str, steps: list, cond_loop: Optional[str]) -> None:
        if cond_loop is not None:
            if cond_loop not in self.out.forms:
                self.add(f, loc + ["condition"], f"'{title}': die Bedingung muss ein Formular dieser Gemeinde nennen, "
                                                 f"nicht '{cond_loop}'")
            return
        first = steps[0] if isinstance(steps[0], dict) else {}
        intent = first.get("intent")
        if not intent or intent not in self.out.intents:
            self.add(f, loc + ["steps", 0], f"'{title}' muss mit einer eigenen Absicht ({self.mid}_...) beginnen, "
                                            "damit nationale Gespräche unverändert bleiben")
            return
        second = steps[1] if len(steps) > 1 and isinstance(steps[1], dict) else {}
        if second.get("action") != "action_local_gate":
            self.add(f, loc + ["steps", 1], f"'{title}': direkt nach '{intent}' muss 'action: action_local_gate' "
                                            "kommen (antwortet nur für die eigene Gemeinde)")

    def check_steps(self, f: _File, loc: list, title: str, steps: list, loop: Optional[str],
                    local_openings: dict[str, tuple[str, str, str]]) -> None:
        pending_intent: Optional[tuple[str, int]] = None
        last_form: Optional[str] = loop
        for j, step in enumerate(steps):
            sloc = loc + ["steps", j]
            if not isinstance(step, dict):
                self.add(f, sloc, "Schritt muss 'intent:', 'action:', 'active_loop:' oder 'slot_was_set:' sein")
                continue
            if "intent" in step:
                msg = self.known_intent(str(step["intent"]))
                if msg:
                    self.add(f, sloc + ["intent"], msg)
                for k, ent in enumerate(step.get("entities") or []):
                    name = next(iter(ent)) if isinstance(ent, dict) else str(ent)
                    if name not in self.gd.entities:
                        self.add(f, sloc + ["entities", k], f"unbekannte Entität '{name}'")
                pending_intent = (str(step["intent"]), j) if loop is None else None
            elif "action" in step:
                action = str(step["action"])
                msg = self.known_action(action)
                if msg:
                    self.add(f, sloc + ["action"], msg)
                if action in self.out.forms:
                    last_form = action
                if action == "action_local_lookup" and not self.form_has_table(last_form):
                    self.add(f, sloc + ["action"], "vor 'action_local_lookup' muss ein Formular dieser Gemeinde "
                                                   "stehen, dessen Slot eine Tabelle in dialogue/data/ hat")
                if pending_intent:
                    self.check_contradiction(f, sloc, title, pending_intent[0], action, local_openings)
                pending_intent = None
            elif "active_loop" in step:
                value = step["active_loop"]
                if value is not None and value not in self.out.forms:
                    self.add(f, sloc + ["active_loop"], f"unbekanntes Formular '{value}'")
                loop = value
                if value:
                    last_form = value
            elif "slot_was_set" in step:
                for k, item in enumerate(step.get("slot_was_set") or []):
                    name = next(iter(item)) if isinstance(item, dict) else str(item)
                    if name != "requested_slot" and name not in self.out.slots and name not in self.gd.slots:
                        self.add(f, sloc + ["slot_was_set", k], f"unbekannter Slot '{name}'")
            elif not ({"checkpoint", "or", "user", "bot", "active_loop"} & set(step)):
                self.add(f, sloc, f"unbekannter Schritt ({', '.join(map(str, step))})")

    def form_has_table(self, form: Optional[str]) -> bool:
        if not form or form not in self.out.forms:
            return False
        slots = (self.out.forms[form] or {}).get("required_slots") or []
        return any(t.slot in slots for t in self.out.tables.values())

    def check_contradiction(self, f: _File, sloc: list, title: str, intent: str, action: str,
                            local_openings: dict[str, tuple[str, str, str]]) -> None:
        for openings in (self.gd.rule_openings, local_openings):
            rule = openings.get(intent)
            if rule and rule[0] != action:
                self.add(f, sloc + ["action"],
                         f"'{title}' widerspricht der Regel '{rule[1]}' ({rule[2]}): nach '{intent}' folgt dort "
                         f"'{rule[0]}', hier '{action}'. Rückfragen bitte mit einem Formular (forms) stellen.")
                return

    # ---------------------------------------------------------------- tables

    def check_tables(self) -> None:
        form_slots = {s for spec in self.out.forms.values() for s in (spec or {}).get("required_slots") or []}
        by_slot: dict[str, str] = {}
        for name, f in self.f.tables.items():
            table = f.validate(LookupTable, f.data, self.problems)
            if not isinstance(table, LookupTable):
                continue
            ok = True
            if table.slot not in form_slots:
                self.add(f, ["slot"], f"Slot '{table.slot}' wird von keinem Formular dieser Gemeinde erfragt")
                ok = False
            if table.slot in by_slot:
                self.add(f, ["slot"], f"für Slot '{table.slot}' gibt es schon die Tabelle '{by_slot[table.slot]}'")
                ok = False
            for key in ("answer", "not_found", "no_date"):
                resp = getattr(table, key)
                if resp and resp not in self.out.responses:
                    self.add(f, [key], f"Antwort fehlt: '{resp}' ist nicht in responses.yml dieser Gemeinde")
                    ok = False
            if any(r.dates for r in table.rows) and not table.no_date:
                self.add(f, ["no_date"], "Zeilen haben Termine: 'no_date' (Antwort ohne künftigen Termin) fehlt")
                ok = False
            seen: dict[str, int] = {}
            for i, row in enumerate(table.rows):
                for j, m in enumerate(row.match):
                    key = normalize(m)
                    if key in seen and seen[key] != i:
                        self.add(f, ["rows", i, "match", j], f"Schreibweise '{m}' steht schon in Zeile {seen[key] + 1}")
                        ok = False
                    seen.setdefault(key, i)
            for key, resp in (("answer", table.answer), ("no_date", table.no_date), ("not_found", table.not_found)):
                for var in sorted(self.variables(resp)):
                    if key == "not_found":
                        if var not in ("input", "options") and var not in self.out.slots:
                            self.add(f, [key], f"Antwort '{resp}' benutzt {{{var}}}; ohne passende Zeile gibt es "
                                               "nur {input} und {options}")
                        continue
                    for i, row in enumerate(table.rows):
                        provided = set(row.values) | {"value", "input", "options"} | set(self.out.slots)
                        if row.dates:
                            provided |= {"next_date", "dates"} if key == "answer" else set()
                        if var not in provided:
                            self.add(f, ["rows", i], f"Antwort '{resp}' benutzt {{{var}}}, diese Zeile liefert es "
                                                     f"nicht (unter 'values' ergänzen oder Text ändern)")
                            ok = False
                            break
            if ok:
                by_slot[table.slot] = name
                self.out.tables[name] = table

    def variables(self, response: Optional[str]) -> set[str]:
        out: set[str] = set()
        for v in self.out.responses.get(response or "", []):
            out |= set(VARIABLE_RE.findall(str(v.get("text") or "")))
        return out


def _with(p: Problem, message: str) -> Problem:
    return Problem(p.file, p.line, p.field, message)


def local_rule_openings(folders: Iterable[DialogueFolder]) -> dict[str, tuple[str, str, str]]:
    out: dict[str, tuple[str, str, str]] = {}
    for folder in folders:
        f = folder.part("rules.yml")
        rules = (f.data or {}).get("rules") if f is not None and isinstance(f.data, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            opening = rule_opening(rule)
            if opening:
                out.setdefault(opening[0], (opening[1], str(rule.get("rule", "")), f.name))
    return out


def check_local_dialogues(kb_root: Path, project_root: Path,
                          municipality_ids: Optional[list[str]] = None) -> tuple[list[LocalDialogue], list[Problem]]:
    """Read and validate every municipality's dialogue folder. Returns (valid dialogues, problems)."""
    problems: list[Problem] = []
    gd = load_global_domain(project_root)
    folders: list[DialogueFolder] = []
    mun_folders = municipality_folders(kb_root)
    ids = municipality_ids or [p.name for p in mun_folders]
    for mun in mun_folders:
        folder = read_folder(kb_root, mun, problems)
        if folder is not None:
            folders.append(folder)
    openings = local_rule_openings(folders)
    out: list[LocalDialogue] = []
    for folder in folders:
        before = len(problems)
        c = _Checker(folder, ids, gd, problems)
        c.check_nlu()
        c.check_domain()
        c.check_tables()
        c.check_flows(folder.part("rules.yml"), "rules", {})
        c.check_flows(folder.part("stories.yml"), "stories", openings)
        if folder.tests is not None:
            c.check_flows(folder.tests, "stories", {}, tests=True)
        if (c.out.intents or c.out.responses) and not problems[before:]:
            out.append(c.out)
    return out, problems


def elsewhere_response() -> dict[str, Any]:
    return {ELSEWHERE_RESPONSE: [{"text": "{text}"}]}
