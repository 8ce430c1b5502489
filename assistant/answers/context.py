"""What an answer needs: the knowledge base, the service, the resident's municipality, the time."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

from assistant.kb.loader import KnowledgeBase
from assistant.kb.schema import Office
from assistant.kb.views import EffectiveService, effective_service


@dataclass
class Context:
    kb: KnowledgeBase
    now: dt.datetime
    tz: ZoneInfo
    service: Optional[str] = None
    municipality: Optional[str] = None
    office_id: Optional[str] = None  # an office named explicitly ("Landratsamt", "Bürgermobil")
    destination: Optional[str] = None  # "Wie komme ich nach Musterstadt?": municipality id travelled to
    public_url: str = ""
    place: Optional[str] = None  # the place as named ("Lindenau"): picks the stop of a mobile service
    sender: Optional[str] = None  # the conversation id (links stored records to it for export/delete)

    @property
    def state(self) -> str:
        return self.kb.county.state

    def eff(self) -> EffectiveService:
        assert self.service is not None
        return effective_service(self.kb, self.service, self.municipality, self.place)

    @property
    def municipality_name(self) -> str:
        mun = self.kb.municipalities.get(self.municipality or "")
        return mun.name if mun else ""

    def office(self) -> Optional[Office]:
        """The office the question is about: named explicitly, or responsible for the service,
        or the resident's Bürgerbüro."""
        from assistant.kb.views import responsible_office

        if self.office_id and self.office_id in self.kb.offices:
            return self.kb.stop_for(self.kb.offices[self.office_id], self.municipality, self.place)
        slug = self.service or ("personalausweis" if "personalausweis" in self.kb.services else None)
        if slug is None:
            return None
        office = responsible_office(self.kb, slug, self.municipality, self.place)
        if self.destination and self.destination != self.municipality:
            dest = self.kb.municipalities[self.destination]
            if office is None or office.address.city != dest.name:
                office = responsible_office(self.kb, slug, self.destination) or office
        return office
