"""The team's side of matching: its openings, the people suggested for each and the people it
is in touch with, and a worker's profile as the team (or a facilitator) sees it, with the
facilitator's checks and pause on the same page."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.db import current_session
from coop.errors import Conflict, Invalid, NotFound
from coop.models import User
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user
from teams import policy as teams_policy
from teams.matching import (
    consent,
    conversations,
    openings,
    policy,
    profiles,
    suggestions,
    vetting,
    workers,
)
from teams.matching.models import Opening, WorkerProfile
from teams.matching.scoring import Window, describe_window
from teams.matching.staff_forms import CheckForm, OpeningForm, PauseForm, pounds
from teams.matching.vocabulary import CHECK_LABELS, TASK_LABELS
from teams.policy import Standing
from teams.services.standing import find_team, require, standing
from teams.views import TeamTab, team_pages

#: The team's menu links to its openings, for those who may see them.
TEAM_TAB = TeamTab("matching.team_openings", "Openings", policy.can_view_team_openings)


_me = signed_in_user


def _standing(team_id: int) -> Standing:
    return find_team(current_session(), _me(), team_id, now())


def _render(template: str, s: Standing, status: int = 200, **context: Any) -> ResponseReturnValue:
    """A page about one team, with the team's menu."""
    return render_template(
        template,
        s=s,
        team=s.team,
        team_tabs=list(team_pages().tabs.values()),
        teams_policy=teams_policy,
        matching_policy=policy,
        task_labels=TASK_LABELS,
        **context,
    ), status


def _money(amount: int | None) -> str:
    return "no maximum" if amount is None else f"£{pounds(amount)}"


# The team's openings ----------------------------------------------------------------------------


