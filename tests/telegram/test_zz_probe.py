import json, pytest
@pytest.mark.rasa
def test_probe(stack):
    out = {}
    for q in ["Was brauche ich für einen Reisepass?", "Wann hat das Bürgerbüro in Kleinwalde geöffnet", "hallo"]:
        r = stack.chat(q, sender="probe1", input_channel="telegram")
        out[q] = r
        for m in r:
            for b in m.get("buttons", []):
                out.setdefault("press:" + b["payload"], stack.chat(b["payload"], sender="probe1", input_channel="telegram"))
                break
    open("/tmp/probe.json", "w").write(json.dumps(out, ensure_ascii=False, indent=1))
