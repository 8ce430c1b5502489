"""First NLU step: the same input hygiene as the channels (assistant/security/text.py).

Every way into the NLU – the REST channel, ``/model/parse``, ``/conversations/…/messages`` –
passes here, so a lone UTF-16 surrogate or a control character can no longer make spaCy fail
(``ParsingError``, HTTP 500 or an empty reply). Not trainable; changes no training example that
is already clean, so the rest of the pipeline's training cache stays valid.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.security.text import clean_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextCleaner(GraphComponent):
    """Removes control characters and lone surrogates, NFC-normalises, caps the length."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_chars": 2000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_chars = int(config.get("max_chars", 2000))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextCleaner":
        return cls(config)

    def _clean(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            cleaned = clean_text(text)[: self.max_chars]
            if cleaned != text:
                message.set(TEXT, cleaned)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._clean(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._clean(message)
        return training_data
