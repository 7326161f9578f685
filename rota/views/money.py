"""Pages for money and time on the rota: the team's personal budget, timesheets and invoices
(a list, one, approve after a confirm page, CSV), my own pay, and my calendar feed (its address,
details on or off, a new address). The calendar address itself needs no sign-in: its token is
the key. Views stay thin: find the person's standing, call the service, render."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import BooleanField, DateField, DecimalField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from coop.db import current_session
from coop.errors import DomainError, NotFound
from coop.models import User
from coop.registries import DashboardPanel
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user, writes
from rota import policy
from rota.models import Budget, PayPeriod
from rota.services import budget as personal_budget
from rota.services import calendar, figures, money, working_time
from rota.views import bp
from teams.models import Membership, Team
from teams.policy import Standing
from teams.services.standing import find_team, require

PERIOD_WORDS = {"four_weeks": "Every four weeks", "month": "Every month", "year": "Every year"}
SOURCE_WORDS = {
    "direct_payment": "Direct payment",
    "individual_service_fund": "Individual service fund (ISF)",
    "personal_health_budget": "Personal health budget",
    "own_money": "My own money",
}
KIND_WORDS = {"timesheet": "Timesheet", "invoice": "Invoice"}
REASON_WORDS = {
    "times": "arrival to leaving",
    "confirmed": "planned time (log confirmed)",
    "short_notice": "cancelled at short notice",
}
REQUIRED = "Please fill this in."


def figures_panel(session: Session, user: User, moment: datetime) -> str:
    return render_template(
        "rota/money/figures_panel.html",
        continuity=figures.continuity(session, moment),
        months=figures.hours_delivered(session, moment),
        month_label=figures.month_label,
        duration=figures.duration,
        min_group=figures.MIN_GROUP,
    )


#: The facilitators' dashboard panel of rota figures.
FIGURES_PANEL = DashboardPanel(
    "rota_figures",
    "Continuity and hours delivered",
    lambda user: user.is_active and user.has_role("facilitator"),
    figures_panel,
    order=40,
)


@bp.app_template_filter("pounds")
def _pounds(pence: int) -> str:
    return money.pounds(pence)


@bp.app_template_filter("duration")
def _duration(minutes: int) -> str:
    return figures.duration(minutes)


_me = signed_in_user


def _standing(team_id: int) -> Standing:
    return find_team(current_session(), _me(), team_id, now())


# The budget -----------------------------------------------------------------------------------


class BudgetForm(FlaskForm):
    amount = DecimalField(
        "Amount each period, in pounds",
        places=2,
        validators=[InputRequired(REQUIRED), NumberRange(0, 10_000_000, "£0 or more.")],
    )
    period = SelectField(
        "How often it comes",
        choices=[SelectChoice(k, w) for k, w in PERIOD_WORDS.items()],
        validate_choice=False,
    )
    source = SelectField(
        "Where it comes from",
        choices=[SelectChoice(k, w) for k, w in SOURCE_WORDS.items()],
        validate_choice=False,
    )
    contribution = DecimalField(
        "My own contribution each period, in pounds",
        places=2,
        default=Decimal(0),
        validators=[InputRequired(REQUIRED), NumberRange(0, 10_000_000, "£0 or more.")],
        description="The amount the council assessed you to pay yourself, if any.",
    )
    starts_on = DateField(
        "First day of the first period",
        validators=[InputRequired(REQUIRED)],
        description="Months and years run from this date; four-week periods in steps from it.",
    )


def _pence(amount: Decimal | None) -> int:
    return int((amount or Decimal(0)).quantize(Decimal("0.01")) * 100)


def _budget_page(
    s: Standing, form: BudgetForm | None = None, status: int = 200
) -> ResponseReturnValue:
    session = current_session()
    found = personal_budget.team_budget(session, s, now())
    if form is None:
        budget = session.scalar(select(Budget).where(Budget.team_id == s.team.id))
        form = BudgetForm(formdata=None)
        if budget is not None:
            form.amount.data = Decimal(budget.amount_pence) / 100
            form.contribution.data = Decimal(budget.contribution_pence) / 100
            form.period.data, form.source.data = budget.period, budget.source
            form.starts_on.data = budget.starts_on
        else:
            form.starts_on.data = now().date().replace(day=1)
    return render_template(
        "rota/money/budget.html",
        s=s,
        team=s.team,
        figures=found,
        form=form,
        may_set=policy.can_manage_budget(s),
        period_words=PERIOD_WORDS,
        source_words=SOURCE_WORDS,
    ), status


@login_required
def budget(team_id: int) -> ResponseReturnValue:
    return _budget_page(_standing(team_id))


@login_required
def set_budget(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_view_budget(s), hidden=True)
    require(
        policy.can_manage_budget(s),
        detail="Only the person who leads the team, or their representative, can set the budget.",
    )
    form = BudgetForm()
    if form.validate_on_submit():
        try:
            personal_budget.set_budget(
                current_session(),
                s,
                amount_pence=_pence(form.amount.data),
                contribution_pence=_pence(form.contribution.data),
                period=form.period.data or "",
                source=form.source.data or "",
                starts_on=form.starts_on.data,
                now=now(),
            )
        except DomainError as exc:
            current_session().rollback()
            apply_errors(form, exc)
        else:
            flash("The budget is saved.", "success")
            return redirect(url_for("rota.budget", team_id=team_id))
    return _budget_page(s, form, 422)


# Timesheets and invoices ----------------------------------------------------------------------


def _month_arg() -> str:
    return request.args.get("month") or money.month_of(now())


def _worker_names(periods: list[PayPeriod]) -> dict[int, str]:
    ids = {p.worker_id for p in periods} | {p.approved_by_id for p in periods if p.approved_by_id}
    if not ids:
        return {}
    return {
        u.id: u.display_name
        for u in current_session().scalars(select(User).where(User.id.in_(ids)))
    }


@login_required
def team_pay(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    month = _month_arg()
    periods = money.team_periods(current_session(), s, month)
    first = money.parse_month(month)
    return render_template(
        "rota/money/team_pay.html",
        s=s,
        team=s.team,
        month=month,
        month_label=figures.month_label(month),
        previous=f"{first - timedelta(days=1):%Y-%m}",
        following=f"{money.next_month(first):%Y-%m}",
        periods=periods,
        names=_worker_names(periods),
        kind_words=KIND_WORDS,
    )


@login_required
def pay_period(team_id: int, worker_id: int, month: str) -> ResponseReturnValue:
    s = money.pay_standing(current_session(), _me(), team_id, worker_id, now())
    period = money.find_period(current_session(), s, worker_id, month)
    return render_template(
        "rota/money/pay_period.html",
        s=s,
        team=s.team,
        period=period,
        month_label=figures.month_label(month),
        names=_worker_names([period]),
        kind_words=KIND_WORDS,
        reason_words=REASON_WORDS,
        may_approve=period.status == "draft"
        and bool(period.lines)
        and policy.can_approve_pay(s, worker_id),
        parse_time=datetime.fromisoformat,
    )


@login_required
def pay_period_csv(team_id: int, worker_id: int, month: str) -> ResponseReturnValue:
    s = money.pay_standing(current_session(), _me(), team_id, worker_id, now())
    period = money.find_period(current_session(), s, worker_id, month)
    name = f"{period.kind}-{team_id}-{worker_id}-{month}.csv"
    return Response(
        money.period_csv(period),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@login_required
def approve_pay(team_id: int, worker_id: int, month: str) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    period = money.find_period(session, s, worker_id, month)
    back = url_for("rota.pay_period", team_id=team_id, worker_id=worker_id, month=month)
    if request.method == "POST":
        money.approve_period(session, s, worker_id, month, now=now())
        flash(f"You approved this {period.kind}. Its visits cannot be changed now.", "success")
        return redirect(back)
    # Ask the same question as the POST, so that the confirm page is never shown in vain.
    require(
        policy.can_approve_pay(s, worker_id),
        detail="Only the person who leads the team, or their representative, can approve "
        "pay, and nobody can approve their own.",
    )
    name = _worker_names([period]).get(worker_id, "this worker")
    return render_template(
        "confirm.html",
        heading=f"Approve {name}'s {period.kind} for {figures.month_label(month)}?",
        explanation=f"{period.minutes // 60} h {period.minutes % 60:02d} min, "
        f"{money.pounds(period.amount_pence)}. Once approved, its visits cannot be changed.",
        action=url_for("rota.approve_pay", team_id=team_id, worker_id=worker_id, month=month),
        button=f"Yes, approve the {period.kind}",
        back=back,
    )


class RateForm(FlaskForm):
    rate = DecimalField(
        "Hourly rate, in pounds",
        places=2,
        validators=[InputRequired(REQUIRED), NumberRange(0, 1000, "Between £0 and £1,000.")],
    )
    effective_from = DateField(
        "From",
        validators=[InputRequired(REQUIRED)],
        description="Visits on and after this day are paid at this rate.",
    )


@login_required
def pay_rate(team_id: int, worker_id: int) -> ResponseReturnValue:
    session = current_session()
    employment = money.employment_in(session, worker_id, team_id)
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("We could not find that page.")
    require(policy.can_set_pay_rate(_me(), worker_id, employment), hidden=True)
    form = RateForm()
    status = 200
    if request.method == "GET":
        form.effective_from.data = now().date()
    elif form.validate_on_submit():
        try:
            money.set_pay_rate(
                session,
                _me(),
                team_id,
                worker_id,
                hourly_pence=_pence(form.rate.data),
                effective_from=form.effective_from.data,
                now=now(),
            )
        except DomainError as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("The rate is saved.", "success")
            return redirect(url_for("rota.pay_rate", team_id=team_id, worker_id=worker_id))
        status = 422
    else:
        status = 422
    worker = session.get(User, worker_id)
    return render_template(
        "rota/money/rate.html",
        team=team,
        worker=worker,
        own=worker_id == _me().id,
        rates=money.rates_of(session, worker_id, team_id),
        form=form,
    ), status


@login_required
def my_pay() -> ResponseReturnValue:
    month = _month_arg()
    session = current_session()
    periods = money.my_periods(session, _me(), month)
    teams = {
        t.id: t
        for t in session.scalars(select(Team).where(Team.id.in_([p.team_id for p in periods])))
    }
    mine = session.scalars(
        select(Membership)
        .where(
            Membership.user_id == _me().id,
            Membership.status == "active",
            Membership.employment == "independent",
        )
        .order_by(Membership.team_id)
    )
    today = now().date()
    rates = [(m.team, money.rate_for(session, _me().id, m.team_id, today)) for m in mine]
    return render_template(
        "rota/money/my_pay.html",
        rates=rates,
        month=month,
        month_label=figures.month_label(month),
        periods=periods,
        teams=teams,
        kind_words=KIND_WORDS,
    )


# My working time ------------------------------------------------------------------------------


class WorkingTimeForm(FlaskForm):
    date_of_birth = DateField(
        "Date of birth (optional)",
        validators=[Optional()],
        description="Only used for the working time rules for people under 18.",
    )
    opted_out = BooleanField(
        "I have signed the co-op's written opt-out of the 48-hour average week",
        description="You can withdraw it at any time by unticking this.",
    )


@login_required
def my_working_time() -> ResponseReturnValue:
    session = current_session()
    me = _me()
    details = working_time.details_of(session, me.id)
    form = WorkingTimeForm()
    if request.method == "GET":
        form.date_of_birth.data = details.date_of_birth if details else None
        form.opted_out.data = bool(details and details.opted_out_on)
    elif form.validate_on_submit():
        was_out = details.opted_out_on if details else None
        working_time.record_details(
            session,
            me,
            me,
            now=now(),
            date_of_birth=form.date_of_birth.data,
            opted_out_on=(was_out or now().date()) if form.opted_out.data else None,
        )
        flash("Saved.", "success")
        return redirect(url_for("rota.my_working_time"))
    details = working_time.details_of(session, me.id)
    return render_template(
        "rota/money/working_time.html",
        form=form,
        opted_out_on=details.opted_out_on if details else None,
    ), 200 if request.method == "GET" else 422


# My calendar feed -----------------------------------------------------------------------------


def feed_url(token: str) -> str:
    base: str = current_app.config["CARECOOP_BASE_URL"]
    return base.rstrip("/") + url_for("rota.calendar_feed", token=token)


@login_required
@writes  # the feed is made on first asking
def my_calendar() -> ResponseReturnValue:
    feed = calendar.feed_of(current_session(), _me(), now=now())
    return render_template("rota/money/calendar.html", feed=feed, url=feed_url(feed.token))


@login_required
def calendar_details() -> ResponseReturnValue:
    show = request.form.get("show_details") == "yes"
    calendar.show_details(current_session(), _me(), show, now=now())
    flash(
        "Your calendar now shows what each visit is for."
        if show
        else "Your calendar now shows times and first names only.",
        "success",
    )
    return redirect(url_for("rota.my_calendar"))


@login_required
def renew_calendar() -> ResponseReturnValue:
    calendar.renew_feed(current_session(), _me(), now=now())
    flash("You have a new calendar address. The old one has stopped working.", "success")
    return redirect(url_for("rota.my_calendar"))


def calendar_feed(token: str) -> Any:
    session = current_session()
    feed = calendar.feed_for_token(session, token)
    return Response(
        calendar.render_feed(session, feed, now=now()),
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
