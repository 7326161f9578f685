"""Availability and leave pages, phone first: "My availability and leave" (a weekly form and a
leave list), a team's "Availability" for those who plan its rota, and "Pause visits (hospital
stay)" with a confirm page that says how many visits will be cancelled."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, TimeField
from wtforms.validators import InputRequired, Optional

from coop.clock import local
from coop.db import current_session
from coop.errors import Invalid
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user
from rota import policy
from rota.services import availability
from rota.services.availability import WEEKDAYS, Window
from teams.policy import Standing
from teams.services.standing import find_team, require

REQUIRED = "Please fill this in."
SLOTS = (1, 2)


# Forms -----------------------------------------------------------------------------------------


class WeekForm(FlaskForm):
    """Per weekday, up to two windows, each an optional "from" and "to" (local times). The
    fields are added below: `day0_1_from`, `day0_1_to`, ... `day6_2_to`."""


for _day, _name in enumerate(WEEKDAYS):
    for _slot in SLOTS:
        _which = "" if _slot == 1 else " (a second time)"
        setattr(
            WeekForm,
            f"day{_day}_{_slot}_from",
            TimeField(f"{_name}{_which}: free from", validators=[Optional()]),
        )
        setattr(
            WeekForm,
            f"day{_day}_{_slot}_to",
            TimeField(f"{_name}{_which}: free until", validators=[Optional()]),
        )


class LeaveForm(FlaskForm):
    first_day = DateField("First day of leave", validators=[InputRequired(REQUIRED)])
    last_day = DateField(
        "Last day of leave",
        validators=[InputRequired(REQUIRED)],
        description="The same as the first day for a single day.",
    )


class PauseForm(FlaskForm):
    reason = RadioField(
        "Why are visits paused",
        choices=[
            SelectChoice("hospital", "A hospital stay"),
            SelectChoice("other", "Something else"),
        ],
        default="hospital",
        validate_choice=False,
    )
    first_day = DateField("First day with no visits", validators=[InputRequired(REQUIRED)])
    last_day = DateField(
        "Last day with no visits",
        validators=[InputRequired(REQUIRED)],
        description="If you do not know yet, give your best guess: you can end the pause early.",
    )


class EndPauseForm(FlaskForm):
    last_day = DateField("New last day with no visits", validators=[InputRequired(REQUIRED)])


# Helpers ---------------------------------------------------------------------------------------


_me = signed_in_user


def _planner(team_id: int) -> Standing:
    s = find_team(current_session(), _me(), team_id, now())
    require(policy.can_view_rota(s), hidden=True)
    require(
        policy.can_plan_rota(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can do this.",
    )
    return s


def _refused(form: FlaskForm, exc: Invalid, renames: dict[str, str] | None = None) -> None:
    current_session().rollback()
    for old, new in (renames or {}).items():
        if old in exc.errors:
            exc.errors.setdefault(new, []).extend(exc.errors.pop(old))
    apply_errors(form, exc)


def _week_form(formdata: Any = None) -> WeekForm:
    data: dict[str, time] = {}
    used: dict[int, int] = {}
    for row in availability.my_availability(current_session(), _me()):
        slot = used[row.weekday] = used.get(row.weekday, 0) + 1
        if slot in SLOTS:
            data[f"day{row.weekday}_{slot}_from"] = row.starts
            data[f"day{row.weekday}_{slot}_to"] = row.ends
    return WeekForm(formdata=formdata, data=data)


def _windows(form: WeekForm) -> list[Window]:
    """The windows the form holds. Raises Invalid for a "from" without a "to" or the other way
    round."""
    found: list[Window] = []
    errors: dict[str, list[str]] = {}
    for day in range(7):
        for slot in SLOTS:
            start = getattr(form, f"day{day}_{slot}_from").data
            end = getattr(form, f"day{day}_{slot}_to").data
            if start is None and end is None:
                continue
            if start is None or end is None:
                missing = f"day{day}_{slot}_from" if start is None else f"day{day}_{slot}_to"
                errors[missing] = ["Please give both times, or neither."]
                continue
            found.append(Window(day, start, end))
    if errors:
        raise Invalid("Your availability was not saved.", errors=errors)
    return found


def _my_page(
    week_form: WeekForm | None = None, leave_form: LeaveForm | None = None, status: int = 200
) -> ResponseReturnValue:
    moment = now()
    return render_template(
        "rota/availability/mine.html",
        week_form=week_form or _week_form(),
        leave_form=leave_form or LeaveForm(formdata=None),
        leave=availability.my_leave(current_session(), _me(), now=moment),
        today=local(moment).date(),
        weekdays=WEEKDAYS,
        slots=SLOTS,
    ), status


# My availability and leave ---------------------------------------------------------------------


@login_required
def my_availability() -> ResponseReturnValue:
    return _my_page()


@login_required
def set_my_availability() -> ResponseReturnValue:
    form = _week_form(request.form)
    if form.validate_on_submit():
        try:
            windows = _windows(form)
            availability.set_availability(current_session(), _me(), windows, now=now())
        except Invalid as exc:
            _refused(form, exc, {f"day_{d}": f"day{d}_1_from" for d in range(7)})
        else:
            flash("Your availability is saved.", "success")
            return redirect(url_for("rota.my_availability"))
    return _my_page(week_form=form, status=422)


@login_required
def add_my_leave() -> ResponseReturnValue:
    form = LeaveForm()
    if form.validate_on_submit():
        if not (form.first_day.data and form.last_day.data):
            raise Invalid("Please fill in every part of the form.")
        try:
            availability.add_leave(
                current_session(),
                _me(),
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                now=now(),
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            flash("Your leave is saved.", "success")
            return redirect(url_for("rota.my_availability"))
    return _my_page(leave_form=form, status=422)


def _days_words(first: date, last: date) -> str:
    if first == last:
        return f"{first:%A} {first.day} {first:%B %Y}"
    return f"{first:%A} {first.day} {first:%B %Y} to {last:%A} {last.day} {last:%B %Y}"


@login_required
def remove_my_leave(leave_id: int) -> ResponseReturnValue:
    session = current_session()
    leave = availability.find_my_leave(session, _me(), leave_id)
    if request.method == "GET":
        return render_template(
            "confirm.html",
            heading="Remove this leave?",
            explanation=f"Your leave on {_days_words(leave.first_day, leave.last_day)} will be "
            "removed, and you may be offered visits on those days.",
            action=url_for("rota.remove_my_leave", leave_id=leave.id),
            button="Yes, remove the leave",
            back=url_for("rota.my_availability"),
        )
    availability.remove_leave(session, _me(), leave_id, now=now())
    flash("The leave has been removed.", "success")
    return redirect(url_for("rota.my_availability"))


# The team's availability -----------------------------------------------------------------------


@login_required
def team_availability(team_id: int) -> ResponseReturnValue:
    s = _planner(team_id)
    session, moment = current_session(), now()
    return render_template(
        "rota/availability/team.html",
        s=s,
        team=s.team,
        people=availability.team_availability(session, s, now=moment),
        pauses=availability.team_pauses(session, s, now=moment),
        weekdays=WEEKDAYS,
        days_words=_days_words,
    )


# Pausing visits (a hospital stay) --------------------------------------------------------------


@login_required
def pause_visits(team_id: int) -> ResponseReturnValue:
    """The form; posting it shows the confirm page (how many visits will be cancelled); the
    confirm page posts again with `confirmed=yes`, which pauses."""
    s = _planner(team_id)
    session = current_session()
    form = PauseForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.first_day.data = local(now()).date()
    if request.method == "POST" and form.validate_on_submit():
        if not (form.first_day.data and form.last_day.data):
            raise Invalid("Please fill in every part of the form.")
        first, last, reason = form.first_day.data, form.last_day.data, form.reason.data or ""
        try:
            if request.form.get("confirmed") == "yes":
                _pause, count = availability.pause_team(
                    session, s, first_day=first, last_day=last, reason=reason, now=now()
                )
                flash(
                    f"Visits are paused from {_days_words(first, last)}. "
                    f"{count} {'visit was' if count == 1 else 'visits were'} cancelled; "
                    "nobody is charged for them.",
                    "success",
                )
                return redirect(url_for("rota.team_availability", team_id=s.team.id))
            doomed = availability.preview_pause(
                session, s, first_day=first, last_day=last, reason=reason, now=now()
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            return render_template(
                "rota/availability/pause_confirm.html",
                s=s,
                team=s.team,
                form=form,
                doomed=doomed,
                booked=sorted({v.worker.display_name for v in doomed if v.worker}),
                span=_days_words(first, last),
            )
    status = 422 if request.method == "POST" else 200
    return render_template("rota/availability/pause.html", s=s, team=s.team, form=form), status


@login_required
def end_pause(team_id: int, pause_id: int) -> ResponseReturnValue:
    s = _planner(team_id)
    session = current_session()
    pause = availability.find_pause(session, s, pause_id)
    form = EndPauseForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.last_day.data = max(pause.first_day, local(now()).date() - timedelta(days=1))
    if request.method == "POST" and form.validate_on_submit():
        if not (form.last_day.data):
            raise Invalid("Please fill in every part of the form.")
        try:
            availability.end_pause_early(session, s, pause, last_day=form.last_day.data, now=now())
        except Invalid as exc:
            _refused(form, exc)
        else:
            flash(
                f"The pause now ends on {_days_words(pause.last_day, pause.last_day)}.", "success"
            )
            return redirect(url_for("rota.team_availability", team_id=s.team.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "rota/availability/end_pause.html",
        s=s,
        team=s.team,
        pause=pause,
        form=form,
        span=_days_words(pause.first_day, pause.last_day),
    ), status
