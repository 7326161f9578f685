"""The day-to-day of a visit, phone first: "I've arrived", "I'm leaving", the discreet "I need
help", and the visit log (write it; confirm it or raise a query; resolve the query).

The visit page includes `rota/_visit_work.html`, which asks `visit_work(visit, standing)` for
what to show; `/rota/visits/<id>/log` shows the same on its own page. Each button is a single
POST (help must be quick); every rule lives in `rota.services.day_to_day`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length

from coop.clock import describe_span, local
from coop.db import current_session
from coop.errors import DomainError, NotFound
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user, writes
from rota import policy
from rota.models import Visit, VisitLog
from rota.services import day_to_day as work
from rota.services.visits import find_visit
from rota.views import bp
from teams.policy import Standing

LONGEST = work.LONGEST_TEXT


# Forms (the site-wide CSRF check covers every POST; the buttons carry the token themselves) ----


class VisitLogForm(FlaskForm):
    class Meta:
        csrf = False

    what_was_done = TextAreaField(
        "What was done",
        validators=[DataRequired("Please say what was done at the visit."), Length(max=LONGEST)],
        description="For example: breakfast, a shower, a walk to the shops.",
    )
    notes = TextAreaField(
        "Anything else the team should know",
        validators=[Length(max=LONGEST)],
        description="Optional.",
    )
    flags = SelectMultipleField(
        "Tick any that apply",
        choices=[SelectChoice(k, w) for k, w in work.LOG_FLAGS.items()],
    )


class QueryForm(FlaskForm):
    class Meta:
        csrf = False

    comment = TextAreaField(
        "Your question about this log",
        validators=[DataRequired("Please say what you would like to ask."), Length(max=LONGEST)],
        description="The person who wrote it sees this, and so does anyone who can read the log.",
    )


def _log_form(log: VisitLog | None, formdata: Any = None) -> VisitLogForm:
    form = VisitLogForm(formdata=formdata, prefix="log")
    if formdata is None and log is not None:
        form.what_was_done.data, form.notes.data, form.flags.data = (
            log.what_was_done,
            log.notes,
            list(log.flags),
        )
    return form


# What the page shows -----------------------------------------------------------------------------


@dataclass
class VisitWork:
    """Everything `_visit_work.html` needs about one visit for the person looking at it."""

    visit: Visit
    s: Standing
    now: datetime
    is_worker: bool
    can_arrive: bool
    arrive_opens_at: datetime
    can_leave: bool
    can_help: bool
    log: VisitLog | None
    log_readable: bool  # here, on this page
    log_elsewhere: bool  # an outside reader: the log page logs the read first
    can_write_log: bool
    can_review: bool
    log_form: VisitLogForm
    query_form: QueryForm
    flag_words: dict[str, str]

    @property
    def shown(self) -> bool:
        return policy.can_view_rota(self.s) or self.is_worker or self.log_readable

    @property
    def log_shown(self) -> bool:
        """A log section only where a log is, or could be, written: not on future visits of
        other people, nor on open, offered or cancelled ones."""
        started = self.now >= self.visit.starts_at and self.visit.status in ("accepted", "done")
        return self.log is not None or self.log_elsewhere or self.is_worker or started

    @property
    def before_window(self) -> bool:
        return self.is_worker and self.visit.arrived_at is None and self.now < self.arrive_opens_at


def visit_work(
    visit: Visit,
    s: Standing,
    *,
    log_form: VisitLogForm | None = None,
    query_form: QueryForm | None = None,
    outside_reads_logged: bool = False,
) -> VisitWork:
    session, moment = current_session(), now()
    try:
        log = work.read_log(session, s, visit, moment, log_outside_reads=outside_reads_logged)
        readable = True
    except NotFound:
        log, readable = None, False
    elsewhere = readable and log is None and work.find_log(session, visit) is not None
    return VisitWork(
        visit=visit,
        s=s,
        now=moment,
        is_worker=policy.can_work_visit(s, visit),
        can_arrive=work.can_arrive_now(s, visit, moment),
        arrive_opens_at=work.arrival_window(visit)[0],
        can_leave=work.can_leave_now(s, visit),
        can_help=work.can_call_for_help_now(s, visit, moment),
        log=log,
        log_readable=readable and not elsewhere,
        log_elsewhere=elsewhere,
        can_write_log=work.can_write_log_now(s, visit, log, moment),
        can_review=work.can_review_this_log(s, log),
        log_form=log_form or _log_form(log),
        query_form=query_form or QueryForm(formdata=None, prefix="query"),
        flag_words=work.LOG_FLAGS,
    )


@bp.app_context_processor
def _visit_work_helpers() -> dict[str, Any]:
    return {"visit_work": visit_work, "clock_time": _at}


# Helpers ---------------------------------------------------------------------------------------


_me = signed_in_user


def _visit(visit_id: int) -> tuple[Visit, Standing]:
    return find_visit(current_session(), _me(), visit_id, now())


def _back(visit: Visit) -> ResponseReturnValue:
    """Back to where the button was: the visit log page, or the visit's own page."""
    if request.form.get("back") != "log" and "rota.visit" in current_app.view_functions:
        return redirect(url_for("rota.visit", visit_id=visit.id))
    return redirect(url_for("rota.visit_log", visit_id=visit.id))


