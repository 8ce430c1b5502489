"""Deterministic (seeded) nasty inputs for the fuzz runs: real residents' questions, mutated with
the characters and shapes that broke things before (lone surrogates, NUL, control and bidi
characters, template braces, payload syntax, overlong texts), plus pure noise."""
from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

EXTRA = ["Hallo", "Guten Tag", "ja", "nein", "weiß nicht", "danke", "tschüss", "Termin buchen",
         "Ich muss meinen Termin absagen", "mein Code ist 5A8JSE", "0345 1234567", "morgen früh",
         "Was brauche ich für einen Personalausweis?", "reicht das für den Reisepass?",
         "Wann hat das Bürgerbüro in Kleinwalde offen?", "Wie komme ich ohne Auto nach Musterstadt?"]
TRICKS = ["{text}", "{0[__class__]}", "{{service}}", "%s%n%x", "${jndi:ldap://127.0.0.1/a}",
          "<script>alert(1)</script>", "'; DROP TABLE events;--", "../../etc/passwd", "\\u0000",
          "/restart", "/session_start", "/affirm", "/deny", "/inform{\"service\": \"personalausweis\"}",
          "/inform{\"place\": 12}", "/inform{\"flow\": \"{}\"}", "/book_appointment{", "/ask_documents{\"service\"",
          "/inform{\"option\": \"slot:kleinwalde_buergerbuero|20991201T0900Z\"}", "/nlu_fallback", "/x" * 30]
POOLS = [
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f",            # C0/C1 controls
    "\ud800\udbff\udc00\udfff",                             # lone surrogates
    "\u200b\u200c\u200d\u2060\ufeff\u202e\u202d\u2066\u2069",  # zero width, bidi
    "äöüÄÖÜß„“‚‘–—…€§",                                      # German typography
    "😀🙈👍🏽🇩🇪\U0001f9d1\u200d\U0001f4bb",                     # emoji, ZWJ sequences
    "\u0301\u0308\u0336\u20dd",                             # combining marks
    "ИванПривет漢字かなעבריתعربى",                           # other scripts
    "{}[]()<>\"'`\\/|&;$#%*~^",                              # syntax characters
    "\ufffe\uffff\ufdd0\U0010ffff",                          # non-characters
]


def base_phrases() -> list[str]:
    path = ROOT / "tests" / "data" / "holdout_questions.yml"
    questions = yaml.safe_load(path.read_text(encoding="utf-8")).get("questions", []) if path.exists() else []
    return [q["text"] for q in questions if isinstance(q, dict) and q.get("text")] + EXTRA


class Inputs:
    """``Inputs(seed).message()`` -> one fuzzed resident message (str)."""

    def __init__(self, seed: int, max_chars: int = 2000) -> None:
        self.rng = random.Random(seed)
        self.phrases = base_phrases()
        self.max_chars = max_chars

    def noise(self, n: int) -> str:
        rng = self.rng
        return "".join(rng.choice(rng.choice(POOLS)) if rng.random() < 0.6 else chr(rng.randint(32, 0x2FFF))
                       for _ in range(n))

    def mutate(self, text: str) -> str:
        rng = self.rng
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randint(0, len(chars))
            chars[pos:pos] = list(rng.choice(rng.choice(POOLS)) * rng.randint(1, 3))
        out = "".join(chars)
        return out.upper() if rng.random() < 0.1 else out

    def message(self) -> str:
        rng = self.rng
        r = rng.random()
        phrase = rng.choice(self.phrases)
        if r < 0.30:
            return phrase
        if r < 0.60:
            return self.mutate(phrase)
        if r < 0.70:
            return rng.choice(TRICKS)
        if r < 0.80:
            return self.noise(rng.randint(1, 40))
        if r < 0.86:
            return rng.choice(["", " ", "\n\t", "\x00", "\ud800", "\u200b", "   \x07  "])
        if r < 0.93:  # around the length limit
            n = rng.choice([self.max_chars - 1, self.max_chars, self.max_chars + 1, self.max_chars * 3])
            return (phrase + " ") * (n // (len(phrase) + 1)) + "x" * (n % (len(phrase) + 1))
        return phrase + " " + self.noise(rng.randint(1, 10)) + " " + rng.choice(self.phrases)

    def json_value(self, depth: int = 0):
        rng = self.rng
        r = rng.random()
        if depth > 3 or r < 0.4:
            return rng.choice([None, True, 0, -1, 1e308, "", self.message(), [], {}])
        if r < 0.7:
            return [self.json_value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {self.noise(rng.randint(0, 5)): self.json_value(depth + 1) for _ in range(rng.randint(0, 3))}

    def raw_body(self) -> bytes:
        """Something a broken or hostile client might send as a JSON body."""
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return rng.randbytes(rng.randint(0, 200))
        if r < 0.25:
            d = rng.randint(30, 3000)
            return b"[" * d + b"]" * d
        if r < 0.35:
            return b'{"message": ' + b"{" * 40 + b"}" * 40 + b"}"
        if r < 0.5:
            return json.dumps({"message": self.json_value(), "sender": self.json_value()}).encode()
        if r < 0.6:
            return json.dumps(self.json_value()).encode()
        if r < 0.7:
            return ('{"message": "' + "A" * rng.choice([70_000, 200_000]) + '"}').encode()
        if r < 0.8:
            return json.dumps({"message": self.message()}, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return json.dumps({"message": self.message()}).encode()[: rng.randint(1, 30)]  # truncated

    def audio(self) -> bytes:
        """Broken audio: random bytes, truncated or corrupted container headers."""
        rng = self.rng
        heads = [b"OggS\x00\x02" + b"\x00" * 20, b"RIFF\x24\x00\x00\x00WAVEfmt ", b"\x1aE\xdf\xa3\x9fB\x86\x81\x01",
                 b"ID3\x03\x00\x00\x00", b"\xff\xfb\x90\x64", b"fLaC\x00\x00\x00\x22", b"\x00\x00\x00\x20ftypM4A "]
        r = rng.random()
        if r < 0.2:
            return rng.randbytes(rng.randint(0, 4000))
        if r < 0.3:
            return b""
        head = rng.choice(heads)
        return head + rng.randbytes(rng.randint(0, 3000))
