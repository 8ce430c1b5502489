"""Runs inside a network namespace with only loopback (see tests/test_no_outbound.py): starts the
whole stack with scripts/run.py, has one conversation through the web server (so the action
server, the tracker store and the web proxy all work), then stops everything.

Usage: python netns_driver.py VAR_DIR RASA_PORT ACTION_PORT WEB_PORT
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.stack import CookieJars, embedded_stack, web_chat  # noqa: E402

JARS = CookieJars()


def chat(web: str, sender: str, message: str) -> str:
    """One message as a browser sends it: the server-issued conversation cookie goes back each time."""
    return "\n".join(r.get("text", "") for r in web_chat(web, JARS, sender, message, timeout=120))


def main() -> int:
    var, rasa_port, action_port, web_port = Path(sys.argv[1]), *sys.argv[2:5]
    ports = (int(rasa_port), int(action_port), int(web_port))
    with embedded_stack(var, ports=ports, rasa_timeout=600) as stack:
        web = stack.web_url
        answers = [chat(web, "netns-1", "Was brauche ich für einen Personalausweis?"),
                   chat(web, "netns-1", '/request_human{"option": "callback"}'),
                   chat(web, "netns-1", "0345 1234567"), chat(web, "netns-1", "/dont_know")]
        print(json.dumps({"answers": answers}))
        return 0 if all(answers) else 1


if __name__ == "__main__":
    raise SystemExit(main())
