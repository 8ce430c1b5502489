"""Common words known to Whisper's tokenizer, used to keep ordinary words out of post-correction.

Whisper's byte-level BPE vocabulary (``vocabulary.txt`` in the model folder) holds ~27 000 whole
words that start with a space marker – the frequent words of its training languages ("Hilfe",
"kleine", "weiß"). A transcript word found there is a real word and is not "corrected" into a
service or place name.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

log = logging.getLogger(__name__)

_SPACE_MARKER = "Ġ"


@functools.lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes_to_unicode table used by Whisper's tokenizer."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return {chr(code): byte for byte, code in zip(printable, codes)}


@functools.lru_cache(maxsize=4)
def load_common_words(vocabulary_file: Path) -> frozenset[str]:
    """Lower-cased whole words from a Whisper ``vocabulary.txt``; empty set if it cannot be read."""
    decoder = _byte_decoder()
    words: set[str] = set()
    try:
        with open(vocabulary_file, encoding="utf-8") as fh:
            for line in fh:
                token = line.rstrip("\n")
                if not token.startswith(_SPACE_MARKER):
                    continue
                try:
                    word = bytes(decoder[ch] for ch in token[1:]).decode("utf-8")
                except (KeyError, UnicodeDecodeError):
                    continue
                if word.isalpha():
                    words.add(word.lower())
    except OSError as exc:
        log.warning("Cannot read Whisper vocabulary %s: %s", vocabulary_file, exc)
    return frozenset(words)
