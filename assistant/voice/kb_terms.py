"""Recognition vocabulary from the knowledge base: service names, colloquial words, places, offices.

Whisper's initial prompt is capped, so the most useful terms come first: short service names,
municipalities, the Bürgermobil, then Ortsteile and colloquial words.
"""
from __future__ import annotations

import functools
import logging

from assistant.kb.loader import KnowledgeBase

logger = logging.getLogger(__name__)


def terms_from_kb(kb: KnowledgeBase) -> list[str]:
    from assistant.kb.schema import SERVICE_SLUGS

    ordered = [kb.services[s] for s in SERVICE_SLUGS if s in kb.services]
    ordered += [s for slug, s in kb.services.items() if slug not in SERVICE_SLUGS]
    services = [s.short_name.split(" ")[0] for s in ordered]
    colloquial = [w for s in ordered for w in s.synonyms[:4] if " " not in w and len(w) >= 5]
    municipalities = [m.name for m in kb.municipalities.values()]
    ortsteile = [o for m in kb.municipalities.values() for o in m.ortsteile]
    offices = sorted({a for o in kb.offices.values() for a in o.aliases if " " not in a and len(a) >= 6})
    # every one-word service name, synonym or colloquial word: only for the post-correction (the
    # prompt is capped, these come last)
    from assistant.voice.vocabulary import OFFICE_WORDS

    words = [w for s in ordered for w in s.words if " " not in w and "-" not in w and len(w) >= 6]
    out: list[str] = []
    for term in [*services[:10], *municipalities, "Bürgermobil", "Bürgerbüro", *colloquial[:12],
                 *services[10:], *ortsteile, *colloquial[12:], *offices, *OFFICE_WORDS, *words]:
        if term not in out:
            out.append(term)
    return out


@functools.lru_cache(maxsize=1)
def default_kb_terms() -> tuple[str, ...]:
    """Terms from the configured kb/ folder (cached per process); the built-in list if it fails."""
    from assistant.config import get_settings
    from assistant.kb.loader import KBValidationError, load_kb
    from assistant.voice.vocabulary import default_terms

    try:
        return tuple(terms_from_kb(load_kb(get_settings().kb_dir)))
    except (KBValidationError, OSError) as exc:
        logger.warning("knowledge base not readable for the speech vocabulary (%s); using built-in terms", exc)
        return tuple(default_terms())
