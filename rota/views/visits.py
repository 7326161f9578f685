"""The rota's pages, phone first: a team's week and month, a visit (answer, join, change, cancel,
swap, cover), planning a visit or a repeating pattern, and "My visits" across every team.
Views stay thin: find the person's standing, call the service, render. Warnings are shown after
saving and never block here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coop.clock import describe_span, zone
from coop.db import current_session
from coop.errors import Conflict, DomainError, Invalid
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user
from rota import policy
from rota.models import Pattern, Swap, Visit
from rota.services import cover, patterns, swaps, visits
from rota.views import bp
from teams.models import Membership, Team
from teams.policy import Standing
from teams.services.members import teams_of
from teams.services.standing import find_team, require

REQUIRED = "Please fill this in."
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KIND_WORDS = {"visit": "Visit", "trial": "Trial visit", "sleep_in": "Sleep-in"}
OPEN_CHOICE = SelectChoice("", "Nobody yet (open to anyone)")
MY_DAYS = 14


# Forms -----------------------------------------------------------------------------------------


class VisitForm(FlaskForm):
    day = DateField("Day", validators=[InputRequired(REQUIRED)])
    start = TimeField(
        "Start time", validators=[InputRequired(REQUIRED)], description="Local time, e.g. 09:00."
    )
    minutes = IntegerField(
        "How long, in minutes",
        validators=[InputRequired(REQUIRED), NumberRange(15, 24 * 60, "Between 15 and 1440.")],
        default=60,
    )
    worker_id = SelectField("Who", validate_choice=False)
    kind = RadioField(
        "What kind of visit",
        choices=[SelectChoice(k, w) for k, w in KIND_WORDS.items()],
        default="visit",
        validate_choice=False,
    )
    notes = TextAreaField(
        "What the visit is for",
        validators=[Length(max=2000)],
        description="Everyone in the team sees this.",
    )
    includes_medicines = BooleanField("This visit includes medicines")


class ChangeForm(VisitForm):
    which = RadioField(
        "Change which visits",
        choices=[
            SelectChoice("this", "Just this visit"),
            SelectChoice("after", "This and the ones after"),
        ],
        default="this",
        validate_choice=False,
    )


class PatternForm(FlaskForm):
    frequency = RadioField(
        "How often",
        choices=[
            SelectChoice("weekly", "Every week"),
            SelectChoice("fortnightly", "Every other week"),
        ],
        default="weekly",
        validate_choice=False,
    )
    weekdays = SelectMultipleField(
        "On which days",
        choices=[SelectChoice(str(i), d) for i, d in enumerate(WEEKDAYS)],
        coerce=int,
        validate_choice=False,
    )
    start = TimeField(
        "Start time", validators=[InputRequired(REQUIRED)], description="Local time, e.g. 09:00."
    )
    minutes = IntegerField(
        "How long, in minutes",
        validators=[InputRequired(REQUIRED), NumberRange(15, 24 * 60, "Between 15 and 1440.")],
        default=60,
    )
    starts_on = DateField("First day", validators=[InputRequired(REQUIRED)])
    ends_on = DateField(
        "Last day (if it ends)", validators=[Optional()], description="Leave empty to keep going."
    )
    worker_id = SelectField("Who", validate_choice=False)
    notes = TextAreaField("What the visits are for", validators=[Length(max=2000)])


class SwapForm(FlaskForm):
    to_user_id = SelectField(
        "Who could take it",
        validators=[DataRequired("Please choose someone.")],
        validate_choice=False,
    )


# Helpers ---------------------------------------------------------------------------------------


_me = signed_in_user


def _team(team_id: int) -> Standing:
    s = find_team(current_session(), _me(), team_id, now())
    require(policy.can_view_rota(s), hidden=True)
    return s


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone())


def _bookable(session: Session, team: Team, moment: datetime) -> list[Membership]:
    return [
        m
        for m in session.scalars(
            select(Membership)
            .where(
                Membership.team_id == team.id,
                Membership.status == "active",
                Membership.bookable.is_(True),
                Membership.user_id.is_not(None),
            )
            .order_by(Membership.id)
        )
        if m.leaves_at is None or m.leaves_at > moment
    ]


def _people_choices(session: Session, team: Team, *, allow_open: bool = True) -> list[SelectChoice]:
    people = [SelectChoice(str(m.user_id), m.name) for m in _bookable(session, team, now())]
    return [OPEN_CHOICE, *people] if allow_open else people


def _worker(form_value: str | None) -> int | None:
    return int(form_value) if form_value and form_value.isdigit() else None


def _flash_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        flash(warning, "warning")


def _failed(form: FlaskForm, exc: DomainError) -> None:
    """Nothing of a refused change is kept; what the person typed goes back on the form, and
    the page answers with the refusal's status (409 for a double booking)."""
    form.refused_status = exc.status
    current_session().rollback()
    for old, new in (("starts_at", "start"), ("ends_at", "minutes")):
        if old in exc.errors:
            exc.errors.setdefault(new, []).extend(exc.errors.pop(old))
    apply_errors(form, exc)


