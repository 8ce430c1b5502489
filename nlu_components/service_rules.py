"""Rules that decide a service from how a resident phrases it, applied after vocabulary matching.

The vocabulary finds words ("Auto", "Gewerbe", "anmelden"); these rules read the sentence:

* **Verb direction.** "anmelden", "abmelden", "ummelden" and their separable forms ("Ich melde
  mein Motorrad ab", "Mein Mann meldet sein Gewerbe ab") pick the service of the object they go
  with: Auto + ab -> ``kfz_abmeldung``, Gewerbe + an -> ``gewerbe_anmelden``; without an object
  ("Ich ziehe nach X, was brauche ich zum Anmelden?") the residence registration is meant. A
  service that is not about a registration ("Sperrmüll anmelden", "für die Kita anmelden") keeps
  its own service.
* **Negation.** "ohne Auto", "kein Auto", "Ich brauche keinen neuen Pass", "Kein Hund, keine
  Katze" are not about that service; "Ich habe noch keinen Kitaplatz" is.
* **Travel.** A bare vehicle word in a question about getting somewhere ("Mein Auto ist in der
  Werkstatt, fährt ein Bus zum Bürgerbüro?") is no service; with a registration verb it is.
* **Never a service.** Transport words (Bürgerbus, Rufbus, ...) are never matched to a service,
  not even as a typo ("Sportplatz" is not "Hortplatz" either: see :mod:`matching`).

The rule data (object words per registration family, transport words) is generated from the
knowledge base by ``assistant kb nlu`` (see ``assistant/kb/nlu.py``) and stored in the model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

# verb stems after normalisation (umlauts folded): prefix -> direction
_DIRECT_VERBS: Tuple[Tuple[str, str], ...] = (
    ("anmeld", "an"), ("angemeld", "an"), ("anzumeld", "an"),
    ("abmeld", "ab"), ("abgemeld", "ab"), ("abzumeld", "ab"),
    ("ummeld", "um"), ("umgemeld", "um"), ("umzumeld", "um"),
    ("stilleg", "ab"), ("stillleg", "ab"), ("stillgeleg", "ab"), ("stillzuleg", "ab"),
    ("umschreib", "um"), ("umgeschrieb", "um"), ("umzuschreib", "um"),
)
# separable forms: "melde ... an", "lege ... still", "schreibe ... um"
_SEPARABLE: Dict[str, Dict[str, str]] = {
    "meld": {"an": "an", "ab": "ab", "um": "um"},
    "leg": {"still": "ab"},
    "schreib": {"um": "um"},
}
_SEPARABLE_FORMS = {
    "meld": ("melde", "meldest", "meldet", "melden", "meld", "meldete", "meldeten"),
    "leg": ("lege", "legst", "legt", "legen", "leg", "legte", "legten"),
    "schreib": ("schreibe", "schreibst", "schreibt", "schreiben", "schreib"),
}
# a separable particle ends its clause; these words start the next one
_CLAUSE_WORDS = frozenset(
    "und oder aber weil dass wie was wo wann wer ob bis damit wenn denn sondern muss kann soll geht brauch brauche "
    "bitte danke".split()
)
_NEGATIONS = frozenset({"kein", "keine", "keinen", "keinem", "keiner", "keines", "ohne", "nichts"})
_NEED_VERBS = frozenset({"brauche", "brauch", "brauchen", "braucht", "benoetige", "will", "moechte", "moechten",
                         "wollen", "muss", "muessen"})
_STILL_LACKING = frozenset({"noch", "immer"})
# a question about getting somewhere: a vehicle named in it is how they travel, not a service
_TRAVEL_WORDS = frozenset("""faehrt fahren fahre faehrst hinkommen hinfahren komme komm kommen kommt erreichen erreiche
bus busse bahn zug rufbus buergerbus buergermobil haltestelle oepnv oeffis werkstatt parken parkplatz""".split())
_PUNCT = re.compile(r"[,.;:!?()\u2013\u2014\u2026]| - ")


@dataclass
class Family:
    """Services that differ only by the registration verb (an/ab/um), with their object words."""
    name: str
    services: Dict[str, str]  # direction -> slug
    objects: List[str] = field(default_factory=list)  # normalised words
    transport: bool = False  # a vehicle: "ohne/kein <object>" is about getting somewhere


@dataclass
class ServiceRules:
    families: List[Family] = field(default_factory=list)
    default_family: Optional[str] = None  # the family a bare "anmelden" means
    never_service: frozenset = frozenset()  # normalised words never matched to a service
    transport_services: frozenset = frozenset()  # "ich habe keinen Führerschein" is about travelling

    @classmethod
    def from_dict(cls, data: Optional[Dict[str, Any]]) -> "ServiceRules":
        if not data:
            return cls()
        families = [Family(name=f["name"], services=dict(f["services"]), objects=list(f.get("objects", [])),
                           transport=bool(f.get("transport"))) for f in data.get("families", [])]
        return cls(families=families, default_family=data.get("default_family"),
                   never_service=frozenset(data.get("never_service", [])),
                   transport_services=frozenset(data.get("transport_services", [])))

    # ------------------------------------------------------------------ helpers
    def _family_of(self, slug: str) -> Optional[Family]:
        return next((f for f in self.families if slug in f.services.values()), None)

    def _object_family(self, token: str) -> Optional[Family]:
        for fam in self.families:
            for obj in fam.objects:
                if token == obj or (len(obj) >= 4 and token.startswith(obj) and len(token) - len(obj) <= 2) \
                        or (len(obj) >= 5 and len(token) > len(obj) + 2 and token.endswith(obj)):
                    return fam
        return None

    @staticmethod
    def verbs(tokens: Sequence[str], clause: Sequence[int]) -> List[Tuple[int, str]]:
        """(token index, direction) of every registration verb, separable ones at their stem."""
        found: List[Tuple[int, str]] = []
        for i, tok in enumerate(tokens):
            direct = next((d for stem, d in _DIRECT_VERBS if tok.startswith(stem)), None)
            if direct:
                found.append((i, direct))
                continue
            for stem, forms in _SEPARABLE_FORMS.items():
                if tok not in forms:
                    continue
                # the particle closes the clause: last token of the clause or before a clause word
                for j in range(i + 1, len(tokens)):
                    if clause[j] != clause[i]:
                        break
                    part = _SEPARABLE[stem].get(tokens[j])
                    last = j + 1 == len(tokens) or clause[j + 1] != clause[j] or tokens[j + 1] in _CLAUSE_WORDS
                    if part and last:
                        found.append((i, part))
                        break
        return found

    def negated(self, tokens: Sequence[str], clause: Sequence[int], first: int, slug: str,
                object_family: Optional[Family]) -> bool:
        """True if the mention starting at token ``first`` is negated ("ohne Auto", "keinen Pass")."""
        for k in range(first - 1, max(-1, first - 4), -1):
            if clause[k] != clause[first]:
                return False
            tok = tokens[k]
            if tok not in _NEGATIONS:
                continue
            if tok == "ohne" or tok == "nichts":
                return True
            before = [tokens[m] for m in range(max(0, k - 3), k) if clause[m] == clause[k]]
            if before and before[-1] in _STILL_LACKING:
                return False  # "noch keinen Kitaplatz": they want one
            if set(before) & _NEED_VERBS:
                return True  # "ich brauche keinen neuen Pass"
            if not before:
                return True  # "Kein Hund, keine Katze, ..."
            fam = object_family or self._family_of(slug)
            return bool((fam and fam.transport) or slug in self.transport_services)
        return False

    # ------------------------------------------------------------------ main
    def apply(self, text: str, tokens: Sequence[Tuple[int, int, str]], entities: List[Dict[str, Any]],
              services: Dict[str, str]) -> List[Dict[str, Any]]:
        """Rewrite the service entities of ``entities`` (from the vocabulary) by the rules.

        ``tokens``: (start, end, normalised word) in the original text; ``services``: the known
        normalised service words (to tell a verb-only mention like "Anmeldung" from "Gewerbe").
        """
        if not tokens:
            return entities
        words = [t[2] for t in tokens]
        clause = _clauses(text, tokens)

        def token_range(ent: Dict[str, Any]) -> Tuple[int, int]:
            idx = [i for i, t in enumerate(tokens) if t[0] < ent["end"] and t[1] > ent["start"]]
            return (idx[0], idx[-1]) if idx else (0, 0)

        # 1. negation
        kept: List[Dict[str, Any]] = []
        for ent in entities:
            if ent["entity"] == "service":
                a, _b = token_range(ent)
                if self.negated(words, clause, a, str(ent["value"]), self._object_family(words[a])):
                    continue
            kept.append(ent)
        entities = kept

        # 2. travel: a bare vehicle word in a question about getting somewhere
        verbs = self.verbs(words, clause)
        if not verbs and set(words) & _TRAVEL_WORDS:
            kept = []
            for ent in entities:
                if ent["entity"] == "service":
                    a, b = token_range(ent)
                    fam = self._family_of(str(ent["value"]))
                    if fam and fam.transport and b == a and self._object_family(words[a]) is fam:
                        continue
                kept.append(ent)
            entities = kept

        # 3. registration verbs
        if not verbs or not self.families:
            return entities
        service_ents = [e for e in entities if e["entity"] == "service"]
        others = [e for e in service_ents if self._family_of(str(e["value"])) is None]

        def has_own_verb(ent: Dict[str, Any]) -> bool:
            a, b = token_range(ent)
            return bool(self.verbs(words[a:b + 1], clause[a:b + 1]))

        def nearest_direction(i: int) -> str:
            return min(verbs, key=lambda v: abs(v[0] - i))[1]

        # object words of a family, matched by the vocabulary or not ("Moped", "Motorrad")
        objects: List[Tuple[int, Family]] = []
        for i, w in enumerate(words):
            fam = self._object_family(w)
            if fam and not self.negated(words, clause, i, "", fam):
                objects.append((i, fam))
        out: List[Dict[str, Any]] = []
        claimed: set = set()
        for ent in entities:
            fam = self._family_of(str(ent["value"])) if ent["entity"] == "service" else None
            if fam is None:
                out.append(ent)
                continue
            a, b = token_range(ent)
            own_verb = has_own_verb(ent)
            verb_only = own_verb and not any(self._object_family(w) for w in words[a:b + 1])
            if verb_only:
                # "Anmeldung", "anmelden": decided by the object, another service, or the default
                if objects or others:
                    continue
                target = self._by_name(self.default_family)
                if target:
                    slug = target.services.get(nearest_direction(a))
                    ent = dict(ent, value=slug or ent["value"])
                out.append(ent)
                claimed.update(range(a, b + 1))
                continue
            if not own_verb:
                slug = fam.services.get(nearest_direction(a))
                if slug:
                    ent = dict(ent, value=slug)
            out.append(ent)
            claimed.update(range(a, b + 1))
        # object words the vocabulary did not know ("Ich will mein Moped abmelden")
        for i, fam in objects:
            if i in claimed or any(e["entity"] == "service" for e in out):
                continue
            slug = fam.services.get(nearest_direction(i))
            if slug:
                start, end = tokens[i][0], tokens[i][1]
                out.append({"entity": "service", "value": slug, "start": start, "end": end, "text": text[start:end]})
                claimed.add(i)
        # a bare registration verb with nothing else ("Ich ziehe nach X, was brauche ich zum Anmelden?")
        if not any(e["entity"] == "service" for e in out) and not others and self.default_family:
            fam = self._by_name(self.default_family)
            i, direction = verbs[-1]
            slug = fam.services.get(direction) if fam else None
            if slug and not self.negated(words, clause, i, slug, fam):  # not "keine Anmeldung"  # separable forms ("Wie melde ich mich ab?"): the verb stem carries the entity
                start, end = tokens[i][0], tokens[i][1]
                out.append({"entity": "service", "value": slug, "start": start, "end": end, "text": text[start:end]})
        return sorted(out, key=lambda e: e["start"])

    def _by_name(self, name: Optional[str]) -> Optional[Family]:
        return next((f for f in self.families if f.name == name), None)


def _clauses(text: str, tokens: Sequence[Tuple[int, int, str]]) -> List[int]:
    """Clause number of each token: punctuation between two tokens starts a new clause."""
    out: List[int] = []
    n = 0
    for i, (start, _end, _w) in enumerate(tokens):
        if i and _PUNCT.search(text[tokens[i - 1][1]:start]):
            n += 1
        out.append(n)
    return out
