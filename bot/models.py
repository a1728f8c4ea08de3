"""Database models. The schema itself is created by the Alembic migrations in bot/migrations/."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, String

from bot.db import Base

EXAM_PARTS = ("reading", "listening", "writing", "speaking", "knm")
PART_STATUSES = ("passed", "open", "exempt")
LAWS = ("wi2013", "wi2021")
ROUTES = ("b1", "onderwijs", "z", "none")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Case(Base):
    """One newcomer's integration case, as the municipality's case system exports it."""

    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    case_number = Column(String(20), nullable=False, unique=True)  # "INB-123456"
    date_of_birth = Column(Date, nullable=False)
    law = Column(String(6), nullable=False)  # LAWS
    route = Column(String(10))  # ROUTES; empty when unknown
    pip_date = Column(Date)  # wi2021: the term starts the day after
    duty_start_date = Column(Date)  # wi2013: the term starts on it
    extension_until = Column(Date)
    reading = Column(String(8))  # PART_STATUSES; empty when unknown
    listening = Column(String(8))
    writing = Column(String(8))
    speaking = Column(String(8))
    knm = Column(String(8))
    pvt_done = Column(Boolean)
    map_done = Column(Boolean)
    loan_granted_cents = Column(Integer)  # whole cents: exact on every database
    loan_used_cents = Column(Integer)
    contact_name = Column(String(200))
    contact_email = Column(String(200))
    contact_phone = Column(String(50))
    municipality = Column(String(200))
    updated_at = Column(DateTime, nullable=False, default=utc_now, onupdate=utc_now)


class VerificationAttempt(Base):
    """One try to verify a case in a conversation; only hashes, never the case number or sender id."""

    __tablename__ = "verification_attempts"

    id = Column(Integer, primary_key=True)
    sender_hash = Column(String(64), nullable=False, index=True)
    case_hash = Column(String(64), nullable=False, index=True)
    succeeded = Column(Boolean, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utc_now, index=True)
