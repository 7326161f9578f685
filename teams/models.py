"""Care teams: the team its supported person leads, its members and their hats, the support
plan with every version, private notes, and access granted to co-op staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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

MEMBER_KINDS = ("supported", "family", "neighbour", "volunteer", "peer", "worker")
KIND_LABELS = {
    "supported": "Leads the team",
    "family": "Family or friend",
    "neighbour": "Neighbour",
    "volunteer": "Volunteer",
    "peer": "Peer supporter",
    "worker": "Worker",
}
EMPLOYMENTS = ("independent", "employed")
MEMBERSHIP_STATES = ("invited", "active", "left", "declined")
HATS = ("rota_holder", "plan_holder", "introducer", "medication_holder", "representative")
HAT_LABELS = {
    "rota_holder": "Rota holder",
    "plan_holder": "Support plan holder",
    "introducer": "Introducer",
    "medication_holder": "Medicines holder",
    "representative": "My representative",
}
HAT_EXPLANATIONS = {
    "rota_holder": "plans and changes visits, approves swaps, and sees the budget they are paid from",
    "plan_holder": "edits the support plan",
    "introducer": "suggests people for the team; the leader says the final yes",
    "medication_holder": "keeps the list of medicines",
    "representative": "acts with the leader, and may do what the leader may, with a few safeguards",
}
HAT_STATES = ("offered", "active", "declined", "taken_back", "put_down")
LEGAL_BASES = ("own_choice", "lpa_health", "lpa_property", "deputy", "direct_payments")
LEGAL_BASIS_LABELS = {
    "own_choice": "My own choice (I have capacity for this)",
    "lpa_health": "Lasting power of attorney for health and welfare",
    "lpa_property": "Lasting power of attorney for property and financial affairs",
    "deputy": "Deputy appointed by the Court of Protection",
    "direct_payments": "Nominated or authorised person for direct payments",
}
PLAN_SECTIONS = ("about_me", "what_matters", "how_to_support", "health", "people_to_contact")
PLAN_SECTION_LABELS = {
    "about_me": "About me",
    "what_matters": "What matters to me",
    "how_to_support": "How to support me well",
    "health": "My health",
    "people_to_contact": "People to contact",
}
PROPOSAL_STATES = ("proposed", "invited", "not_now")


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (CheckConstraint("status IN ('active', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    leader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # When most members were last removed within a week and the on-call facilitator told, so
    # that they are told once, not on every later removal.
    removal_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="team", order_by="Membership.id"
    )


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(MEMBER_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_in(MEMBERSHIP_STATES)})", name="status"),
        CheckConstraint(
            f"employment IS NULL OR employment IN ({_in(EMPLOYMENTS)})", name="employment"
        ),
        Index("ix_membership_team_id_status", "team_id", "status"),
        Index("ix_membership_user_id_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    # Empty until someone invited by e-mail accepts.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16))
    employment: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # May see the support plan and other private records (the leader says who).
    sees_records: Mapped[bool] = mapped_column(Boolean, default=False)
    is_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # May be booked for visits: workers always; others when the leader says so.
    bookable: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_name: Mapped[str | None] = mapped_column(String(120))
    invited_email: Mapped[str | None] = mapped_column(String(254))
    invite_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # From this moment the member no longer sees the team's records.
    leaves_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handover_note: Mapped[str | None] = mapped_column(Text)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    hats: Mapped[list[Hat]] = relationship(back_populates="membership", order_by="Hat.id")

    @property
    def name(self) -> str:
        return self.user.display_name if self.user else (self.invited_name or "Someone invited")


class Hat(Base):
    """A hat the leader offered a member; the row keeps its whole life (offered, worn, ended)."""

    __tablename__ = "hat"
    __table_args__ = (
        CheckConstraint(f"hat IN ({_in(HATS)})", name="hat"),
        CheckConstraint(f"status IN ({_in(HAT_STATES)})", name="status"),
        CheckConstraint(
            f"legal_basis IS NULL OR legal_basis IN ({_in(LEGAL_BASES)})", name="legal_basis"
        ),
        Index("ix_hat_membership_id_status", "membership_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    hat: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(300))
    review_on: Mapped[date] = mapped_column(Date)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reminded_for: Mapped[date | None] = mapped_column(Date)
    legal_basis: Mapped[str | None] = mapped_column(String(24))
    legal_reference: Mapped[str | None] = mapped_column(String(80))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    membership: Mapped[Membership] = relationship(back_populates="hats")
    checked_by: Mapped[User | None] = relationship(foreign_keys=[checked_by_id])


class MemberProposal(Base):
    """An introducer's suggestion of someone for the team; the leader says the final yes."""

    __tablename__ = "member_proposal"
    __table_args__ = (CheckConstraint(f"status IN ({_in(PROPOSAL_STATES)})", name="status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"))

    proposed_by: Mapped[User] = relationship()


class SupportPlan(Base):
    """'My support plan': the current version; every version is kept as a revision."""

    __tablename__ = "support_plan"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    updated_by: Mapped[User] = relationship()


class SupportPlanRevision(Base):
    __tablename__ = "support_plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("support_plan.id"))
    version: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    author: Mapped[User] = relationship()


class Note(Base):
    """A private note: seen by the leader, its author and the members the leader names."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_team_id_created_at", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()
    readers: Mapped[list[NoteReader]] = relationship(cascade="all, delete-orphan")


class NoteReader(Base):
    __tablename__ = "note_reader"

    note_id: Mapped[int] = mapped_column(
        ForeignKey("note.id", ondelete="CASCADE"), primary_key=True
    )
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"), primary_key=True)


class RecordsAccess(Base):
    """Access to a team's private records by someone outside it: granted by the leader for a
    time, or opened by a facilitator in an emergency with a written reason."""

    __tablename__ = "records_access"
    __table_args__ = (
        CheckConstraint("basis IN ('granted', 'emergency')", name="basis"),
        Index("ix_records_access_team_id_user_id", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    basis: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
