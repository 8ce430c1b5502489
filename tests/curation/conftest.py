"""Fixtures of the staff-area tests: a temporary environment (database, copy of kb/, tracker store
with synthetic conversations, curated file, fake training commands) and a fake Rasa server."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "richtig-geheim-42"
ARTIFACTS = ROOT / "tests" / "artifacts"

FAKE_TRAIN = '''
import os, pathlib, sys, time
models = pathlib.Path(os.environ["ASSISTANT_MODELS_DIR"])
models.mkdir(parents=True, exist_ok=True)
print("==> Training Rasa model models/model-fake.tar.gz", flush=True)
for i in range(int(os.environ.get("FAKE_TRAIN_STEPS", "3"))):
    print(f"Epoche {i + 1}", flush=True)
    time.sleep(float(os.environ.get("FAKE_TRAIN_SLEEP", "0.2")))
if os.environ.get("FAKE_TRAIN_FAIL"):
    print("kaputt", flush=True)
    sys.exit(1)
model = models / f"model-{os.environ.get('FAKE_MODEL_NAME', 'new')}.tar.gz"
model.write_bytes(b"fake model")
link = models / "current.tar.gz"
if link.is_symlink() or link.exists():
    link.unlink()
link.symlink_to(model.name)
print(f"Trained: {model}", flush=True)
'''


# ------------------------------------------------------------------ tracker events

def _user(sender: str, ts: float, text: str, intent: str, confidence: float,
          entities: Optional[list[dict[str, Any]]] = None) -> tuple:
    data = {"event": "user", "timestamp": ts, "text": text, "input_channel": "web",
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
                           "text": text, "intent_ranking": [{"name": intent, "confidence": confidence}]}}
    return (sender, "user", ts, intent, None, json.dumps(data))


def _action(sender: str, ts: float, name: str) -> tuple:
    return (sender, "action", ts, None, name, json.dumps({"event": "action", "timestamp": ts, "name": name}))


def _bot(sender: str, ts: float, text: str) -> tuple:
    return (sender, "bot", ts, None, None, json.dumps({"event": "bot", "timestamp": ts, "text": text}))


BOT_DOCS = "Für den Personalausweis brauchen Sie: Ihren alten Ausweis und ein biometrisches Passfoto."


def synthetic_events(now: float) -> list[tuple]:
    t = now - 3600
    ev: list[tuple] = []
    # s1: greeting, then a fallback with a phone number, then out of scope
    ev += [_action("s1", t, "action_session_start"), _action("s1", t + 0.1, "action_listen"),
           _user("s1", t + 1, "Hallo", "greet", 0.99), _action("s1", t + 1.1, "utter_greet"),
           _bot("s1", t + 1.2, "Guten Tag! Was möchten Sie wissen?"), _action("s1", t + 1.3, "action_listen"),
           _user("s1", t + 10, "Wo kann ich mein Boot anmelden? Meine Nummer ist 0171 1234567", "nlu_fallback", 0.31),
           _action("s1", t + 10.1, "action_clarify"),
           _bot("s1", t + 10.2, "Das habe ich leider nicht verstanden. Können Sie es anders sagen?"),
           _action("s1", t + 10.3, "action_listen"),
           _user("s1", t + 20, "Bootsanmeldung bitte", "out_of_scope", 0.8),
           _action("s1", t + 20.1, "action_out_of_scope"),
           _bot("s1", t + 20.2, "Dazu habe ich keine verlässliche Information."),
           _action("s1", t + 20.3, "action_listen")]
    # s2: the same question, slightly different
    ev += [_user("s2", t + 100, "wo kann ich mein boot anmelden", "nlu_fallback", 0.35),
           _action("s2", t + 100.1, "action_clarify"),
           _bot("s2", t + 100.2, "Das habe ich leider nicht verstanden. Können Sie es anders sagen?")]
    # s3: unsure but answered; the answer gets a thumbs-down (feedback row inserted by the fixture)
    ev += [_user("s3", t + 200, "Was brauche ich für den Perso?", "ask_documents", 0.55,
                 [{"entity": "service", "value": "personalausweis", "start": 22, "end": 27}]),
           _action("s3", t + 200.1, "action_answer_documents"), _bot("s3", t + 200.2, BOT_DOCS)]
    # s4: asks for a human, with a name
    ev += [_user("s4", t + 300, "Ich heiße Max Mustermann und will mit einem Menschen sprechen", "request_human", 0.95),
           _action("s4", t + 300.1, "action_request_human"),
           _bot("s4", t + 300.2, "Rufen Sie direkt an: Bürgerbüro Musterstadt, Telefon 030 23125 200.")]
    # s5: answered well (not in the inbox)
    ev += [_user("s5", t + 400, "Was kostet ein Reisepass?", "ask_fees", 0.97,
                 [{"entity": "service", "value": "reisepass", "start": 14, "end": 24}]),
           _action("s5", t + 400.1, "action_answer_fees"), _bot("s5", t + 400.2, "Ein Reisepass kostet 70 Euro.")]
    return ev


def make_tracker(path: Path, events: list[tuple]) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), "
                "data TEXT)")
    con.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)", events)
    con.commit()
    con.close()


# ------------------------------------------------------------------ environment

@dataclass
class StaffEnv:
    root: Path
    env: dict[str, str]
    kb_dir: Path
    curated: Path
    tracker: Path
    database_url: str
    models_dir: Path

    def sessionmaker(self):
        from assistant.db import get_sessionmaker

        return get_sessionmaker(self.database_url)

    def add_user(self, name: str, role: str, password: str = PASSWORD) -> None:
        from assistant.curation import auth

        with self.sessionmaker()() as session:
            auth.create_user(session, name, password, role)


def build_env(root: Path, rasa_url: str = "http://127.0.0.1:9") -> StaffEnv:
    kb_dir = root / "kb"
    shutil.copytree(ROOT / "kb", kb_dir)
    models = root / "models"
    models.mkdir()
    (models / "model-old.tar.gz").write_bytes(b"old model")
    (models / "current.tar.gz").symlink_to("model-old.tar.gz")
    fake_train = root / "fake_train.py"
    fake_train.write_text(textwrap.dedent(FAKE_TRAIN))
    stories = root / "stories"
    stories.mkdir()
    (stories / "test_stories_fake.yml").write_text('version: "3.1"\nstories: []\n')
    tracker = root / "tracker.db"
    make_tracker(tracker, synthetic_events(time.time()))
    db_url = f"sqlite:///{root / 'assistant.db'}"
    py = sys.executable
    env = {
        "ASSISTANT_DATABASE_URL": db_url,
        "ASSISTANT_KB_DIR": str(kb_dir),
        "ASSISTANT_VAR_DIR": str(root / "var"),
        "ASSISTANT_TRACKER_DATABASE_URL": f"sqlite:///{tracker}",
        "ASSISTANT_CURATED_NLU": str(root / "curated.yml"),
        "ASSISTANT_MODELS_DIR": str(models),
        "ASSISTANT_TRAIN_COMMAND": f"{py} {fake_train}",
        "ASSISTANT_VALIDATE_COMMAND": f"{py} -c \"print('Trainingsdaten ok')\"",
        "ASSISTANT_STORY_TEST_COMMAND": f"{py} -c \"import sys; print('Testgespräche ok', sys.argv[1:])\" {{model}} {{stories}}",
        "ASSISTANT_TEST_STORIES": str(stories / "test_stories*.yml"),
        "ASSISTANT_RASA_URL": rasa_url,
        "ASSISTANT_RASA_TOKEN": "fake-rasa-token",  # tests/curation/fake_rasa.py TOKEN
        "ASSISTANT_PUBLIC_URL": "",
        "ASSISTANT_TIMEZONE": "Europe/Berlin",
    }
    return StaffEnv(root, env, kb_dir, root / "curated.yml", tracker, db_url, models)


def add_feedback(database_url: str, sender: str, rating: str, text: str) -> None:
    from assistant.db import get_sessionmaker
    from assistant.feedback import Feedback, sender_hash

    with get_sessionmaker(database_url)() as session:
        session.add(Feedback(sender_hash=sender_hash(sender), rating=rating, bot_text=text, channel="web",
                             created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
        session.commit()


@pytest.fixture()
def staff_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StaffEnv]:
    from assistant.config import get_settings

    env = build_env(tmp_path)
    for k, v in env.env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    add_feedback(env.database_url, "s3", "down", BOT_DOCS)
    add_feedback(env.database_url, "s5", "up", "Ein Reisepass kostet 70 Euro.")
    yield env
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def kb():
    """The real knowledge base, loaded once for this folder (tests must not change it; deep-copy first)."""
    from assistant.kb.loader import load_kb

    return load_kb(ROOT / "kb")
