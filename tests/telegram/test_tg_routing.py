"""The bridge's Rasa client with several Rasa processes: every message of one chat goes to the
same process (assistant/rasa_routing.py), chats spread over both, and a process that refuses
connections is covered by the other. Against two fake Rasa REST channels."""
from __future__ import annotations

from assistant.rasa_routing import rasa_for
from channels.telegram.rasa_client import RasaClient
from tests.telegram.fake_rasa import FakeRasa, free_port


async def test_each_chat_stays_on_its_own_process() -> None:
    rasas = [await FakeRasa().start(), await FakeRasa().start()]
    urls = [r.url for r in rasas]
    client = RasaClient(urls, timeout=10)
    try:
        senders = [f"tg:{1000 + i}" for i in range(12)]
        for sender in senders:
            for text in ("Hallo", "Personalausweis"):
                assert (await client.send(sender, text))[0]["text"] == f"Antwort auf: {text}"
    finally:
        await client.close()
        for r in rasas:
            await r.stop()
    got = [[req["sender"] for req in r.requests] for r in rasas]
    for sender in senders:
        owner = urls.index(rasa_for(sender, urls))
        assert got[owner].count(sender) == 2 and sender not in got[1 - owner]
    assert got[0] and got[1]


async def test_refused_connection_goes_to_the_other_process() -> None:
    live = await FakeRasa().start()
    client = RasaClient([f"http://127.0.0.1:{free_port()}", live.url], timeout=10)
    try:
        for i in range(6):
            assert await client.send(f"tg:{i}", "Hallo")
    finally:
        await client.close()
        await live.stop()
    assert sorted(r["sender"] for r in live.requests) == [f"tg:{i}" for i in range(6)]


def test_one_url_still_works() -> None:
    client = RasaClient("http://127.0.0.1:5005/")
    assert client.urls == client.urls[:1] == [client.url] == ["http://127.0.0.1:5005/webhooks/rest/webhook"]
