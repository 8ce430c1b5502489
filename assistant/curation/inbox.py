"""The staff inbox: user messages the assistant did not handle well, from Rasa's tracker store.

A message is listed when
  * the assistant fell back (intent ``nlu_fallback``, or ``action_clarify`` /
    ``action_out_of_scope`` / ``action_default_fallback`` followed it),
  * it was unsure (intent confidence below 0.6),
  * the answer to it got a thumbs-down (table ``feedback``), or
  * the resident asked for a human (intent ``request_human``).
Messages are grouped by similar text (normalised text, then character n-gram similarity).
Texts handled by staff (``inbox_decision``) are hidden. Everything shown is redacted.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.orm import sessionmaker

from assistant.curation.redact import PLACEHOLDER_RE, redact
from assistant.answers.similarity import TfidfIndex
from assistant.kb.loader import normalize

logger = logging.getLogger(__name__)

UNSURE_BELOW = 0.6
FALLBACK_ACTIONS = {"action_clarify", "action_out_of_scope", "action_default_fallback"}
IGNORED_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent"}
REASONS = {
    "fallback": "Nicht verstanden",
    "unsure": "Unsicher",
    "thumbs_down": "Daumen runter",
    "human": "Mensch gewünscht",
}
CLUSTER_SIMILARITY = 0.6
MAX_EVENTS = 200_000

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def tracker_engine(url: str) -> Engine:
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    with _engines_lock:
        if url not in _engines:
            kwargs: dict[str, Any] = {}
            if url.startswith("sqlite:"):
                kwargs["connect_args"] = {"timeout": 10, "check_same_thread": False}
            _engines[url] = create_engine(url, **kwargs)
        return _engines[url]


@dataclass
class Turn:
    """One user message with what the assistant did and said after it."""

    event_id: int
    sender: str
    timestamp: float
    text: str
    intent: str
    confidence: Optional[float]
    entities: list[dict[str, Any]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    bot_texts: list[str] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp, dt.timezone.utc)

    @property
    def key(self) -> str:
        return text_key(self.text)

    def display_text(self) -> str:
        if self.is_payload:
            return f"(Schaltfläche: {self.intent or self.text[1:40]})"
        return redact(self.text)


def text_key(message: str) -> str:
    """Grouping and decision key of a message text (redacted: no personal data in the key)."""
    if message.startswith("/"):
        return message.split("{")[0][:100]
    return normalize(redact(message))[:500]


def cluster_text(message: str) -> str:
    """What similarity is computed on: the redacted text without the placeholders."""
    return normalize(PLACEHOLDER_RE.sub(" ", redact(message)))


def load_turns(tracker_url: str, since: dt.datetime, event_ids: Optional[Iterable[int]] = None
               ) -> dict[str, list[Turn]]:
    """sender -> turns since ``since`` (or the conversations containing ``event_ids``)."""
    engine = tracker_engine(tracker_url)
    try:
        if not inspect(engine).has_table("events"):
            return {}
    except Exception:  # tracker store not reachable: an empty inbox, not an error page
        logger.warning("tracker store not readable", exc_info=True)
        return {}
    params: dict[str, Any] = {"since": since.timestamp(), "limit": MAX_EVENTS}
    where = "timestamp >= :since"
    if event_ids is not None:
        ids = [int(i) for i in event_ids][:500]
        if not ids:
            return {}
        placeholders = ", ".join(f":id{i}" for i in range(len(ids)))
        params.update({f"id{i}": v for i, v in enumerate(ids)})
        where = f"sender_id IN (SELECT sender_id FROM events WHERE id IN ({placeholders}))"
        params.pop("since")
    sql = text(f"SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
               f"WHERE {where} AND type_name IN ('user', 'bot', 'action') ORDER BY sender_id, id LIMIT :limit")
    turns: dict[str, list[Turn]] = {}
    current: dict[str, Turn] = {}
    with engine.connect() as conn:
        for row in conn.execute(sql, params):
            ev_id, sender, type_name, ts, intent_name, action_name, data = row
            if type_name == "user":
                try:
                    payload = json.loads(data or "{}")
                except ValueError:
                    payload = {}
                parse = payload.get("parse_data") or {}
                intent = parse.get("intent") or {}
                turn = Turn(event_id=int(ev_id), sender=str(sender), timestamp=float(ts or 0),
                            text=str(payload.get("text") or ""), intent=str(intent.get("name") or intent_name or ""),
                            confidence=intent.get("confidence"), entities=list(parse.get("entities") or []))
                turns.setdefault(sender, []).append(turn)
                current[sender] = turn
            elif sender in current:
                if type_name == "action" and action_name and action_name not in IGNORED_ACTIONS:
                    current[sender].actions.append(str(action_name))
                elif type_name == "bot":
                    try:
                        bot = json.loads(data or "{}").get("text")
                    except ValueError:
                        bot = None
                    if bot:
                        current[sender].bot_texts.append(str(bot))
    return turns


def flag(turn: Turn) -> set[str]:
    reasons: set[str] = set()
    if turn.intent == "nlu_fallback" or FALLBACK_ACTIONS & set(turn.actions):
        reasons.add("fallback")
    if not turn.is_payload and turn.confidence is not None and float(turn.confidence) < UNSURE_BELOW:
        reasons.add("unsure")
    if turn.intent == "request_human":
        reasons.add("human")
    return reasons


def mark_feedback(sm: sessionmaker, conversations: dict[str, list[Turn]], since: dt.datetime) -> int:
    """Flag the user message whose answer got a thumbs-down. Returns the number matched."""
    from assistant.feedback import Feedback, sender_hash

    by_hash = {sender_hash(s): s for s in conversations}
    matched = 0
    with sm() as session:
        rows = session.scalars(select(Feedback).where(Feedback.rating == "down",
                                                      Feedback.created_at >= since.replace(tzinfo=None))).all()
        for fb in rows:
            sender = by_hash.get(fb.sender_hash)
            if sender is None:
                continue
            # the tracker store keeps bot texts redacted: compare redacted forms
            target = redact(fb.bot_text or "").strip()
            for turn in reversed(conversations[sender]):
                texts = [redact(b).strip() for b in turn.bot_texts]
                if any(b == target or (target and b.startswith(target[:200])) for b in texts):
                    turn.reasons.add("thumbs_down")
                    matched += 1
                    break
    return matched


@dataclass
class Item:
    turn: Turn
    before: list[Turn]
    after: list[Turn]


@dataclass
class Cluster:
    key: str
    items: list[Item]
    reasons: Counter[str]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def label(self) -> str:
        texts = Counter(i.turn.display_text() for i in self.items)
        return texts.most_common(1)[0][0]

    @property
    def last_seen(self) -> dt.datetime:
        return max(i.turn.when for i in self.items)

    @property
    def event_ids(self) -> list[int]:
        return [i.turn.event_id for i in self.items]

    @property
    def is_payload(self) -> bool:
        return all(i.turn.is_payload for i in self.items)


def flagged_items(conversations: dict[str, list[Turn]], hidden: set[str]) -> list[Item]:
    items: list[Item] = []
    for turns in conversations.values():
        for i, turn in enumerate(turns):
            turn.reasons |= flag(turn)
            if turn.reasons and turn.key and turn.key not in hidden:
                items.append(Item(turn, turns[max(0, i - 2):i], turns[i + 1:i + 2]))
    return items


def cluster(items: list[Item], threshold: float = CLUSTER_SIMILARITY) -> list[Cluster]:
    """Group items: same normalised text first, then similar texts (greedy, most frequent first)."""
    by_key: dict[str, list[Item]] = {}
    for item in items:
        by_key.setdefault(item.turn.key, []).append(item)
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), k))
    text_keys = [k for k in keys if not k.startswith("/")]
    texts = [cluster_text(by_key[k][0].turn.text) or k for k in text_keys]
    index = TfidfIndex(texts, text_keys) if text_keys else None
    vectors = {k: index.vectors[i] for i, k in enumerate(text_keys)} if index else {}
    clusters: list[Cluster] = []
    heads: list[str] = []
    for key in keys:
        target = None
        if not key.startswith("/") and index is not None:
            best = 0.0
            for j, head in enumerate(heads):
                if head.startswith("/"):
                    continue
                score = TfidfIndex.cosine(vectors[key], vectors[head])
                if score >= threshold and score > best:
                    best, target = score, j
        if target is None:
            clusters.append(Cluster(key, [], Counter()))
            heads.append(key)
            target = len(clusters) - 1
        clusters[target].items.extend(by_key[key])
    for c in clusters:
        for item in c.items:
            c.reasons.update(item.turn.reasons)
        c.items.sort(key=lambda i: -i.turn.timestamp)
    clusters.sort(key=lambda c: (-c.count, -c.last_seen.timestamp()))
    return clusters


def hidden_keys(sm: sessionmaker) -> set[str]:
    from assistant.curation.models import InboxDecision

    with sm() as session:
        return set(session.scalars(select(InboxDecision.text_key)))


def shown_days(inbox_days: int, retention_days: int) -> int:
    """The inbox never reaches back further than conversations are kept (even before a purge ran)."""
    return max(1, min(inbox_days, retention_days))


def build_inbox(sm: sessionmaker, tracker_url: str, days: int, now: Optional[dt.datetime] = None,
                reason: Optional[str] = None) -> list[Cluster]:
    now = now or dt.datetime.now(dt.timezone.utc)
    since = now - dt.timedelta(days=days)
    conversations = load_turns(tracker_url, since)
    mark_feedback(sm, conversations, since)
    items = flagged_items(conversations, hidden_keys(sm))
    if reason:
        items = [i for i in items if reason in i.turn.reasons]
    return cluster(items)


def turns_by_ids(tracker_url: str, event_ids: Iterable[int]) -> list[Turn]:
    wanted = {int(i) for i in event_ids}
    conversations = load_turns(tracker_url, dt.datetime.fromtimestamp(0, dt.timezone.utc), wanted)
    return [t for turns in conversations.values() for t in turns if t.event_id in wanted]
