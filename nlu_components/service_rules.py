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
* **Loss.** An identity document named with a loss word ("Mein Reisepass ist weg", "Perso und
  Führerschein geklaut", "nur die Verlustanzeige") is about the loss (``ausweis_verlust``).
* **Purpose.** A bare registration verb after a purpose word ("reicht das zum Ummelden?") names
  the service even when a document is named too.
* **Means.** The online ID function ("Online-Ausweis", "eID", "AusweisApp") named beside another
  service is how they apply, not what they apply for.
* **Events.** A word that only names a life event ("gestorben", "Baby", "heiraten") gives way to a
  concrete service named in the same message ("Mutter gestorben ... wie melde ich ihren Hund an").
* **Family verbs.** Opening or closing a business ("Imbiss aufmachen", "Laden dichtmachen") and
  getting a dog ("Welpen geholt") choose the registration direction like anmelden/abmelden.
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
# identity documents whose loss is its own service, and the words that say they are gone
_LOSS_SERVICE = "ausweis_verlust"
_LOST_DOCUMENTS = frozenset({"personalausweis", "reisepass", "kinderreisepass"})
_LOSS_WORDS = frozenset("""verloren verlegt weg gestohlen geklaut abhanden verschwunden futsch verlustanzeige
verlustmeldung verlust diebstahl entwendet geraubt""".split())
# the online ID function as the means of applying for something else
_MEANS_WORDS = ("onlineausweis", "ausweisfunktion", "eid", "ausweisapp", "onlinefunktion", "bundid")
_PURPOSE = frozenset({"zum", "zur", "fuer", "fuers", "um", "wegen", "beim"})
# words that only name a life event; the event's service gives way to a concrete one
_EVENT_WORDS = frozenset("""gestorben verstorben tot tod todesfall sterbefall baby babys geboren geburt nachwuchs
neugeborenes entbunden entbindung heiraten hochzeit verheiratet heirate heiraten""".split())
_EVENT_FILLERS = frozenset("ist sind war waren ein eine einen bekommen bekommt gekriegt kriegen da zur welt gekommen unser unsere".split())
# verbs that choose a family's direction without anmelden/abmelden (stems after folding)
_FAMILY_VERBS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "gewerbe": (("aufmach", "an"), ("aufgemacht", "an"), ("aufzumach", "an"), ("eroeffn", "an"), ("gruend", "an"),
                ("gegruend", "an"), ("zumach", "ab"), ("zugemacht", "ab"), ("dichtmach", "ab"), ("dicht", "ab"),
                ("aufgeb", "ab"), ("aufgegeb", "ab"), ("schliess", "ab"), ("geschlossen", "ab"), ("aufloes", "ab")),
    "hund": (("geholt", "an"), ("angeschafft", "an"), ("zugelegt", "an"), ("adoptiert", "an"), ("gekauft", "an"),
             ("eingeschlaefert", "ab"), ("gestorben", "ab"), ("verstorben", "ab")),
}
# separable "mach ... auf/zu/dicht": the particle closes the clause
_MACH_FORMS = ("mache", "machst", "macht", "machen", "mach", "machte", "machten")
_GEB_FORMS = ("gebe", "gibst", "gibt", "geben", "geb", "gab", "gaben")
_MACH_PARTICLES = {"auf": "an", "zu": "ab", "dicht": "ab"}
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
        known = set(services.values())

        # 1b. loss: an identity document named with a loss word is about the loss
        if _LOSS_SERVICE in known:
            entities = [dict(e, value=_LOSS_SERVICE) if e["entity"] == "service" and e["value"] in _LOST_DOCUMENTS
                        and self._lost(words, clause, token_range(e)) else e for e in entities]

        # 1c. means: the online ID function beside another service is how, not what
        service_values = {str(e["value"]) for e in entities if e["entity"] == "service"}
        if len(service_values) > 1:
            means = [e for e in entities if e["entity"] == "service" and _is_means(words, token_range(e))]
            if means and service_values - {str(e["value"]) for e in means}:
                entities = [e for e in entities if e not in means]

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

        # 3. registration verbs (or a family's own verbs: "Imbiss aufmachen", "Welpen geholt")
        if not verbs and self.families:
            entities = self._family_verbs(text, tokens, words, clause, entities)
        if not verbs or not self.families:
            return _events_give_way(entities, words, token_range)
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
                # "Anmeldung", "anmelden": decided by the object, another service, or the default;
                # after a purpose word it is what they ask for ("reicht das zum Ummelden?")
                # but not "Anmeldung zum Kitaplatz", "Anmeldung der Eheschließung": a service after it
                later = any(token_range(o)[0] > b for o in others)
                purposeful = bool(set(words[max(0, a - 2):a]) & _PURPOSE) and not objects and not later
                if (objects or others) and not purposeful:
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
            # only a concrete service blocks it, not a life-event word ("Mutter gestorben ... Hund anmelden")
            if i in claimed or any(e["entity"] == "service" and not _event_only(words, token_range(e)) for e in out):
                continue
            slug = fam.services.get(nearest_direction(i))
            if slug:
                start, end = tokens[i][0], tokens[i][1]
                out.append({"entity": "service", "value": slug, "start": start, "end": end, "text": text[start:end]})
                claimed.add(i)
        # a bare registration verb with nothing else ("Ich ziehe nach X, was brauche ich zum Anmelden?")
        inside = {k for e in out if e["entity"] == "service" for k in range(token_range(e)[0], token_range(e)[1] + 1)}
        purpose_verbs = [v for v in verbs if set(words[max(0, v[0] - 2):v[0]]) & _PURPOSE and v[0] not in inside
                         and not any(token_range(o)[0] > v[0] for o in others)]
        family_named = any(e["entity"] == "service" and self._family_of(str(e["value"])) for e in out)
        if self.default_family and not family_named and not objects and (
                purpose_verbs or (not others and not any(e["entity"] == "service" for e in out))):
            fam = self._by_name(self.default_family)
            i, direction = (purpose_verbs or verbs)[-1]
            slug = fam.services.get(direction) if fam else None
            if slug and not self.negated(words, clause, i, slug, fam):  # not "keine Anmeldung"  # separable forms ("Wie melde ich mich ab?"): the verb stem carries the entity
                start, end = tokens[i][0], tokens[i][1]
                out.append({"entity": "service", "value": slug, "start": start, "end": end, "text": text[start:end]})
        return _events_give_way(sorted(out, key=lambda e: e["start"]), words, token_range)

    @staticmethod
    def _lost(words: Sequence[str], clause: Sequence[int], span: Tuple[int, int]) -> bool:
        """A loss word in the clause of the mention ("Perso und Führerschein sind weg"), or a loss
        report anywhere ("nur die Verlustanzeige ... eine Kopie vom alten Ausweis")."""
        a, b = span
        for k, w in enumerate(words):
            if w not in _LOSS_WORDS:
                continue
            if w in ("verlustanzeige", "verlustmeldung", "diebstahl"):
                return True
            if clause[k] == clause[a] and (w != "weg" or 0 < k - b <= 4):
                return True
        return False

    def _family_verbs(self, text: str, tokens: Sequence[Tuple[int, int, str]], words: Sequence[str],
                      clause: Sequence[int], entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Objects of a family with one of its own verbs near them choose the direction."""
        out = list(entities)
        for i, w in enumerate(words):
            fam = self._object_family(w)
            if fam is None or fam.name not in _FAMILY_VERBS or self.negated(words, clause, i, "", fam):
                continue
            direction = None
            for k in range(max(0, i - 4), min(len(words), i + 5)):
                if k == i or clause[k] != clause[i]:
                    continue
                tok = words[k]
                direction = next((d for stem, d in _FAMILY_VERBS[fam.name] if tok.startswith(stem)), None)
                if direction is None and fam.name == "gewerbe" and tok in _MACH_FORMS:
                    direction = next((_MACH_PARTICLES[t] for t in words[i + 1:i + 4] if t in _MACH_PARTICLES), None)
                if direction is None and fam.name == "gewerbe" and tok in _GEB_FORMS and k < i:
                    # "ich geb meinen Laden (in Kleinwalde) auf"
                    direction = "ab" if "auf" in words[i + 1:i + 5] else None
                if direction:
                    break
            slug = fam.services.get(direction) if direction else None
            if not slug:
                continue
            same = [e for e in out if e["entity"] == "service" and self._family_of(str(e["value"])) is fam]
            if same:
                out = [dict(e, value=slug) if e in same else e for e in out]
            else:
                start, end = tokens[i][0], tokens[i][1]
                out.append({"entity": "service", "value": slug, "start": start, "end": end, "text": text[start:end]})
        return sorted(out, key=lambda e: e["start"])

    def _by_name(self, name: Optional[str]) -> Optional[Family]:
        return next((f for f in self.families if f.name == name), None)


def _is_means(words: Sequence[str], span: Tuple[int, int]) -> bool:
    joined = "".join(words[span[0]:span[1] + 1])
    return any(m in joined for m in _MEANS_WORDS)


def is_event_mention(text: str) -> bool:
    """True if a matched service text only names a life event ("ist gestorben", "Baby")."""
    words = " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()
                             .replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")).split()).split()
    return _event_only(words, (0, len(words) - 1))


def _event_only(words: Sequence[str], span: Tuple[int, int]) -> bool:
    """True if the mention consists of life-event words only ("gestorben", "Baby")."""
    part = [w for w in words[span[0]:span[1] + 1] if w not in _EVENT_FILLERS]
    return bool(part) and all(w in _EVENT_WORDS for w in part)


def _events_give_way(entities: List[Dict[str, Any]], words: Sequence[str], token_range: Any) -> List[Dict[str, Any]]:
    """Drop services named only by a life-event word when a concrete service is named too."""
    services = [e for e in entities if e["entity"] == "service"]
    events = [e for e in services if _event_only(words, token_range(e))]
    concrete = {str(e["value"]) for e in services if e not in events}
    if not events or not concrete:
        return entities
    return [e for e in entities if e not in events or str(e["value"]) in concrete]


def _clauses(text: str, tokens: Sequence[Tuple[int, int, str]]) -> List[int]:
    """Clause number of each token: punctuation between two tokens starts a new clause."""
    out: List[int] = []
    n = 0
    for i, (start, _end, _w) in enumerate(tokens):
        if i and _PUNCT.search(text[tokens[i - 1][1]:start]):
            n += 1
        out.append(n)
    return out
