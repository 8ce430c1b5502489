"""Tables of the knowledge base. Nested, staff-edited structures are stored as JSON documents
validated by :mod:`assistant.kb.schema`; what queries filter on gets its own column."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db import Base


class ServiceRow(Base):
    __tablename__ = "kb_service"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    office_type: Mapped[str] = mapped_column(String(64), index=True)
    online_available: Mapped[bool]
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class SynonymRow(Base):
    __tablename__ = "kb_synonym"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_slug: Mapped[str] = mapped_column(ForeignKey("kb_service.slug", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    normalized: Mapped[str] = mapped_column(String(200), unique=True)


class LifeEventTagRow(Base):
    __tablename__ = "kb_life_event_tag"

    service_slug: Mapped[str] = mapped_column(ForeignKey("kb_service.slug", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)


class LifeEventRow(Base):
    __tablename__ = "kb_life_event"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class CountyRow(Base):
    __tablename__ = "kb_county"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(2))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class MunicipalityRow(Base):
    __tablename__ = "kb_municipality"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class OfficeRow(Base):
    __tablename__ = "kb_office"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality_id: Mapped[Optional[str]] = mapped_column(
        ForeignKey("kb_municipality.id", ondelete="CASCADE"), nullable=True, index=True
    )


class OfficeTypeRow(Base):
    __tablename__ = "kb_office_type"
    __table_args__ = (UniqueConstraint("office_id", "office_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("kb_office.id", ondelete="CASCADE"), index=True)
    office_type: Mapped[str] = mapped_column(String(64), index=True)


class KBMetaRow(Base):
    __tablename__ = "kb_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
