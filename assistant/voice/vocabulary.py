"""Default recognition vocabulary for the county (used when a caller passes no terms).

Callers with better knowledge (the knowledge base: the municipality's own places, the services
on offer) should pass their own list to :func:`assistant.voice.service.transcribe_bytes`; the
first terms matter most because the Whisper prompt is capped in length.
"""
from __future__ import annotations

PLACES: tuple[str, ...] = (
    "Musterstadt", "Kleinwalde", "Eichenbrück", "Auental", "Birkenhain", "Heidekrug", "Lindenau",
    "Wiesengrund", "Oberwalde", "Neudorf", "Mühlberg", "Musterland",
)
SERVICES: tuple[str, ...] = (
    "Personalausweis", "Reisepass", "Kinderreisepass", "Führungszeugnis", "Meldebescheinigung",
    "Ummeldung", "Hundesteuer", "Kfz-Zulassung", "Führerschein", "Sperrmüll", "Biotonne",
    "Gewerbeanmeldung", "Bauantrag", "Geburtsurkunde", "Sterbeurkunde", "Wohngeld", "Elterngeld",
    "Kindergeld", "Briefwahl", "Kitaplatz", "Schwerbehindertenausweis", "Beglaubigung",
    "Fischereischein", "Baumfällung", "Fundsache", "Einbürgerung", "Anwohnerparkausweis",
)
OFFICES: tuple[str, ...] = (
    "Bürgerbüro", "Bürgermobil", "Landratsamt", "Rathaus", "Standesamt", "Ordnungsamt",
    "Zulassungsstelle", "Gemeindeverwaltung",
)
COLLOQUIAL: tuple[str, ...] = ("Perso", "Lappen", "Gewerbeschein", "Angelschein")
# Words residents say to the office (not services, not places) that Whisper splits or mishears.
OFFICE_WORDS: tuple[str, ...] = (
    "Sachbearbeiterin", "Sachbearbeiter", "Geburtsurkunde", "Sterbeurkunde", "Heiratsurkunde", "Terminvereinbarung",
    "Wohnungsgeberbestätigung", "Meldebestätigung", "Öffnungszeiten", "Sprechzeiten",
)
# Known sound-alikes that German spelling rules cannot derive (English loan words spoken by a
# synthetic or accented voice). Term -> what Whisper was heard writing instead.
SOUNDS_LIKE: dict[str, tuple[str, ...]] = {
    "Baby": ("Barbö", "Bäbi", "Bebi", "Beebi", "Bébé", "Baybi", "Bäby"),
    "Perso": ("Perzo", "Berso"),
}


def default_terms() -> list[str]:
    """Services, places, offices and colloquial words, most useful for the prompt first."""
    return [*SERVICES[:12], *PLACES[:5], *OFFICES[:2], *SERVICES[12:], *PLACES[5:], *OFFICES[2:], *COLLOQUIAL,
            *OFFICE_WORDS]
