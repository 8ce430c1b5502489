"""Run in the Rasa environment by test_serve.py: the trained model parses the same way loaded
as Rasa loads it and loaded with :func:`rasa_addons.serve.install_fast_model_load`. Prints one
JSON line: both results and both load times."""
from __future__ import annotations

import asyncio
import json
import sys
import time

TEXTS = ["Was brauche ich für einen Personalausweis?", "wann hat das bürgerbüro auf", "ich hab nen geldbeutel gefunden",
         "Kann ich mich online ummelden?", "hallo", "what do I need for a passport", "Reisepass Kosten",
         "Führerschein umtauschen rosa lappen", "ich will einen termin", "nein", "Wo ist das Standesamt in Lindenau?"]


def parse_all(model: str) -> tuple[float, list]:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(model)
    seconds = time.perf_counter() - started

    async def go() -> list:
        out = []
        for text in TEXTS:
            r = await agent.parse_message(text)
            out.append([text, r["intent"]["name"], round(r["intent"]["confidence"], 5),
                        sorted((e["entity"], str(e["value"])) for e in r["entities"])])
        return out

    return seconds, asyncio.run(go())


def main() -> None:
    model = sys.argv[1]
    plain_s, plain = parse_all(model)
    from rasa_addons.serve import install_fast_model_load

    install_fast_model_load()
    fast_s, fast = parse_all(model)
    print(json.dumps({"plain": plain, "fast": fast, "plain_s": plain_s, "fast_s": fast_s}, ensure_ascii=False))


if __name__ == "__main__":
    main()
