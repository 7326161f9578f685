"""Matching's records: the co-op's lists (neighbourhoods, skills), workers' profiles and checks,
openings, one interest per opening and worker with its trial, every decision either side made,
private notes for the co-op, and equality answers kept apart."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import Base, UTCDateTime
from coop.db import sql_list as _in
from coop.models import Id, User
from teams.matching.vocabulary import (
    CHECK_KINDS,
    CHECK_OUTCOMES,
    DECISIONS,
    LAWFUL_REQUIREMENTS,
    MATCH_STATES,
    OPENING_STATES,
    SIDES,
)
from teams.models import EMPLOYMENTS, Team


class Neighbourhood(Base):
    """A neighbourhood the co-op works in, with a map point (British National Grid, metres), so
    that distances are straight lines between points."""

    __tablename__ = "neighbourhood"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    easting: Mapped[int] = mapped_column(Integer)
    northing: Mapped[int] = mapped_column(Integer)

    @property
    def point(self) -> tuple[int, int]:
        return (self.easting, self.northing)


class Skill(Base):
    """A skill from the co-op's list; workers and openings refer to it by id."""

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkerProfile(Base):
    """What a worker tells teams about themselves, and what matching needs to suggest them.

    Lists are JSON: skills as ids from the co-op's list, languages and interests as lower-case
    words, weekly windows as [weekday, start minute, end minute] in local time."""

    __tablename__ = "worker_profile"
    __table_args__ = (
        CheckConstraint(f"employment IN ({_in(EMPLOYMENTS)})", name="employment"),
        CheckConstraint("rate_pence IS NULL OR rate_pence >= 0", name="rate_pence"),
        CheckConstraint("travel_miles >= 0 AND travel_miles <= 100", name="travel_miles"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    about: Mapped[str] = mapped_column(Text, default="")
    employment: Mapped[str] = mapped_column(String(16))
    rate_pence: Mapped[int | None] = mapped_column(Integer)
    neighbourhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood.id"))
    travel_miles: Mapped[int] = mapped_column(Integer, default=3)
    skills: Mapped[list[int]] = mapped_column(JSON, default=list)
    other_skills: Mapped[str] = mapped_column(String(300), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    windows: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    open_to_new_teams: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A facilitator's pause from suggestions while they look into something; the note is for
    # the co-op only.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pause_note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    neighbourhood: Mapped[Neighbourhood | None] = relationship()


class Check(Base):
    """One vetting check a facilitator recorded: its outcome, number, date and expiry, never
    a certificate's contents."""

    __tablename__ = "vetting_check"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(CHECK_KINDS)})", name="kind"),
        CheckConstraint(f"outcome IN ({_in(CHECK_OUTCOMES)})", name="outcome"),
        Index("ix_vetting_check_worker_id_kind", "worker_id", "kind"),
        Index("ix_vetting_check_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(8))
    number: Mapped[str] = mapped_column(String(80), default="")
    checked_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # DBS checks only: the worker agreed that the co-op may use the Update Service.
    update_service_consent: Mapped[bool | None] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Which expiry date the worker was warned about, and told had lapsed, so each goes once.
    warned_for: Mapped[date | None] = mapped_column(Date)
    lapse_told_for: Mapped[date | None] = mapped_column(Date)

    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class Opening(Base):
    """A place on a team for a worker: what support, when, where, and who would suit. Workers
    see it without the person's name or address until both sides say yes."""

    __tablename__ = "opening"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(OPENING_STATES)})", name="status"),
        CheckConstraint("max_rate_pence IS NULL OR max_rate_pence >= 0", name="max_rate_pence"),
        Index("ix_opening_team_id_status", "team_id", "status"),
        Index("ix_opening_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    title: Mapped[str] = mapped_column(String(120))
    support: Mapped[str] = mapped_column(Text)
    what_matters: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[list[str]] = mapped_column(JSON)
    windows: Mapped[list[list[int]]] = mapped_column(JSON)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id"))
    required_skills: Mapped[list[int]] = mapped_column(JSON, default=list)
    preferred_skills: Mapped[list[int]] = mapped_column(JSON, default=list)
    required_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_rate_pence: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    neighbourhood: Mapped[Neighbourhood] = relationship()


class Interest(Base):
    """The consent state machine for one opening and one worker (DOMAIN.md): the row is born
    when either side says "I'd like to meet", and keeps the moment each stage was reached."""

    __tablename__ = "interest"
    __table_args__ = (
        UniqueConstraint("opening_id", "worker_id"),
        CheckConstraint(f"state IN ({_in(MATCH_STATES)})", name="state"),
        CheckConstraint(f"started_by IN ({_in(SIDES)})", name="started_by"),
        CheckConstraint(f"ended_by IS NULL OR ended_by IN ({_in(SIDES)})", name="ended_by"),
        Index("ix_interest_worker_id_state", "worker_id", "state"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("opening.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(12))
    started_by: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mutual_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trial_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(8))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"))
    # Starting again after a no begins a new round; earlier rounds' trials stay on record, so
    # that the figures count every trial that ended.
    round: Mapped[int] = mapped_column(Integer, default=1)

    opening: Mapped[Opening] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    trials: Mapped[list[Trial]] = relationship(back_populates="interest", order_by="Trial.round")

    @property
    def trial(self) -> Trial | None:
        """This round's trial, if one has been suggested."""
        return next((t for t in self.trials if t.round == self.round), None)


class Trial(Base):
    """The trial visit one side proposed and the other agreed, and each side's word after it."""

    __tablename__ = "trial"
    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'agreed', 'ended')", name="status"),
        CheckConstraint(f"proposed_by IN ({_in(SIDES)})", name="proposed_by"),
        CheckConstraint(
            "team_decision IS NULL OR team_decision IN ('carry_on', 'stop')", name="team_decision"
        ),
        CheckConstraint(
            "worker_decision IS NULL OR worker_decision IN ('carry_on', 'stop')",
            name="worker_decision",
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("interest_id", "round"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("interest.id"))
    round: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    proposed_by: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    team_decision: Mapped[str | None] = mapped_column(String(8))
    worker_decision: Mapped[str | None] = mapped_column(String(8))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    interest: Mapped[Interest] = relationship(back_populates="trials")


class MatchDecision(Base):
    """Every word either side said, kept for the figures and the equality monitor. A lawful
    stated requirement behind a "no" is kept here for counting apart, never shown to anyone."""

    __tablename__ = "match_decision"
    __table_args__ = (
        CheckConstraint(f"side IN ({_in(SIDES)})", name="side"),
        CheckConstraint(f"decision IN ({_in(DECISIONS)})", name="decision"),
        CheckConstraint(
            f"lawful_requirement IS NULL OR lawful_requirement IN ({_in(LAWFUL_REQUIREMENTS)})",
            name="lawful_requirement",
        ),
        Index("ix_match_decision_at", "at"),
        Index("ix_match_decision_interest_id", "interest_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("interest.id"))
    side: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    lawful_requirement: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class MatchNote(Base):
    """A private note for the co-op from whoever said no or stopped: facilitators read it; the
    other side never does."""

    __tablename__ = "match_note"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("interest.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()


class EqualityAnswer(Base):
    """A voluntary equality monitoring answer, kept apart and only ever counted in aggregate."""

    __tablename__ = "equality_answer"
    __table_args__ = (UniqueConstraint("user_id", "characteristic"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    characteristic: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
