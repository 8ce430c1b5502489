"""Rasa component wrapping :class:`nlu_components.matching.Gazetteer`.

The vocabulary (word -> canonical value per entity) is generated from the knowledge base by
``assistant kb nlu`` into a JSON file, read at training time and stored inside the model, so a
municipality that adds a place or a colloquial service word only edits YAML and retrains.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.matching import Gazetteer

logger = logging.getLogger(__name__)
VOCAB_FILE = "gazetteer.json"


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