def _log_page(visit: Visit, s: Standing, *, status: int = 200, **forms: Any) -> ResponseReturnValue:
    shown = visit_work(visit, s, outside_reads_logged=True, **forms)
    if not shown.shown:
        raise NotFound("We could not find that visit.")
    back = (
        url_for("rota.visit", visit_id=visit.id)
        if "rota.visit" in current_app.view_functions
        else url_for("home.index")
    )
    return render_template(
        "rota/day/visit_log.html",
        visit=visit,
        standing=s,
        team=s.team,
        work=shown,
        when=describe_span(visit.starts_at, visit.ends_at),
        back_url=back,
    ), status


def _at(moment: datetime | None) -> str:
    return f"{local(moment):%H:%M}" if moment else ""


# Arriving, leaving, asking for help --------------------------------------------------------------


@login_required
def arrive_at_visit(visit_id: int) -> ResponseReturnValue:
    visit, s = _visit(visit_id)
    work.arrive(current_session(), s, visit, now=now())
    flash(f"Thank you. We've noted that you arrived at {_at(visit.arrived_at)}.", "success")
    return _back(visit)


@login_required
def leave_visit(visit_id: int) -> ResponseReturnValue:
    visit, s = _visit(visit_id)
    work.leave(current_session(), s, visit, now=now())
    flash(
        f"Thank you. We've noted that you left at {_at(visit.left_at)}. "
        "Please write the visit log if you haven't yet.",
        "success",
    )
    return _back(visit)


@login_required
def ask_for_help(visit_id: int) -> ResponseReturnValue:
    visit, s = _visit(visit_id)
    work.call_for_help(
        current_session(), s, visit, now=now(), base_url=current_app.config["CARECOOP_BASE_URL"]
    )
    flash(
        "We've told the facilitator on call. They will contact you as soon as they can. "
        "If you or anyone else is in danger, call 999.",
        "info",
    )
    return _back(visit)


# The visit log -----------------------------------------------------------------------------------


@login_required
@writes  # a read from outside the team is logged for the leader
def visit_log(visit_id: int) -> ResponseReturnValue:
    visit, s = _visit(visit_id)
    if request.method == "GET":
        return _log_page(visit, s)
    session = current_session()
    form = _log_form(None, request.form)
    status = 422
    if form.validate():
        try:
            work.write_log(
                session,
                s,
                visit,
                what_was_done=form.what_was_done.data or "",
                notes=form.notes.data or "",
                flags=form.flags.data or [],
                now=now(),
            )
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            session.rollback()
            apply_errors(form, exc)
            status = exc.status
        else:
            flash("Thank you. The visit log is saved.", "success")
            return _back(visit)
    return _log_page(visit, s, status=status, log_form=form)


@login_required
def confirm_visit_log(visit_id: int) -> ResponseReturnValue:
    visit, s = _visit(visit_id)
    work.confirm_log(current_session(), s, visit, now=now())
    flash("The visit log is confirmed.", "success")
    return _back(visit)


@login_required
def query_visit_log(visit_id: int) -> ResponseReturnValue:
    visit, s = _visit(visit_id)
    session = current_session()
    form = QueryForm(request.form, prefix="query")
    if form.validate():
        try:
            work.query_log(session, s, visit, comment=form.comment.data or "", now=now())
        except DomainError as exc:
            if exc.status != 422:
                raise
            session.rollback()
            apply_errors(form, exc)
        else:
            flash(
                "Your query is raised. The person who wrote the log has been asked to answer it.",
                "success",
            )
            return _back(visit)
    return _log_page(visit, s, status=422, query_form=form)


@login_required
def resolve_visit_log_query(visit_id: int) -> ResponseReturnValue:
    visit, s = _visit(visit_id)
    work.resolve_query(current_session(), s, visit, now=now())
    flash("The query is marked as resolved.", "success")
    return _back(visit)
