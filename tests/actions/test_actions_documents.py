"""Documents: the personal checklist conversation, the general list and the pre-check."""
from __future__ import annotations

from assistant.checklist import store
from assistant.checklist.engine import build, next_question
from assistant.kb.views import effective_service


PERSONAL = {"service": "personalausweis", "option": "checklist"}


def test_documents_question_gives_the_general_list_and_offers_the_personal_one(chat, kb):
    turn = chat.say("ask_documents", "Was brauche ich für einen Personalausweis?", {"service": "personalausweis"})
    assert turn.keys == ["utter_documents"]
    assert turn.slot_events()["service"] == "personalausweis"
    assert chat.state.last_topic == "documents"
    always = [d for d in effective_service(kb, "personalausweis", None).documents if not d.when]
    assert always and all(d.name in turn.message["text"] for d in always[:3])
    assert chat.flow["type"] == "checklist" and chat.flow["stage"] == "offer"
    turn = chat.say("affirm", "ja gerne")  # accept the offer: the questions start
    assert turn.keys == ["utter_checklist_question"]
    flow = chat.flow
    assert flow["asking"] == next_question(effective_service(kb, "personalausweis", None), {})
    assert flow["answers"] == {} and flow["skipped"] == []
    payloads = [b["payload"] for b in turn.buttons()]
    assert payloads[:3] == ["/affirm", "/deny", "/dont_know"]
    assert any(p.startswith("/ask_documents") and '"general"' in p for p in payloads)
    assert kb.services["personalausweis"].situations[flow["asking"]].question in turn.message["text"]


def test_declining_the_offer_ends_the_checklist(chat):
    chat.say("ask_documents", "Was brauche ich für einen Personalausweis?", {"service": "personalausweis"})
    turn = chat.say("deny", "nein danke")
    assert turn.keys == ["utter_what_else"] and chat.flow == {}


def test_affirm_and_deny_continue_until_the_list_with_print_link(chat, kb, session, public_url):
    chat.say("ask_documents", "Meine persönliche Liste", PERSONAL)
    eff = effective_service(kb, "personalausweis", None)
    answers: dict[str, bool] = {}
    for _step in range(len(eff.service.situations) + 1):
        key = chat.flow["asking"]
        value = key == "has_previous_id"  # yes only to "do you have a previous ID?"
        turn = chat.say("affirm" if value else "deny", "/affirm" if value else "/deny")
        answers[key] = value
        if turn.keys == ["utter_checklist"]:
            break
        assert turn.keys == ["utter_checklist_question"]
        assert chat.flow["answers"] == answers
        assert chat.flow["asking"] == next_question(eff, answers)  # the engine decides what comes next
    else:
        raise AssertionError("checklist never finished")
    assert chat.flow == {} and chat.state.answers_for == "personalausweis" and chat.state.answers == answers
    links = [b for b in turn.buttons() if b.get("type") == "web_url"]
    assert len(links) == 1 and links[0]["url"].startswith(f"{public_url}/liste/")
    token = links[0]["url"].rsplit("/", 1)[1]
    row = store.get(session, token)
    assert row is not None and row.service_slug == "personalausweis" and row.answers == answers
    checklist = build(eff, answers)
    assert {d.id for d in checklist.needed} >= {"alter_ausweis", "passbild"}
    for doc in checklist.needed:
        assert doc.name in turn.message["text"]
    assert {b["payload"] for b in turn.buttons() if "type" not in b} >= {
        '/book_appointment{"service": "personalausweis"}', '/ask_online{"service": "personalausweis"}'}


def test_dont_know_skips_and_gives_a_maybe_line(chat, kb):
    chat.say("ask_documents", "Meine persönliche Liste", PERSONAL)
    eff = effective_service(kb, "personalausweis", None)
    skipped = None
    for _ in range(len(eff.service.situations) + 1):
        key = chat.flow["asking"]
        if key == "has_previous_id":
            turn = chat.say("dont_know", "/dont_know")
            skipped = key
        else:
            turn = chat.say("deny", "/deny")
        if turn.keys == ["utter_checklist"]:
            break
    assert skipped == "has_previous_id"
    assert "has_previous_id" not in chat.state.answers
    maybe = build(eff, chat.state.answers).maybe
    assert {d.id for d, _ in maybe} >= {"alter_ausweis", "geburtsurkunde"}
    for doc, condition in maybe:
        assert doc.name in turn.message["text"] and condition in turn.message["text"]


def test_typed_yes_no_words_are_understood(chat):
    chat.say("ask_documents", "Ausweis, persönliche Liste", PERSONAL)
    first = chat.flow["asking"]
    chat.say("inform", "nein")
    assert chat.flow["answers"] == {first: False}


def test_general_list_on_request(chat):
    turn = chat.say("ask_documents", '/ask_documents{"service": "reisepass", "option": "general"}',
                    {"service": "reisepass", "option": "general"})
    assert turn.keys == ["utter_documents"]
    assert chat.state.last_topic == "documents"
    assert chat.flow == {}


def test_documents_without_service_asks_for_it(chat):
    turn = chat.say("ask_documents", "/ask_documents")
    assert turn.keys == ["utter_ask_service"]
    assert chat.flow["type"] == "clarify" and chat.flow["topic"] == "documents"
    turn = chat.click(next(b for b in turn.buttons() if '"personalausweis"' in b["payload"]))
    assert turn.keys == ["utter_documents"]
    assert chat.flow["type"] == "checklist" and chat.flow["service"] == "personalausweis"


def test_precheck_names_what_is_missing(chat, kb):
    turn = chat.say("check_documents", "Ich habe meinen alten Ausweis und ein Foto, reicht das für den Personalausweis?",
                    {"service": "personalausweis"})
    assert turn.keys == ["utter_document_check"]
    assert chat.state.last_topic == "documents"
