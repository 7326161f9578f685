"""Pages for elections of directors: the list, setting one up, nominations, the ballot (a
fieldset of checkboxes per class of seat, checked again on the server), opening, closing and
the result."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from coop.clock import parse_local
from coop.db import current_session
from coop.errors import DomainError, Invalid, require
from coop.forms import ConfirmForm
from coop.views.forms import apply_errors
from coop.web import now
from governance import policy
from governance.forms import REQUIRED
from governance.models import SEAT_CLASSES
from governance.services import elections, register
from governance.views import my_standing, render_page

SEAT_LEGENDS = {
    "supported-advocate": "Directors who are supported or advocate members",
    "worker": "Directors who are worker members",
    "investor": "Directors who are investor members",
}


def _seats_field(label: str) -> IntegerField:
    return IntegerField(
        label, validators=[InputRequired(REQUIRED), NumberRange(min=0, max=50)], default=0
    )


class ElectionForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(REQUIRED), Length(max=200)])
    seats_supported_advocate = _seats_field("Seats for supported or advocate members")
    seats_worker = _seats_field("Seats for worker members")
    seats_investor = _seats_field("Seats for investor members")
    closes_on = StringField(
        "Voting closes on (date)",
        validators=[DataRequired(REQUIRED)],
        description="As YYYY-MM-DD.",
        render_kw={"type": "date"},
    )
    closes_time = StringField(
        "Voting closes at (time)",
        validators=[DataRequired(REQUIRED)],
        default="17:00",
        description="As HH:MM, UK time.",
        render_kw={"type": "time"},
    )


class NominationForm(FlaskForm):
    member_id = SelectField("Member standing", coerce=int)
    born_on = StringField(
        "Their date of birth",
        validators=[DataRequired(REQUIRED)],
        description="As YYYY-MM-DD. It is checked, not kept.",
        render_kw={"type": "date"},
    )
    age_checked = BooleanField("I have checked their date of birth: they are 18 or over")


@login_required
def elections_page() -> Any:
    found = elections.visible_elections(current_session(), current_user, now=now())
    return render_page("elections/list.html", rows=found)


@login_required
def new_election() -> Any:
    session, moment = current_session(), now()
    require(policy.can_manage_elections(my_standing()), hidden=True)
    form = ElectionForm()
    if form.validate_on_submit():
        closes_at = parse_local(form.closes_on.data or "", form.closes_time.data or "")
        try:
            if closes_at is None:
                raise Invalid(
                    "Please check the closing time.",
                    errors={"closes_on": ["Please give a date as YYYY-MM-DD and a time as HH:MM."]},
                )
            election = elections.create_election(
                session,
                current_user,
                title=form.title.data or "",
                closes_at=closes_at,
                now=moment,
                seats={
                    "supported-advocate": form.seats_supported_advocate.data or 0,
                    "worker": form.seats_worker.data or 0,
                    "investor": form.seats_investor.data or 0,
                },
            )
        except Invalid as exc:
            session.rollback()
            if "closes_at" in exc.errors:
                exc.errors["closes_on"] = exc.errors.pop("closes_at")
            apply_errors(form, exc)
        else:
            flash("The election is saved. Add the candidates, then open voting.", "success")
            return redirect(url_for("governance.election", election_id=election.id))
    return render_page("elections/new.html", 422 if form.errors else 200, form=form)


def _nomination_form(form: NominationForm | None = None) -> NominationForm:
    form = form or NominationForm(prefix="nominate")
    form.member_id.choices = [
        SelectChoice(m.id, m.name)
        for m in register.member_names(current_session(), current_user, now=now())
    ]
    return form


def _election_page(
    election_id: int,
    status: int = 200,
    *,
    errors: dict[str, list[str]] | None = None,
    chosen: list[int] | None = None,
    nomination: NominationForm | None = None,
) -> Any:
    session, moment = current_session(), now()
    st = my_standing()
    election = elections.get_election(session, current_user, election_id, now=moment)
    can_vote = (
        policy.can_vote_in_elections(st)
        and election.status == "open"
        and moment < election.closes_at
    )
    mine = elections.my_choices(session, current_user, election.id, now=moment)
    return render_page(
        "elections/election.html",
        status,
        st=st,
        election=election,
        can_vote=can_vote,
        voted=mine is not None,
        chosen=chosen if chosen is not None else (mine or []),
        errors=errors or {},
        seat_classes=SEAT_CLASSES,
        seat_legends=SEAT_LEGENDS,
        nomination_form=_nomination_form(nomination) if policy.can_manage_elections(st) else None,
    )


@login_required
def election(election_id: int) -> Any:
    if request.method == "GET":
        return _election_page(election_id)
    require(ConfirmForm().validate_on_submit(), hidden=True)
    session = current_session()
    picked: list[int] = []
    for raw in request.form.getlist("candidate"):
        if raw.isdigit() and len(raw) < 19:
            picked.append(int(raw))
    try:
        elections.cast_election_ballot(
            session, current_user, election_id, candidate_ids=picked, now=now()
        )
    except Invalid as exc:
        session.rollback()
        return _election_page(election_id, 422, errors=exc.errors, chosen=picked)
    flash("Your vote is in. You can change it until voting closes.", "success")
    return redirect(url_for("governance.election", election_id=election_id))


@login_required
def nominate(election_id: int) -> Any:
    require(policy.can_manage_elections(my_standing()), hidden=True)
    session = current_session()
    form = _nomination_form(NominationForm(prefix="nominate"))
    if form.validate_on_submit():
        try:
            born_on = date.fromisoformat((form.born_on.data or "").strip())
        except ValueError:
            form.born_on.errors = ["Please give a date as YYYY-MM-DD."]
        else:
            try:
                elections.nominate(
                    session,
                    current_user,
                    election_id,
                    member_id=form.member_id.data or 0,
                    born_on=born_on,
                    age_checked=bool(form.age_checked.data),
                    now=now(),
                )
            except DomainError as exc:
                session.rollback()
                apply_errors(form, exc)
            else:
                flash("They are standing in this election.", "success")
                return redirect(url_for("governance.election", election_id=election_id))
    return _election_page(election_id, 422, nomination=form)


@login_required
def open_election(election_id: int) -> BaseResponse:
    require(ConfirmForm().validate_on_submit(), hidden=True)
    elections.open_election(current_session(), current_user, election_id, now=now())
    flash("Voting is open.", "success")
    return redirect(url_for("governance.election", election_id=election_id))


@login_required
def close_election(election_id: int) -> BaseResponse:
    require(ConfirmForm().validate_on_submit(), hidden=True)
    elections.close_now(current_session(), current_user, election_id, now=now())
    flash("Voting is closed and the result is stored.", "success")
    return redirect(url_for("governance.election_result", election_id=election_id))


@login_required
def election_result(election_id: int) -> Any:
    session, moment = current_session(), now()
    election = elections.get_election(session, current_user, election_id, now=moment)
    view = elections.result_view(session, current_user, election_id, now=moment)
    names = {c.id: c.member.name for c in election.candidates}
    return render_page(
        "elections/result.html",
        election=election,
        result=view,
        names=names,
        seat_classes=SEAT_CLASSES,
        seat_legends=SEAT_LEGENDS,
    )
