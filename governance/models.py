"""The co-operative's records: the register of members and officers, proposals (resolutions),
their electorate, ballots, proxies, the ballot log and results."""

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

MEMBER_CLASSES = ("supported", "advocate", "worker", "investor")
MEMBER_STATUSES = ("applied", "member", "left")
# What the co-op may use a member's e-mail address for.
EMAIL_USES = ("notices", "notices-and-news")
OFFICES = ("chair", "secretary", "treasurer", "director")
KINDS = (
    "ordinary",
    "extraordinary",
    "special-amalgamation",
    "special-conversion",
    "special-dissolution",
)
STATUSES = ("draft", "open", "closed", "awaiting-registration", "registered")
CHOICES = ("for", "against", "abstain")
CAST_BY = ("own", "proxy", "recorded")
RECORDED_METHODS = ("phone", "paper", "meeting")


class Member(Base):
    """One entry in the register of members (the 2014 Act, s.30)."""

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint(f"member_class IN ({_in(MEMBER_CLASSES)})", name="member_class"),
        CheckConstraint(f"status IN ({_in(MEMBER_STATUSES)})", name="status"),
        CheckConstraint(f"email_use IN ({_in(EMAIL_USES)})", name="email_use"),
        CheckConstraint("shares_held >= 0", name="shares_held"),
        CheckConstraint("shares_paid_pence >= 0", name="shares_paid_pence"),
        CheckConstraint("loans_pence >= 0", name="loans_pence"),
        Index("uq_member_email", "email", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120))
    # None means "care of the co-op".
    postal_address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(254))
    email_use: Mapped[str] = mapped_column(String(20), default="notices")
    member_class: Mapped[str] = mapped_column(String(20))
    shares_held: Mapped[int] = mapped_column(Integer, default=0)
    shares_paid_pence: Mapped[int] = mapped_column(Integer, default=0)
    loans_pence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="applied")
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    class_history: Mapped[list[ClassChange]] = relationship(
        back_populates="member", order_by="ClassChange.id"
    )

    @property
    def is_current(self) -> bool:
        return self.status == "member"

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.status}>"