@login_required
def team_openings(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session, moment = current_session(), now()
    found = openings.team_openings(session, s)
    waiting = {
        opening_id: sum(conversations.whose_turn(i, moment) == "team" for i in talks)
        for opening_id, talks in conversations.interests_by_opening(session, found).items()
    }
    return _render("matching/team_openings.html", s, openings=found, waiting=waiting)


def _form_page(
    s: Standing,
    form: OpeningForm,
    opening: Opening | None = None,
    status: int = 200,
    windows_errors: list[str] | None = None,
) -> ResponseReturnValue:
    session = current_session()
    form.offer(profiles.neighbourhoods(session), profiles.skills(session))
    return _render(
        "matching/team_opening_form.html",
        s,
        status,
        form=form,
        opening=opening,
        windows_errors=windows_errors or [],
    )


def _refused(form: OpeningForm, exc: Invalid, problems: dict[str, list[str]]) -> list[str]:
    """Put the service's and the form's own problems beside their fields; returns the problems
    with the times as a whole, which sit at the top of the weekly grid."""
    current_session().rollback()
    errors = {name: list(found) for name, found in exc.errors.items()}
    for name, found in problems.items():
        errors.setdefault(name, []).extend(found)
    windows_errors = errors.get("windows", [])
    # "windows" names no one field, so it joins the summary at the top as well.
    apply_errors(form, Invalid(exc.detail, errors=errors))
    return windows_errors


@login_required
def new_opening(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_view_team_openings(s), hidden=True)
    require(
        policy.can_manage_openings(s),
        detail="Only the person who leads the team can open a place on it.",
    )
    form = OpeningForm()
    if not form.is_submitted():
        return _form_page(s, form)
    if not form.validate_on_submit():
        return _form_page(s, form, status=422)
    values, problems = form.values()
    try:
        # A problem the form found is always handed on as a value the service refuses.
        opening = openings.create_opening(current_session(), s, values, now=now())
    except Invalid as exc:
        return _form_page(s, form, status=422, windows_errors=_refused(form, exc, problems))
    flash("Your opening is ready. We will suggest people who might suit.", "success")
    return redirect(url_for("matching.opening", team_id=team_id, opening_id=opening.id))


@login_required
def edit_opening(team_id: int, opening_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    opening = openings.find_team_opening(session, s, opening_id)
    require(
        policy.can_manage_openings(s),
        detail="Only the person who leads the team can change an opening.",
    )
    if request.method == "GET":
        form = OpeningForm(formdata=None)
        form.fill_from(opening)
        return _form_page(s, form, opening)
    form = OpeningForm()
    if not form.validate_on_submit():
        return _form_page(s, form, opening, status=422)
    values, problems = form.values()
    try:
        openings.update_opening(session, s, opening.id, values, now=now())
    except Invalid as exc:
        return _form_page(
            s, form, opening, status=422, windows_errors=_refused(form, exc, problems)
        )
    flash("Saved the changes to your opening.", "success")
    return redirect(url_for("matching.opening", team_id=team_id, opening_id=opening.id))


def _profiles_of(session: Session, ids: list[int]) -> dict[int, WorkerProfile]:
    if not ids:
        return {}
    return {
        p.user_id: p
        for p in session.scalars(select(WorkerProfile).where(WorkerProfile.user_id.in_(ids)))
    }


@login_required
def opening(team_id: int, opening_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    found = openings.find_team_opening(session, s, opening_id)
    include_declined = request.args.get("include_declined") == "1"
    suggested = (
        suggestions.for_opening(session, s, found.id, now=now(), include_declined=include_declined)
        if found.status == "open"
        else []
    )
    moment = now()
    # Those waiting for the team's answer first, so that it is the first thing the leader sees.
    in_touch = sorted(
        conversations.interests_of_opening(session, found),
        key=lambda i: conversations.whose_turn(i, moment) != "team",
    )
    skill_names = profiles.skill_names(session)
    return _render(
        "matching/team_opening.html",
        s,
        opening=found,
        suggested=suggested,
        about=_profiles_of(session, [g.worker.user_id for g in suggested]),
        in_touch=in_touch,
        waiting=sum(conversations.whose_turn(i, moment) == "team" for i in in_touch),
        include_declined=include_declined,
        skill_names=skill_names,
        times=[describe_window(Window(*w)) for w in found.windows],
        max_rate=_money(found.max_rate_pence),
        may_decide=policy.can_decide_for_team(s),
        here=url_for("matching.opening", team_id=team_id, opening_id=found.id),
    )


@login_required
def express_interest(team_id: int, opening_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    found = openings.find_team_opening(session, s, opening_id)
    raw = request.form.get("worker_id", "")
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("We could not find that worker.")
    back = url_for("matching.opening", team_id=team_id, opening_id=found.id)
    try:
        interest = consent.express_interest(
            session, _me(), opening_id=found.id, worker_id=int(raw), now=now()
        )
    except (Conflict, Invalid) as exc:
        session.rollback()
        flash(exc.detail, "error")
        return redirect(back)
    flash(
        f"We told {interest.worker.display_name} that you would like to meet. "
        "You will hear when they answer.",
        "success",
    )
    return redirect(back)


CLOSINGS = {
    "filled": (
        "We've found someone",
        "Close “{title}” because you have found someone?",
        "Yes, we've found someone",
    ),
    "unneeded": (
        "We no longer need this",
        "Close “{title}” because you no longer need it?",
        "Yes, close it",
    ),
}


@login_required
def close_opening(team_id: int, opening_id: int, how: str) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    found = openings.find_team_opening(session, s, opening_id)
    require(
        policy.can_manage_openings(s),
        detail="Only the person who leads the team can close an opening.",
    )
    back = url_for("matching.opening", team_id=team_id, opening_id=found.id)
    if request.method == "GET":
        _, heading, button = CLOSINGS[how]
        return render_template(
            "confirm.html",
            heading=heading.format(title=found.title),
            explanation="Nobody new will be suggested for it. Conversations already under way "
            "carry on, and you can still say yes or no in them.",
            action=url_for("matching.close_opening", team_id=team_id, opening_id=found.id, how=how),
            button=button,
            back=back,
        )
    openings.close_opening(session, s, found.id, filled=how == "filled", now=now())
    flash(f"“{found.title}” is closed.", "success")
    return redirect(back)


# A worker's profile -----------------------------------------------------------------------------


def _worker_page(
    worker_id: int,
    *,
    check_form: CheckForm | None = None,
    pause_form: PauseForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = current_session()
    me = _me()
    raw = request.args.get("opening", "")
    opening_id = int(raw) if raw.isdigit() and len(raw) <= 18 else None
    profile = workers.worker_profile_for(session, me, worker_id, now(), opening_id=opening_id)
    staff = policy.can_record_checks(me)
    checks = vetting.checks_of(session, worker_id) if staff else []
    paused_by = session.get(User, profile.paused_by_id) if staff and profile.paused_by_id else None
    names = profiles.skill_names(session)
    opening = session.get(Opening, opening_id) if opening_id else None
    if opening is not None and not policy.can_view_team_openings(
        standing(session, me, opening.team, now())
    ):
        opening = None
    back = (
        (
            url_for("matching.opening", team_id=opening.team_id, opening_id=opening.id),
            f"Back to “{opening.title}”",
        )
        if opening is not None
        else (url_for("matching.workers"), "Back to workers and checks")
        if staff
        else None
    )
    return render_template(
        "matching/team_worker.html",
        back=back,
        profile=profile,
        worker=profile.user,
        skills=[names[i] for i in profile.skills if i in names],
        times=[describe_window(Window(*w)) for w in profile.windows],
        rate=pounds(profile.rate_pence) if profile.employment == "independent" else None,
        staff=staff,
        may_pause=policy.can_pause_worker(me),
        checks=checks,
        check_labels=CHECK_LABELS,
        check_form=check_form or CheckForm(formdata=None, prefix="check"),
        pause_form=pause_form or PauseForm(formdata=None, prefix="pause"),
        paused_by=paused_by,
    ), status


@login_required
def worker_profile(worker_id: int) -> ResponseReturnValue:
    return _worker_page(worker_id)


def _back_to(worker_id: int) -> ResponseReturnValue:
    return redirect(url_for("matching.worker_profile", worker_id=worker_id))


@login_required
def back_to_worker(worker_id: int) -> ResponseReturnValue:
    """A form's address opened again (a reload after a mistake, or a bookmark) goes back to the
    worker's page rather than to a "method not allowed" page."""
    return _back_to(worker_id)


@login_required
def record_check(worker_id: int) -> ResponseReturnValue:
    require(policy.can_record_checks(_me()), hidden=True)
    form = CheckForm(prefix="check")
    if form.validate_on_submit():
        if not (form.checked_on.data is not None):  # InputRequired
            raise Invalid("Please fill in every part of the form.")
        try:
            vetting.record_check(
                current_session(),
                _me(),
                worker_id,
                kind=form.kind.data or "",
                outcome=form.outcome.data or "",
                number=form.number.data or "",
                checked_on=form.checked_on.data,
                expires_on=form.expires_on.data,
                update_service_consent=bool(form.update_service_consent.data),
                now=now(),
            )
        except Invalid as exc:
            current_session().rollback()
            apply_errors(form, exc)
        else:
            flash(f"Recorded the check “{CHECK_LABELS[form.kind.data or '']}”.", "success")
            return _back_to(worker_id)
    return _worker_page(worker_id, check_form=form, status=422)


@login_required
def pause_worker(worker_id: int) -> ResponseReturnValue:
    require(policy.can_pause_worker(_me()), hidden=True)
    form = PauseForm(prefix="pause")
    if form.validate_on_submit():
        try:
            vetting.pause_worker(
                current_session(), _me(), worker_id, note=form.note.data or "", now=now()
            )
        except Invalid as exc:
            current_session().rollback()
            apply_errors(form, exc)
        else:
            flash("They are paused from suggestions until you unpause them.", "success")
            return _back_to(worker_id)
    return _worker_page(worker_id, pause_form=form, status=422)


@login_required
def unpause_worker(worker_id: int) -> ResponseReturnValue:
    require(policy.can_pause_worker(_me()), hidden=True)
    vetting.unpause_worker(current_session(), _me(), worker_id, now=now())
    flash("They can be suggested to teams again.", "success")
    return _back_to(worker_id)
