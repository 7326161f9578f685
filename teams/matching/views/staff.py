"""The facilitator's matching pages: workers and their checks, the co-op's lists, the private
notes left when someone said no, the matching figures and the equality monitor. Anyone else is
told there is nothing here (a 404)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coop.db import current_session
from coop.errors import Invalid
from coop.models import User
from coop.registries import DashboardPanel, HomeCard
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user
from teams.matching import conversations, figures, policy, profiles, reports
from teams.matching.models import Interest, Opening
from teams.matching.staff_forms import NeighbourhoodForm, SkillForm
from teams.services.standing import require

#: What the funnel's stages mean, as the page says them.
STAGE_WORDS = {
    "interested": "One side said “I'd like to meet”",
    "mutual": "Both said yes",
    "trial": "A trial visit was agreed",
    "matched": "Both said “carry on” after the trial",
}
#: Each characteristic as the monitor names it (the questions speak to the person answering).
CHARACTERISTIC_WORDS = {
    "age": "Age",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "religion": "Religion or belief",
    "sexual_orientation": "Sexual orientation",
}
SIDE_WORDS = {
    "workers": (
        "How teams decided about workers",
        "Teams saying no or stop to workers, by the workers' own answers.",
    ),
    "supported": (
        "How workers decided about the people they would support",
        "Workers saying no or stop to a team, by the answers of the person the team supports.",
    ),
}


_me = signed_in_user


def _facilitator_only(allowed: bool) -> None:
    require(allowed, hidden=True)


# Workers and their checks -----------------------------------------------------------------------


@login_required
def workers() -> ResponseReturnValue:
    rows = reports.workers_and_checks(current_session(), _me(), now())
    return render_template("matching/staff_workers.html", rows=rows, all_well=reports.ALL_WELL)


# The co-op's lists ------------------------------------------------------------------------------


def _lists_page(
    place_form: NeighbourhoodForm | None = None,
    skill_form: SkillForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = current_session()
    return render_template(
        "matching/staff_lists.html",
        places=profiles.neighbourhoods(session),
        skills=profiles.skills(session, include_retired=True),
        place_form=place_form or NeighbourhoodForm(formdata=None, prefix="place"),
        skill_form=skill_form or SkillForm(formdata=None, prefix="skill"),
    ), status


@login_required
def lists() -> ResponseReturnValue:
    _facilitator_only(policy.can_keep_lists(_me()))
    if request.method == "GET":
        return _lists_page()
    session = current_session()
    if "skill-name" in request.form:
        skill_form = SkillForm(prefix="skill")
        if skill_form.validate_on_submit():
            try:
                skill = profiles.add_skill(
                    session, _me(), name=skill_form.name.data or "", now=now()
                )
            except Invalid as exc:
                session.rollback()
                apply_errors(skill_form, exc)
            else:
                flash(f"Added the skill “{skill.name}”.", "success")
                return redirect(url_for("matching.lists"))
        return _lists_page(skill_form=skill_form, status=422)
    place_form = NeighbourhoodForm(prefix="place")
    if place_form.validate_on_submit():
        try:
            place = profiles.add_neighbourhood(
                session,
                _me(),
                name=place_form.name.data or "",
                easting=place_form.easting.data or 0,
                northing=place_form.northing.data or 0,
                now=now(),
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(place_form, exc)
        else:
            flash(f"Added the neighbourhood “{place.name}”.", "success")
            return redirect(url_for("matching.lists"))
    return _lists_page(place_form=place_form, status=422)


# Private notes ----------------------------------------------------------------------------------


def _interests(session: Session, ids: set[int]) -> dict[int, Interest]:
    if not ids:
        return {}
    return {
        i.id: i
        for i in session.scalars(
            select(Interest)
            .where(Interest.id.in_(ids))
            .options(
                selectinload(Interest.worker),
                selectinload(Interest.opening).selectinload(Opening.team),
            )
        )
    }


@login_required
def notes() -> ResponseReturnValue:
    session = current_session()
    found = conversations.notes_for_co_op(session, _me())
    return render_template(
        "matching/staff_notes.html",
        notes=found,
        interests=_interests(session, {n.interest_id for n in found}),
    )


# Figures and the equality monitor ---------------------------------------------------------------


@login_required
def matching_figures() -> ResponseReturnValue:
    found = reports.matching_figures(current_session(), _me(), now())
    return render_template(
        "matching/staff_figures.html",
        figures=found,
        stage_words=STAGE_WORDS,
        min_shown=figures.MIN_SHOWN,
    )


@login_required
def matching_figures_csv() -> ResponseReturnValue:
    text = reports.matching_figures_csv(current_session(), _me(), now())
    moment = now()
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="matching-figures-{moment:%Y-%m-%d}.csv"'
        },
    )


@login_required
def equality() -> ResponseReturnValue:
    moment = now()
    found = reports.equality_monitor(current_session(), _me(), moment)
    start, end = reports.monitor_period(moment)
    return render_template(
        "matching/staff_equality.html",
        monitor=found,
        period_start=start,
        period_last_day=end - timedelta(days=1),
        side_words=SIDE_WORDS,
        characteristic_words=CHARACTERISTIC_WORDS,
    )


# Cards and the dashboard ------------------------------------------------------------------------


def _figures_panel(session: Session, user: User, moment: datetime) -> str:
    found = reports.matching_figures(session, user, moment)
    return render_template("matching/staff_panel.html", figures=found, stage_words=STAGE_WORDS)


#: The staff's cards on the home page, and their dashboard panel.
HOME_CARDS = (
    HomeCard(
        "matching_workers",
        "Workers and checks",
        "Each worker's checks, what is missing or due to expire, and pausing someone from suggestions.",
        "matching.workers",
        policy.can_record_checks,
        order=30,
    ),
    HomeCard(
        "matching_figures",
        "Matching figures",
        "How matching goes: trials that carried on, time to match, worker turnover.",
        "matching.matching_figures",
        policy.can_view_matching_figures,
        order=31,
    ),
    HomeCard(
        "matching_equality",
        "Equality monitor",
        "Check that choosing who to work with does not turn into leaving people out.",
        "matching.equality",
        policy.can_view_equality_monitor,
        order=32,
    ),
    HomeCard(
        "matching_notes",
        "Notes from people who said no",
        "Private notes for the co-op, never shown to the other side.",
        "matching.notes",
        policy.can_read_match_notes,
        order=33,
    ),
    HomeCard(
        "matching_lists",
        "Neighbourhoods and skills",
        "The co-op's lists that workers and openings choose from.",
        "matching.lists",
        policy.can_keep_lists,
        order=34,
    ),
)
DASHBOARD_PANELS = (
    DashboardPanel(
        "matching", "Matching", policy.can_view_matching_figures, _figures_panel, order=30
    ),
)