def _by_day(items: list[Visit], first: date, days: int) -> list[tuple[date, list[Visit]]]:
    grouped: dict[date, list[Visit]] = {first + timedelta(days=n): [] for n in range(days)}
    for visit in items:
        day = visit.starts_at.astimezone(zone()).date()
        if day in grouped:
            grouped[day].append(visit)
    return list(grouped.items())


def _visit_url(visit: Visit) -> str:
    return url_for("rota.visit", visit_id=visit.id)


def _visit_and_standing(visit_id: int) -> tuple[Visit, Standing]:
    return visits.find_visit(current_session(), _me(), visit_id, now())


@bp.context_processor
def _words() -> dict[str, Any]:
    return {
        "rota_policy": policy,
        "kind_words": KIND_WORDS,
        "weekday_names": WEEKDAYS,
        "describe_span": describe_span,
        "tz": zone(),
    }


# A team's week and month -----------------------------------------------------------------------


def _day_arg(name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(404)


@login_required
def week(team_id: int) -> ResponseReturnValue:
    s = _team(team_id)
    today = now().astimezone(zone()).date()
    first = _day_arg("start", today)
    first -= timedelta(days=first.weekday())
    found = visits.team_visits(
        current_session(), s, _local_start(first), _local_start(first + timedelta(days=7))
    )
    return render_template(
        "rota/week.html",
        s=s,
        team=s.team,
        first=first,
        days=_by_day(found, first, 7),
        today=today,
        previous=first - timedelta(days=7),
        following=first + timedelta(days=7),
        swaps_waiting=swaps.team_swaps(current_session(), s.team),
    )


@login_required
def month(team_id: int) -> ResponseReturnValue:
    s = _team(team_id)
    today = now().astimezone(zone()).date()
    raw = request.args.get("month", "")
    try:
        first = date.fromisoformat(raw + "-01") if raw else today.replace(day=1)
    except ValueError:
        abort(404)
    following = (first + timedelta(days=32)).replace(day=1)
    found = visits.team_visits(current_session(), s, _local_start(first), _local_start(following))
    days = [(d, vs) for d, vs in _by_day(found, first, (following - first).days) if vs]
    return render_template(
        "rota/month.html",
        s=s,
        team=s.team,
        first=first,
        days=days,
        previous=(first - timedelta(days=1)).replace(day=1),
        following=following,
    )


# A visit ---------------------------------------------------------------------------------------


def _visit_page(
    visit: Visit, s: Standing, *, swap_form: SwapForm | None = None, status: int = 200
) -> ResponseReturnValue:
    session = current_session()
    pending = swaps.pending_swap(session, visit)
    if swap_form is None:
        swap_form = SwapForm(formdata=None)
    me = _me()
    swap_form.to_user_id.choices = [
        c for c in _people_choices(session, s.team, allow_open=False) if c.value != str(me.id)
    ]
    suggestions = (
        cover.suggest_cover(session, s, visit, now=now())
        if visit.status == "open" and policy.can_plan_rota(s)
        else []
    )
    return render_template(
        "rota/visit.html",
        s=s,
        team=s.team,
        visit=visit,
        me=me,
        pending=pending,
        swap_form=swap_form,
        suggestions=suggestions,
        pattern=session.get(Pattern, visit.pattern_id) if visit.pattern_id else None,
        may_swap=policy.can_ask_swap(s, visit) and pending is None and swap_form.to_user_id.choices,
    ), status


@login_required
def visit(visit_id: int) -> ResponseReturnValue:
    found, s = _visit_and_standing(visit_id)
    return _visit_page(found, s)


@login_required
def answer_visit(visit_id: int) -> ResponseReturnValue:
    found, s = _visit_and_standing(visit_id)
    yes = request.form.get("answer") == "yes"
    visits.answer_visit(current_session(), s, found, yes=yes, now=now())
    flash(
        "Thank you: you said yes to this visit." if yes else "You said no to this visit.", "success"
    )
    return redirect(_visit_url(found))


@login_required
def join_visit(visit_id: int) -> ResponseReturnValue:
    found, s = _visit_and_standing(visit_id)
    visits.join_visit(current_session(), s, found, now=now())
    flash("The visit is yours. Thank you.", "success")
    return redirect(_visit_url(found))


@login_required
def offer_visit(visit_id: int) -> ResponseReturnValue:
    """Offer an open visit to someone from the cover suggestions."""
    found, s = _visit_and_standing(visit_id)
    person = _worker(request.form.get("worker_id"))
    if person is None:
        raise Invalid("Please choose someone to offer the visit to.")
    planned = visits.change_visit(current_session(), s, found, now=now(), worker_id=person)
    flash("The visit has been offered. They will be asked to say yes or no.", "success")
    _flash_warnings(planned.warnings)
    return redirect(_visit_url(found))


def _change_form(visit: Visit, formdata: Any = None) -> ChangeForm:
    local = visit.starts_at.astimezone(zone())
    form = ChangeForm(
        formdata=formdata,
        data={
            "day": local.date(),
            "start": local.time().replace(tzinfo=None),
            "minutes": visit.minutes,
            "worker_id": str(visit.worker_id or ""),
            "notes": visit.notes,
            "includes_medicines": visit.includes_medicines,
            "kind": visit.kind,
        },
    )
    form.worker_id.choices = _people_choices(current_session(), _team_of(visit))
    return form


def _team_of(visit: Visit) -> Team:
    return current_session().get_one(Team, visit.team_id)


@login_required
def change_visit(visit_id: int) -> ResponseReturnValue:
    found, s = _visit_and_standing(visit_id)
    require(policy.can_change_visit(s, found), detail="This visit cannot be changed.")
    form = _change_form(found, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            if form.which.data == "after" and found.pattern_id is not None:
                _change_this_and_after(s, found, form)
                flash("This visit and the ones after it have been changed.", "success")
            else:
                _change_just_this(s, found, form)
                flash("The visit has been changed.", "success")
        except (Invalid, Conflict) as exc:
            _failed(form, exc)
        else:
            return redirect(url_for("rota.week", team_id=s.team.id, start=form.day.data))
    status = getattr(form, "refused_status", 422) if request.method == "POST" else 200
    return render_template("rota/change.html", s=s, team=s.team, visit=found, form=form), status


def _change_just_this(s: Standing, visit: Visit, form: ChangeForm) -> None:
    if not (form.day.data and form.start.data and form.minutes.data):
        raise Invalid("Please fill in every part of the form.")
    starts_at = datetime.combine(form.day.data, form.start.data, tzinfo=zone())
    planned = visits.change_visit(
        current_session(),
        s,
        visit,
        now=now(),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=form.minutes.data),
        worker_id=_worker(form.worker_id.data),
        notes=form.notes.data or "",
        includes_medicines=form.includes_medicines.data,
    )
    _flash_warnings(planned.warnings)


def _change_this_and_after(s: Standing, visit: Visit, form: ChangeForm) -> None:
    """End the pattern from this visit's day, then a new pattern from that day takes over with
    the new time, length, person and notes, on the same days of the week."""
    if not (form.start.data and form.minutes.data):
        raise Invalid("Please fill in every part of the form.")
    session = current_session()
    old = session.get_one(Pattern, visit.pattern_id)
    day = (visit.occurrence_at or visit.starts_at).astimezone(zone()).date()
    if form.day.data != visit.starts_at.astimezone(zone()).date():
        raise Invalid(
            "The visits were not changed.",
            errors={
                "day": [
                    "To move visits to other days of the week, change just this visit, or "
                    "make a new repeating pattern."
                ]
            },
        )
    last_day = old.ends_on
    patterns.end_pattern_from(session, s, visit, now=now())
    _pattern, notes = patterns.create_pattern(
        session,
        s,
        frequency=old.frequency,
        weekdays=list(old.weekdays),
        local_start=form.start.data,
        minutes=form.minutes.data,
        starts_on=day,
        ends_on=last_day,
        worker_id=_worker(form.worker_id.data),
        kind=old.kind,
        notes=form.notes.data or "",
        includes_medicines=form.includes_medicines.data,
        now=now(),
    )
    _flash_warnings(notes)


@login_required
def cancel_visit(visit_id: int) -> ResponseReturnValue:
    found, s = _visit_and_standing(visit_id)
    require(policy.can_change_visit(s, found), detail="This visit cannot be cancelled.")
    if request.method == "GET":
        who = f" {found.worker.display_name} will be told." if found.worker else ""
        return render_template(
            "confirm.html",
            heading="Cancel this visit?",
            explanation=f"The visit on {describe_span(found.starts_at, found.ends_at)} will be "
            f"cancelled.{who}",
            action=url_for("rota.cancel_visit", visit_id=found.id),
            button="Yes, cancel the visit",
            back=_visit_url(found),
        )
    visits.cancel_visit(current_session(), s, found, now=now())
    flash("The visit has been cancelled.", "success")
    return redirect(_visit_url(found))


# Swaps -----------------------------------------------------------------------------------------


@login_required
def ask_swap(visit_id: int) -> ResponseReturnValue:
    found, s = _visit_and_standing(visit_id)
    form = SwapForm()
    form.to_user_id.choices = _people_choices(current_session(), s.team, allow_open=False)
    if form.validate_on_submit():
        try:
            swap = swaps.ask_swap(
                current_session(),
                s,
                found,
                to_user_id=_worker(form.to_user_id.data) or 0,
                now=now(),
            )
        except (Invalid, Conflict) as exc:
            _failed(form, exc)
        else:
            flash(f"We have asked {swap.to_user.display_name} whether they can take it.", "success")
            return redirect(_visit_url(found))
    return _visit_page(found, s, swap_form=form, status=getattr(form, "refused_status", 422))


def _swap(swap_id: int) -> tuple[Swap, Standing]:
    return swaps.find_swap(current_session(), _me(), swap_id, now())


@login_required
def answer_swap(swap_id: int) -> ResponseReturnValue:
    swap, s = _swap(swap_id)
    yes = request.form.get("answer") == "yes"
    swaps.answer_swap(current_session(), s, swap, yes=yes, now=now())
    flash(
        "Thank you. The visit moves to you once the rota holder approves."
        if yes
        else "You said you cannot take it.",
        "success",
    )
    return redirect(_visit_url(swap.visit))


@login_required
def approve_swap(swap_id: int) -> ResponseReturnValue:
    swap, s = _swap(swap_id)
    yes = request.form.get("answer") != "no"
    swaps.approve_swap(current_session(), s, swap, yes=yes, now=now())
    flash(
        f"Approved: the visit is now {swap.to_user.display_name}'s."
        if yes
        else "The swap was not approved; the visit stays as it was.",
        "success",
    )
    return redirect(_visit_url(swap.visit))


@login_required
def withdraw_swap(swap_id: int) -> ResponseReturnValue:
    swap, s = _swap(swap_id)
    swaps.withdraw_swap(current_session(), s, swap, now=now())
    flash("You took back your swap request. The visit stays with you.", "success")
    return redirect(_visit_url(swap.visit))


# Planning --------------------------------------------------------------------------------------


@login_required
def plan_visit(team_id: int) -> ResponseReturnValue:
    s = _team(team_id)
    require(
        policy.can_plan_rota(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can plan visits.",
    )
    form = VisitForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.day.data = _day_arg("day", now().astimezone(zone()).date() + timedelta(days=1))
    form.worker_id.choices = _people_choices(current_session(), s.team)
    if request.method == "POST" and form.validate_on_submit():
        if not (form.day.data and form.start.data and form.minutes.data):
            raise Invalid("Please fill in every part of the form.")
        starts_at = datetime.combine(form.day.data, form.start.data, tzinfo=zone())
        try:
            planned = visits.plan_visit(
                current_session(),
                s,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=form.minutes.data),
                worker_id=_worker(form.worker_id.data),
                kind=form.kind.data or "visit",
                notes=form.notes.data or "",
                includes_medicines=form.includes_medicines.data,
                now=now(),
            )
        except (Invalid, Conflict) as exc:
            _failed(form, exc)
        else:
            flash("The visit is on the rota.", "success")
            _flash_warnings(planned.warnings)
            return redirect(url_for("rota.week", team_id=s.team.id, start=form.day.data))
    status = getattr(form, "refused_status", 422) if request.method == "POST" else 200
    return render_template("rota/plan_visit.html", s=s, team=s.team, form=form), status


@login_required
def new_pattern(team_id: int) -> ResponseReturnValue:
    s = _team(team_id)
    require(
        policy.can_plan_rota(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can plan visits.",
    )
    form = PatternForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.starts_on.data = now().astimezone(zone()).date() + timedelta(days=1)
    form.worker_id.choices = _people_choices(current_session(), s.team)
    if request.method == "POST" and form.validate_on_submit():
        if not (form.start.data and form.minutes.data and form.starts_on.data):
            raise Invalid("Please fill in every part of the form.")
        try:
            _pattern, notes = patterns.create_pattern(
                current_session(),
                s,
                frequency=form.frequency.data or "",
                weekdays=list(form.weekdays.data or []),
                local_start=form.start.data,
                minutes=form.minutes.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                worker_id=_worker(form.worker_id.data),
                notes=form.notes.data or "",
                now=now(),
            )
        except (Invalid, Conflict) as exc:
            _failed(form, exc)
        else:
            flash("The repeating visits are on the rota.", "success")
            _flash_warnings(notes)
            return redirect(url_for("rota.week", team_id=s.team.id, start=form.starts_on.data))
    status = getattr(form, "refused_status", 422) if request.method == "POST" else 200
    return render_template("rota/new_pattern.html", s=s, team=s.team, form=form), status


# My visits -------------------------------------------------------------------------------------


@login_required
def my_visits() -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    today = moment.astimezone(zone()).date()
    found = visits.my_visits(
        session, me, _local_start(today), _local_start(today + timedelta(days=MY_DAYS))
    )
    mine = [v for v in found if v.worker_id == me.id and v.ends_at > moment]
    could_join = [v for v in found if v.status == "open" and v.ends_at > moment]
    teams = {t.id: t for t in teams_of(session, me, moment)}
    for v in found:
        if v.team_id not in teams:
            team = session.get_one(Team, v.team_id)
            teams[team.id] = team
    return render_template(
        "rota/my_visits.html",
        me=me,
        days=[(d, vs) for d, vs in _by_day(mine, today, MY_DAYS) if vs],
        could_join=could_join,
        teams=teams,
        my_teams=teams_of(session, me, moment),
        swaps_for_me=swaps.swaps_for(session, me),
        today=today,
    )
