"""Knowledge-base gazetteer: finds service and place names in a message.

The vocabulary (word -> canonical value per entity) is generated from the knowledge base by
``assistant kb nlu`` into a JSON file, read at training time and stored inside the model, so a
municipality that adds a place or a colloquial service word only edits YAML and retrains.

Matching is on normalised text (lower case, umlauts folded, punctuation removed), prefers the
longest phrase, accepts German compounds ("Personalausweisantrag" -> personalausweis) and small
typos (one edit for words of 6+ letters, two for 10+), so unseen phrasings still resolve.
"""
from __future__ import annotations

import json
import logging
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
VOCAB_FILE = "gazetteer.json"


def normalize_with_offsets(text: str) -> Tuple[str, List[int]]:
    """Normalised text plus, for each normalised character, its index in the original text."""
    out: List[str] = []
    offsets: List[int] = []
    text = unicodedata.normalize("NFC", text)
    folds = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
    for i, ch in enumerate(text.lower()):
        rep = folds.get(ch, ch if ch.isalnum() else " ")
        for r in rep:
            out.append(r)
            offsets.append(i)
    return "".join(out), offsets


def normalize(text: str) -> str:
    return " ".join(normalize_with_offsets(text)[0].split())


def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    if abs(len(a) - len(b)) > limit:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > limit:
            return False
        prev = cur
    return prev[-1] <= limit


class Gazetteer:
    """Pure matching logic (testable without Rasa)."""

    def __init__(self, vocab: Dict[str, Dict[str, str]], min_compound: int = 6):
        # entity -> {normalised phrase: value}
        self.vocab = {ent: {normalize(k): v for k, v in words.items() if normalize(k)} for ent, words in vocab.items()}
        self.min_compound = min_compound

    def _token_spans(self, norm: str) -> List[Tuple[int, int, str]]:
        spans, i = [], 0
        for tok in norm.split(" "):
            if tok:
                spans.append((i, i + len(tok), tok))
            i += len(tok) + 1
        return spans

    def find(self, text: str) -> List[Dict[str, Any]]:
        norm, offsets = normalize_with_offsets(text)
        spans = self._token_spans(norm)
        found: List[Tuple[int, int, str, str, int]] = []  # (tok_start, tok_end, entity, value, score)
        for ent, words in self.vocab.items():
            max_len = max((w.count(" ") + 1 for w in words), default=1)
            for i in range(len(spans)):
                for n in range(min(max_len, len(spans) - i), 0, -1):
                    phrase = " ".join(s[2] for s in spans[i:i + n])
                    value = words.get(phrase)
                    score = 3
                    if value is None and n == 1:
                        value, score = self._fuzzy_token(phrase, words)
                    if value is not None:
                        found.append((i, i + n, ent, value, score * 100 + len(phrase)))
                        break
        # keep non-overlapping, best (longest/exact) first
        found.sort(key=lambda f: (-(f[1] - f[0]), -f[4]))
        taken: set = set()
        entities = []
        for a, b, ent, value, _ in found:
            if any(k in taken for k in range(a, b)):
                continue
            taken.update(range(a, b))
            start = offsets[spans[a][0]]
            end = offsets[spans[b - 1][1] - 1] + 1
            entities.append({"entity": ent, "value": value, "start": start, "end": end,
                             "text": text[start:end]})
        return sorted(entities, key=lambda e: e["start"])

    def _fuzzy_token(self, tok: str, words: Dict[str, str]) -> Tuple[Optional[str], int]:
        if len(tok) < 5:
            return None, 0
        best: Optional[Tuple[int, str]] = None
        for w, v in words.items():
            if " " in w or len(w) < 4:
                continue
            if len(w) >= self.min_compound and len(tok) > len(w) and (tok.startswith(w) or tok.endswith(w)):
                cand = (len(w), v)
                if best is None or cand[0] > best[0]:
                    best = cand
        if best:
            return best[1], 2
        limit = 2 if len(tok) >= 10 else 1 if len(tok) >= 6 else 0
        if limit:
            for w, v in words.items():
                if " " not in w and len(w) >= 6 and _edit_distance_at_most(tok, w, limit):
                    return v, 1
        return None, 0


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts ``service`` and ``place`` entities from a vocabulary generated from the KB."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"vocabulary_file": "data/nlu/generated/gazetteer.json"}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocab: Optional[Dict[str, Dict[str, str]]] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._gazetteer = Gazetteer(vocab or {})

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GazetteerEntityExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        path = Path(self._config["vocabulary_file"])
        if not path.is_file():
            raise FileNotFoundError(f"Gazetteer vocabulary {path} missing: run 'assistant kb nlu' before training")
        vocab = json.loads(path.read_text(encoding="utf-8"))
        self._gazetteer = Gazetteer(vocab)
        with self._storage.write_to(self._resource) as directory:
            (directory / VOCAB_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "GazetteerEntityExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                vocab = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("Gazetteer vocabulary not found in model; extractor is empty")
            vocab = {}
        return cls(config, model_storage, resource, vocab)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self._gazetteer.find(text)
            for e in found:
                e["confidence_entity"] = 1.0
            existing = [e for e in message.get(ENTITIES, []) if e.get("entity") not in {f["entity"] for f in found}]
            message.set(ENTITIES, existing + self.add_extractor_name(found), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
