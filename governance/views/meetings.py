"""Pages for meetings: the list, calling a meeting, and a meeting's page with its agenda,
attendance, quorum and minutes (the secretary's forms on the same page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from coop.clock import parse_local
from coop.db import current_session
from coop.errors import DomainError, Invalid, require
from coop.forms import ConfirmForm
from coop.views.forms import apply_errors
from coop.web import now
from governance import policy
from governance.forms import REQUIRED, choices
from governance.models import Proposal
from governance.services import meetings, register
from governance.views import my_standing, render_page

KIND_WORDS = {"annual": "Annual general meeting", "general": "General meeting"}
HOW_WORDS = {"in-person": "In person", "proxy": "By proxy"}


class MeetingForm(FlaskForm):
    kind = RadioField("Kind of meeting", choices=choices(KIND_WORDS), default="general")
    title = StringField("Title", validators=[DataRequired(REQUIRED), Length(max=200)])
    starts_on = StringField(
        "Date of the meeting",
        validators=[DataRequired(REQUIRED)],
        description="As YYYY-MM-DD.",
        render_kw={"type": "date"},
    )
    starts_time = StringField(
        "Time it starts",
        validators=[DataRequired(REQUIRED)],
        default="10:00",
        description="As HH:MM, UK time.",
        render_kw={"type": "time"},
    )
    place = StringField(
        "Where",
        validators=[DataRequired(REQUIRED), Length(max=300)],
        description="The address, and how to join by phone or online if members can.",
    )
    notice_sent_on = StringField(
        "Day notice was sent",
        validators=[DataRequired(REQUIRED)],
        description="As YYYY-MM-DD.",
        render_kw={"type": "date"},
    )
    confirms_proposal_id = SelectField(
        "The special resolution it confirms (if any)",
        coerce=str,
        default="",
        description="An amalgamation or a conversion that passed is confirmed at a second "
        "meeting, 14 days to a month later.",
    )


class AgendaForm(FlaskForm):
    text = TextAreaField(
        "Agenda item",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
        render_kw={"rows": 2},
    )
    proposal_id = SelectField("The resolution it puts (if any)", coerce=str, default="")


class AttendanceForm(FlaskForm):
    member_id = SelectField("Member present", coerce=int)
    how = RadioField("How they attend", choices=choices(HOW_WORDS), default="in-person")


class ConfirmationForm(FlaskForm):
    votes_for = IntegerField(
        "Votes for confirming it", validators=[InputRequired(REQUIRED), NumberRange(min=0)]
    )
    votes_against = IntegerField(
        "Votes against", validators=[InputRequired(REQUIRED), NumberRange(min=0)]
    )


class MinutesForm(FlaskForm):
    minutes = TextAreaField("Minutes", validators=[DataRequired(REQUIRED)], render_kw={"rows": 10})
    publish = BooleanField("Publish the minutes to the members")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@login_required
def meetings_page() -> Any:
    found = meetings.visible_meetings(current_session(), current_user, now=now())
    return render_page("meetings/list.html", rows=found, kind_words=KIND_WORDS)


@login_required
def new_meeting() -> Any:
    session, moment = current_session(), now()
    require(policy.can_manage_meetings(my_standing()), hidden=True)
    form = MeetingForm()
    form.confirms_proposal_id.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(p.id), p.title)
        for p in session.scalars(
            select(Proposal)
            .where(
                Proposal.kind.in_(meetings.NEEDS_CONFIRMATION),
                Proposal.status == "awaiting-registration",
            )
            .order_by(Proposal.id.desc())
        )
    ]
    if form.validate_on_submit():
        confirms = form.confirms_proposal_id.data
        starts_at = parse_local(form.starts_on.data or "", form.starts_time.data or "")
        try:
            planned = meetings.create_meeting(
                session,
                current_user,
                kind=form.kind.data or "",
                title=form.title.data or "",
                starts_at=starts_at,
                place=form.place.data or "",
                notice_sent_on=_day(form.notice_sent_on.data or ""),
                now=moment,
                zone=current_app.config["CARECOOP_TIMEZONE"],
                confirms_proposal_id=int(confirms) if confirms else None,
            )
        except Invalid as exc:
            session.rollback()
            if "starts_at" in exc.errors:
                exc.errors["starts_on"] = exc.errors.pop("starts_at")
            apply_errors(form, exc)
        else:
            flash("The meeting is saved.", "success")
            for warning in planned.warnings:
                flash(warning, "warning")
            return redirect(url_for("governance.meeting", meeting_id=planned.meeting.id))
    elif form.is_submitted() and not form.kind.data:
        form.kind.errors = ["Please choose one."]
    return render_page("meetings/new.html", 422 if form.errors else 200, form=form)


def _forms(
    agenda: AgendaForm | None = None,
    present: AttendanceForm | None = None,
    minutes: MinutesForm | None = None,
    confirmation: ConfirmationForm | None = None,
) -> dict[str, Any]:
    session, moment = current_session(), now()
    agenda = agenda or AgendaForm(prefix="agenda")
    agenda.proposal_id.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(p.id), p.title)
        for p in session.scalars(select(Proposal).order_by(Proposal.id.desc()))
    ]
    present = present or AttendanceForm(prefix="present")
    present.member_id.choices = [
        SelectChoice(m.id, m.name) for m in register.member_names(session, current_user, now=moment)
    ]
    return {
        "agenda_form": agenda,
        "attendance_form": present,
        "minutes_form": minutes or MinutesForm(prefix="minutes"),
        "confirmation_form": confirmation or ConfirmationForm(prefix="confirm"),
    }


def _meeting_page(meeting_id: int, status: int = 200, **forms: Any) -> Any:
    session, moment = current_session(), now()
    st = my_standing()
    meeting = meetings.get_meeting(session, current_user, meeting_id, now=moment)
    context: dict[str, Any] = {}
    if policy.can_manage_meetings(st):
        context = _forms(**forms)
        if context["minutes_form"].minutes.data is None:
            context["minutes_form"].minutes.data = meeting.minutes
        context["warnings"] = meetings.warnings_for(
            session, meeting, zone=current_app.config["CARECOOP_TIMEZONE"]
        )
        context["present"] = meetings.attendance(session, current_user, meeting.id, now=moment)
    return render_page(
        "meetings/meeting.html",
        status,
        st=st,
        meeting=meeting,
        kind_words=KIND_WORDS,
        how_words=HOW_WORDS,
        quorum=meetings.quorum_of(session, meeting),
        minutes=meetings.published_minutes(meeting),
        **context,
    )


@login_required
def meeting(meeting_id: int) -> Any:
    return _meeting_page(meeting_id)


@login_required
def add_agenda_item(meeting_id: int) -> Any:
    require(policy.can_manage_meetings(my_standing()), hidden=True)
    session = current_session()
    form = _forms(agenda=AgendaForm(prefix="agenda"))["agenda_form"]
    if form.validate_on_submit():
        try:
            meetings.add_agenda_item(
                session,
                current_user,
                meeting_id,
                text=form.text.data or "",
                proposal_id=int(form.proposal_id.data) if form.proposal_id.data else None,
                now=now(),
            )
        except DomainError as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("Added to the agenda.", "success")
            return redirect(url_for("governance.meeting", meeting_id=meeting_id))
    return _meeting_page(meeting_id, 422, agenda=form)


@login_required
def record_attendance(meeting_id: int) -> Any:
    require(policy.can_manage_meetings(my_standing()), hidden=True)
    session = current_session()
    form = _forms(present=AttendanceForm(prefix="present"))["attendance_form"]
    if form.validate_on_submit():
        try:
            meetings.record_attendance(
                session,
                current_user,
                meeting_id,
                member_id=form.member_id.data or 0,
                how=form.how.data or "",
                now=now(),
            )
        except DomainError as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("Recorded as present.", "success")
            return redirect(url_for("governance.meeting", meeting_id=meeting_id))
    return _meeting_page(meeting_id, 422, present=form)


@login_required
def remove_attendance(meeting_id: int, member_id: int) -> BaseResponse:
    require(policy.can_manage_meetings(my_standing()), hidden=True)
    require(ConfirmForm().validate_on_submit(), hidden=True)
    meetings.remove_attendance(
        current_session(), current_user, meeting_id, member_id=member_id, now=now()
    )
    flash("No longer recorded as present.", "success")
    return redirect(url_for("governance.meeting", meeting_id=meeting_id))


@login_required
def save_minutes(meeting_id: int) -> Any:
    require(policy.can_manage_meetings(my_standing()), hidden=True)
    session = current_session()
    form = MinutesForm(prefix="minutes")
    if form.validate_on_submit():
        try:
            meetings.save_minutes(
                session,
                current_user,
                meeting_id,
                minutes=form.minutes.data or "",
                publish=bool(form.publish.data),
                now=now(),
            )
        except DomainError as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("The minutes are saved.", "success")
            return redirect(url_for("governance.meeting", meeting_id=meeting_id))
    return _meeting_page(meeting_id, 422, minutes=form)


@login_required
def record_confirmation(meeting_id: int) -> Any:
    require(policy.can_manage_meetings(my_standing()), hidden=True)
    session = current_session()
    form = ConfirmationForm(prefix="confirm")
    if form.validate_on_submit():
        try:
            meetings.record_confirmation(
                session,
                current_user,
                meeting_id,
                votes_for=form.votes_for.data or 0,
                votes_against=form.votes_against.data or 0,
                now=now(),
            )
        except DomainError as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("The votes on confirming the resolution are recorded.", "success")
            return redirect(url_for("governance.meeting", meeting_id=meeting_id))
    return _meeting_page(meeting_id, 422, confirmation=form)
