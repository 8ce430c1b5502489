"""Out of scope, unsure understanding (clarify, then a human), resuming a flow after a side question."""
from __future__ import annotations

RANKING = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "ask_fees", "confidence": 0.28},
           {"name": "greet", "confidence": 0.2}, {"name": "ask_documents", "confidence": 0.15},
           {"name": "ask_online", "confidence": 0.05}]


def test_out_of_scope(chat):
    turn = chat.say("out_of_scope", "Wie wird das Wetter morgen?")
    assert turn.keys == ["utter_out_of_scope"]
    assert [b["payload"] for b in turn.buttons()] == ["/help"]
    assert chat.state.fallback_count == 1
    turn = chat.say("out_of_scope", "Wer gewinnt die Bundesliga?")
    assert turn.keys == ["utter_out_of_scope"]
    assert [b["payload"] for b in turn.buttons()] == ["/request_human", "/help"]


def test_out_of_scope_names_the_local_office(chat, kb):
    turn = chat.say("out_of_scope", "Wann ist Sperrstunde?", {"place": "Kleinwalde"})
    assert kb.offices["kleinwalde_buergerbuero"].phone in turn.message["text"]


def test_clarify_offers_two_meanings_then_a_human(chat):
    turn = chat.say("nlu_fallback", "Kosten Unterlagen irgendwas", ranking=RANKING)
    assert turn.keys == ["utter_clarify"]
    assert [b["payload"] for b in turn.buttons()] == ["/ask_fees", "/ask_documents"]  # greet is no option
    assert chat.state.fallback_count == 1

    turn = chat.say("nlu_fallback", "immer noch unklar", ranking=RANKING)
    assert turn.keys == ["utter_clarify"]
    payloads = [b["payload"] for b in turn.buttons()]
    assert payloads == ["/ask_fees", "/ask_documents", "/request_human"]
    assert chat.state.fallback_count == 2


def test_clarify_keeps_the_service(chat):
    chat.slots["service"] = "reisepass"
    turn = chat.say("nlu_fallback", "hmm", ranking=RANKING)
    assert [b["payload"] for b in turn.buttons()] == ['/ask_fees{"service": "reisepass"}',
                                                      '/ask_documents{"service": "reisepass"}']


def test_clarify_without_known_intents(chat):
    turn = chat.say("nlu_fallback", "blubb", ranking=[{"name": "nlu_fallback"}, {"name": "greet"}])
    assert turn.keys == ["utter_clarify"]
    assert turn.buttons() == []


def test_answer_resets_fallback_count(chat):
    chat.say("nlu_fallback", "blubb", ranking=RANKING)
    assert chat.state.fallback_count == 1
    chat.say("ask_online", "Geht der Reisepass online?", {"service": "reisepass"})
    assert chat.state.fallback_count == 0


PERSONAL = {"service": "personalausweis", "option": "checklist"}


def test_unclear_message_inside_checklist_continues_the_checklist(chat):
    chat.say("ask_documents", "Personalausweis", PERSONAL)
    asking = chat.flow["asking"]
    turn = chat.say("nlu_fallback", "ja", ranking=RANKING)
    assert turn.keys == ["utter_checklist_question"]
    assert chat.flow["answers"] == {asking: True}


def test_side_question_during_checklist_reminds_once_then_lets_go(chat):
    chat.say("ask_documents", "Personalausweis", PERSONAL)
    asking = chat.flow["asking"]
    turn = chat.say("ask_online", "Geht das eigentlich online?", {"service": "personalausweis"})
    assert turn.keys == ["utter_not_online", "utter_flow_reprompt"]
    assert chat.flow["type"] == "checklist" and chat.flow["asking"] == asking
    turn = chat.say("ask_fees", "Und was kostet er?", {"service": "personalausweis"})
    assert turn.keys == ["utter_fees"]  # reminded once already: no second "Zurück zu Ihrer Liste"
    assert chat.flow == {}  # the resident moved on


def test_answer_after_the_reminder_continues_the_checklist(chat):
    chat.say("ask_documents", "Personalausweis", PERSONAL)
    asking = chat.flow["asking"]
    chat.say("ask_online", "Geht das eigentlich online?", {"service": "personalausweis"})
    turn = chat.say("deny", "nein")
    assert turn.keys == ["utter_checklist_question"]
    assert chat.flow["answers"] == {asking: False} and not chat.state.flow.reminded