class ClassChange(Base):
    """A member's class from `from_at`: the history the register keeps."""

    __tablename__ = "member_class_change"
    __table_args__ = (
        CheckConstraint(f"member_class IN ({_in(MEMBER_CLASSES)})", name="member_class"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    member_class: Mapped[str] = mapped_column(String(20))
    from_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    member: Mapped[Member] = relationship(back_populates="class_history")


class Officer(Base):
    """The register of officers: who held which office, from when to when."""

    __tablename__ = "officer"
    __table_args__ = (CheckConstraint(f"office IN ({_in(OFFICES)})", name="office"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    office: Mapped[str] = mapped_column(String(20))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Proposal(Base):
    """A resolution put to the members. `electorate_size` is fixed when voting opens."""

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        Index("ix_proposal_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32))
    secret: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(32), default="draft")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    electorate_size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    result: Mapped[Result | None] = relationship(back_populates="proposal")

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.kind} {self.status}>"


class Voter(Base):
    """One member of a proposal's electorate, with the class they held when voting opened."""

    __tablename__ = "proposal_voter"
    __table_args__ = (
        CheckConstraint(f"member_class IN ({_in(MEMBER_CLASSES)})", name="member_class"),
    )

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    member_class: Mapped[str] = mapped_column(String(20))


class Ballot(Base):
    """A member's current ballot on a proposal: one per member, changed in place until the
    close. `log_seq` names the log entry that recorded it last."""

    __tablename__ = "ballot"
    __table_args__ = (
        UniqueConstraint("proposal_id", "member_id"),
        CheckConstraint(f"choice IN ({_in(CHOICES)})", name="choice"),
        CheckConstraint(f"cast_by IN ({_in(CAST_BY)})", name="cast_by"),
        CheckConstraint(f"member_class IN ({_in(MEMBER_CLASSES)})", name="member_class"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    member_class: Mapped[str] = mapped_column(String(20))
    choice: Mapped[str] = mapped_column(String(10))
    cast_by: Mapped[str] = mapped_column(String(10))
    cast_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    log_seq: Mapped[int] = mapped_column(Integer)


class LogEntry(Base):
    """One entry of a proposal's ballot log, chained to the one before by an HMAC."""

    __tablename__ = "ballot_log_entry"
    __table_args__ = (
        UniqueConstraint("proposal_id", "seq"),
        CheckConstraint(f"choice IN ({_in(CHOICES)})", name="choice"),
        CheckConstraint(f"cast_by IN ({_in(CAST_BY)})", name="cast_by"),
        CheckConstraint(f"member_class IN ({_in(MEMBER_CLASSES)})", name="member_class"),
        CheckConstraint("seq >= 1", name="seq"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    replaces_seq: Mapped[int | None] = mapped_column(Integer)
    receipt: Mapped[str] = mapped_column(String(64))
    member_class: Mapped[str] = mapped_column(String(20))
    choice: Mapped[str] = mapped_column(String(10))
    cast_by: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    hash: Mapped[str] = mapped_column(String(64))


class Proxy(Base):
    """A member's appointment of a person (any user) to vote for them on one proposal."""

    __tablename__ = "proxy"
    __table_args__ = (
        UniqueConstraint("proposal_id", "giver_id"),
        Index("ix_proxy_proposal_id_holder_id", "proposal_id", "holder_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    giver_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    giver: Mapped[Member] = relationship()
    holder: Mapped[User] = relationship()


class RecordedBallot(Base):
    """A ballot a member gave by phone, on paper or at a meeting, written down by the
    secretary; it is cast only once a second officer countersigns it."""

    __tablename__ = "recorded_ballot"
    __table_args__ = (
        CheckConstraint(f"choice IN ({_in(CHOICES)})", name="choice"),
        CheckConstraint(f"method IN ({_in(RECORDED_METHODS)})", name="method"),
        Index("ix_recorded_ballot_proposal_id", "proposal_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    choice: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    countersigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


class Result(Base):
    """A closed proposal's result: the tally, the counts by class, and the log's head hash and
    entry count at the close, so that later removals show."""

    __tablename__ = "proposal_result"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[str] = mapped_column(String(20))
    tally: Mapped[dict[str, Any]] = mapped_column(JSON)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    threshold: Mapped[str] = mapped_column(String(20))
    electorate: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str | None] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="result")


# Meetings and elections of directors ------------------------------------------------------------

MEETING_KINDS = ("annual", "general")
ATTENDANCE = ("in-person", "proxy")
# The board's seats: supported and advocate members stand for the same seats.
SEAT_CLASSES = ("supported-advocate", "worker", "investor")
ELECTION_STATUSES = ("draft", "open", "closed")


def seat_class_of(member_class: str) -> str:
    """The board seats a member of this class may stand for."""
    return "supported-advocate" if member_class in ("supported", "advocate") else member_class


class Meeting(Base):
    """An annual or general meeting of the members: notice, place, time, agenda, attendance
    and minutes. `notice_sent_on` is the day notice went out; minutes show to members once
    `minutes_published_at` is set."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(MEETING_KINDS)})", name="kind"),
        CheckConstraint("confirmation_for >= 0", name="confirmation_for"),
        CheckConstraint("confirmation_against >= 0", name="confirmation_against"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    place: Mapped[str] = mapped_column(String(300))
    notice_sent_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The confirming second meeting of a special resolution (amalgamation or conversion):
    # the resolution, and the votes for and against its confirmation at the meeting.
    confirms_proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="SET NULL")
    )
    confirmation_for: Mapped[int | None] = mapped_column(Integer)
    confirmation_against: Mapped[int | None] = mapped_column(Integer)

    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position"
    )
    confirms: Mapped[Proposal | None] = relationship()

    @property
    def confirmed(self) -> bool | None:
        """Over half of the votes at the meeting confirmed the resolution; None until counted."""
        if self.confirmation_for is None or self.confirmation_against is None:
            return None
        return self.confirmation_for * 2 > self.confirmation_for + self.confirmation_against


class AgendaItem(Base):
    """One item of a meeting's agenda, optionally the resolution it puts to the members."""

    __tablename__ = "meeting_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    proposal: Mapped[Proposal | None] = relationship()


class Attendance(Base):
    """A member present at a meeting, in person or by proxy, as the secretary recorded it."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (CheckConstraint(f"how IN ({_in(ATTENDANCE)})", name="how"),)

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    how: Mapped[str] = mapped_column(String(20))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


class Election(Base):
    """An election of directors: seats per class, candidates, secret ballots, and at the close
    the result with the investor weight and any draw by lot (`result`)."""

    __tablename__ = "election"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(ELECTION_STATUSES)})", name="status"),
        CheckConstraint("seats_supported_advocate >= 0", name="seats_supported_advocate"),
        CheckConstraint("seats_worker >= 0", name="seats_worker"),
        CheckConstraint("seats_investor >= 0", name="seats_investor"),
        Index("ix_election_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    seats_supported_advocate: Mapped[int] = mapped_column(Integer, default=0)
    seats_worker: Mapped[int] = mapped_column(Integer, default=0)
    seats_investor: Mapped[int] = mapped_column(Integer, default=0)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="election", order_by="Candidate.id"
    )

    def seats(self, seat_class: str) -> int:
        return int(getattr(self, "seats_" + seat_class.replace("-", "_")))


class Candidate(Base):
    """A member standing for a seat of their class. The secretary confirmed on nomination, from
    their date of birth, that they are 18 or over (the date itself is not kept)."""

    __tablename__ = "election_candidate"
    __table_args__ = (
        UniqueConstraint("election_id", "member_id"),
        CheckConstraint(f"seat_class IN ({_in(SEAT_CLASSES)})", name="seat_class"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    seat_class: Mapped[str] = mapped_column(String(20))
    age_confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    age_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    election: Mapped[Election] = relationship(back_populates="candidates")
    member: Mapped[Member] = relationship()


class ElectionBallot(Base):
    """A member's current ballot in an election: the candidates they chose, changed in place
    until the close. Never shown to anyone: the result gives weighted totals only."""

    __tablename__ = "election_ballot"
    __table_args__ = (
        UniqueConstraint("election_id", "member_id"),
        CheckConstraint(f"member_class IN ({_in(MEMBER_CLASSES)})", name="member_class"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    member_class: Mapped[str] = mapped_column(String(20))
    candidate_ids: Mapped[list[int]] = mapped_column(JSON)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
