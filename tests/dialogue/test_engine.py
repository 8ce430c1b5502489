"""The engine over several turns, without Rasa: the message is extracted as the action does (entities
from the knowledge base's gazetteer), ``requested`` is the topic the NLU's rule would run."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assistant.dialogue import engine, flows  # noqa: F401  (flows registers the flows)
from assistant.dialogue.base import Env
from assistant.dialogue.state import SUBJECT_OUT_OF_SCOPE, DialogueState, decode, encode
from assistant.dialogue.turn import extract

TZ = ZoneInfo("Europe/Berlin")


class Talk:
    """One conversation: each ``say`` runs a turn and keeps the state through the slot codec."""

    def __init__(self, kb):
        self.kb = kb
        self.state = DialogueState()

    def say(self, text: str, requested: str, intent: str = "inform") -> str:
        from assistant.kb.views import gazetteer

        entities = list(gazetteer(self.kb).find(text))
        message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}
        env = Env(kb=self.kb, now=dt.datetime(2026, 11, 3, 10, 0, tzinfo=TZ), tz=TZ)
        out = engine.step(env, self.state, extract(self.kb, message), requested)
        self.state = decode(encode(self.state))
        self.keys = [r.key for r in out.replies]
        return "\n".join(r.text for r in out.replies)


@pytest.fixture()
def talk(kb):
    return Talk(kb)


def test_a_follow_up_on_an_out_of_scope_reply_keeps_its_pointer(talk):
    first = talk.say("mein nachbar grillt jeden abend und der rauch zieht zu mir, was kann ich machen", "out_of_scope",
                     "out_of_scope")
    assert "Schiedsstelle" in first and "115" in first
    assert talk.state.subject.kind == SUBJECT_OUT_OF_SCOPE
    again = talk.say("wen kann ich da anrufen", "office", "ask_office")
    assert talk.keys == ["utter_out_of_scope"]  # not "In welcher Gemeinde wohnen Sie?"
    assert "Schiedsstelle" in again


def test_weather_is_out_of_scope_even_after_an_office_answer(talk):
    talk.say("wann hat das bürgerbüro in musterstadt offen", "opening_hours", "ask_opening_hours")
    reply = talk.say("und fährt der bus auch bei glatteis", "directions", "ask_directions")
    assert talk.keys == ["utter_out_of_scope"]
    assert "Wetter" in reply and "Stadtbus" not in reply


def test_a_life_event_beats_a_weak_pointer(talk):
    talk.say("wie wechsel ich meine krankenkasse", "out_of_scope", "out_of_scope")
    reply = talk.say("muss ich der krankenkasse bescheid sagen wenn ich umziehe", "out_of_scope", "out_of_scope")
    assert talk.keys == ["utter_life_event"]
    assert "Krankenkasse" in reply


def test_no_life_event_and_no_service_is_not_a_life_event_menu(talk):
    talk.say("wo kauf ich ein deutschlandticket", "life_event", "ask_life_event")
    assert talk.keys == ["utter_out_of_scope"]
    reply = Talk(talk.kb).say("gibt es in kleinwalde eine hundeschule", "life_event", "ask_life_event")
    assert "Kleinwalde" in reply and "030 23125 400" in reply


def test_the_age_picks_the_fee_of_both_services(talk):
    talk.say("perso und reisepass, was kostet beides", "fees", "ask_fees")
    assert talk.state.services == ["personalausweis", "reisepass"]
    reply = talk.say("ich bin 45", "continue")
    assert "46" in reply and "70" in reply
    assert "27,60" not in reply and "37,50" not in reply


def test_beides_answers_for_the_services_of_the_last_message(talk):
    talk.say("ich will meinen alten führerschein umtauschen und das auto ummelden, geht beides am gleichen ort",
             "clarify", "nlu_fallback")
    reply = talk.say("was kostet beides", "fees", "ask_fees")
    assert "25,30" in reply and "30,60" in reply


def test_two_municipalities_in_one_message_get_an_office_each(talk):
    reply = talk.say("ich wohne in musterstadt, mein bruder in kleinwalde, wir brauchen beide neue personalausweise, "
                     "wo müssen wir hin", "office", "ask_office")
    assert "Markt 1" in reply and "Dorfstraße 7" in reply


def test_a_deadline_with_a_year_gives_the_date_that_applies(talk):
    reply = talk.say("mein kartenführerschein ist von 2003, bis wann muss ich den umtauschen", "howto", "ask_howto")
    assert "2027" in reply and "2028" not in reply


def test_an_amount_question_after_a_service_is_a_detail_not_out_of_scope(talk):
    talk.say("wo beantrage ich kindergeld", "office", "ask_office")
    reply = talk.say("wie viel gibt es pro kind", "out_of_scope", "out_of_scope")
    assert "259" in reply
    talk.say("sperrmüll anmelden wie geht das", "howto", "ask_howto")
    assert "Kubikmeter" in talk.say("wie viel darf das sein", "fees", "ask_fees")


def test_a_fee_follow_up_picks_the_matching_fee(talk):
    talk.say("ich will deutscher werden, wo muss ich den antrag stellen", "office", "ask_office")
    talk.say("was kostet das", "fees", "ask_fees")
    assert "51" in talk.say("und für meine zwei kinder", "continue")


def test_a_detail_sentence_matches_german_compounds(talk):
    talk.say("meine mutter braucht einen schwerbehindertenausweis", "documents", "ask_documents")
    reply = talk.say("muss sie dafür nach halle fahren", "clarify", "nlu_fallback")
    assert "Post" in reply


def test_weekend_after_the_way_there_is_about_the_connections(talk):
    talk.say("wie komm ich von eichenbrück nach musterstadt zum rathaus", "directions", "ask_directions")
    reply = talk.say("und am wochenende", "small_talk", "goodbye")
    assert "Rufbus" in reply and "fährt am Wochenende nicht" in reply
    assert "030 23125 190" in talk.say("wie bestell ich den", "howto", "ask_howto")


def test_a_season_question_about_a_mobile_office_gives_its_closures(talk):
    talk.say("wann kommt das bürgermobil nach eichenbrück", "opening_hours", "ask_opening_hours")
    reply = talk.say("kommt das auch im sommer", "clarify", "nlu_fallback")
    assert "Sommerpause" in reply and reply.count("Sommerpause") == 1


def test_whether_a_permit_is_needed_is_answered_by_the_summary(talk):
    reply = talk.say("ich will eine alte birke im garten fällen, brauch ich eine genehmigung", "documents",
                     "ask_documents")
    assert talk.keys == ["utter_howto"] and "Baumschutzsatzung" in reply


def test_a_follow_up_on_a_local_answer_picks_the_sentence_sharing_its_words(talk):
    talk.say("wann ist das stadtfest in musterstadt", "local", "ask_local")
    assert "Schlossplatz" in talk.say("und wo hält der bus am markt dann", "directions", "ask_directions")


def test_an_answer_without_ja_nein_still_answers_the_checklist_question(kb, tmp_path):
    from assistant.dialogue.state import FlowState

    talk = Talk(kb)
    key = next(k for k, s in kb.services["kfz_abmeldung"].situations.items() if "andere Person" in s.question)
    talk.state.flow = FlowState("checklist", "asking", {"service": "kfz_abmeldung", "answers": {}, "skipped": [],
                                                        "asking": key})
    talk.say("ich geh selber hin", "directions", "ask_directions")
    assert talk.state.flow is None or talk.state.flow.get("answers", {}).get(key) is False
    assert "utter_directions" not in talk.keys


def test_a_local_answer_that_says_it_beats_the_service_the_nlu_saw(talk):
    reply = talk.say("wohin mit meinem alten kühlschrank, ich wohne in musterstadt", "howto", "ask_howto")
    assert talk.keys == ["utter_local_answer"] and "Wertstoffhof" in reply
    assert "030 23125 160" in talk.say("wen ruf ich an wenn ich fragen hab", "check_documents", "check_documents")


def test_a_local_answer_sends_the_resident_elsewhere_and_that_becomes_the_subject(talk):
    talk.say("kann ich in kleinwalde meine gartenabfälle abgeben", "local", "ask_local")
    assert "April" in talk.say("auch im dezember", "clarify", "nlu_fallback")
    assert "Gewerbering 12" in talk.say("und wo kann ich dann hin", "office", "ask_office")
    assert "Dienstag" in talk.say("wann hat der auf", "opening_hours", "ask_opening_hours")


def test_a_time_of_day_after_the_opening_hours_is_about_the_hours(talk):
    talk.say("wann hat die führerscheinstelle auf", "opening_hours", "ask_opening_hours")
    reply = talk.say("freitag nachmittag auch?", "continue", "inform")
    assert talk.keys[0].startswith("utter_opening_hours") or "Freitag" in reply
    assert "Wobei kann ich Ihnen helfen" not in reply


def test_how_much_one_gets_is_the_benefit_not_the_fee(talk, kb):
    talk.say("wo beantrage ich kindergeld", "office", "ask_office")
    reply = talk.say("wie viel gibt es pro kind", "fees", "ask_fees")
    assert "259" in reply and "kostenlos" not in reply
