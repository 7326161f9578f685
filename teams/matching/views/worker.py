"""A worker's own pages: their profile and checks, "about you" (the voluntary equality
questions, for everyone), the openings suggested to them and their conversations with teams,
and an opening as a vetted worker sees it: without the person's name until both said yes."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from coop.db import current_session
from coop.errors import Invalid
from coop.registries import HomeCard
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user
from teams.matching import consent, conversations, openings, policy, profiles, suggestions, vetting
from teams.matching.forms import EqualityForm, WorkerProfileForm
from teams.matching.scoring import describe_window
from teams.matching.vocabulary import CHECK_LABELS, EQUALITY_QUESTIONS, TASK_LABELS
from teams.services.standing import require

#: From "mutual" on, each side knows who the other is.
NAMES_SHOWN = frozenset({"mutual", "trial", "matched", "member"})

# The service's field names, where the form's field differs.
PROFILE_FIELDS = {"rate_pence": "rate"}


_me = signed_in_user


def _words() -> dict[str, object]:
    return {
        "task_labels": TASK_LABELS,
        "names_shown": NAMES_SHOWN,
        "describe_window": describe_window,
        "as_windows": suggestions.windows,
    }


# The worker profile -----------------------------------------------------------------------------


def _profile_page(form: WorkerProfileForm, status: int = 200) -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    return render_template(
        "matching/worker_profile.html",
        form=form,
        checks=vetting.checks_of(session, me.id),
        check_labels=CHECK_LABELS,
        today=vetting.today(moment),
        vetted=vetting.is_vetted(session, me, moment),
        still_needed=vetting.still_needed(session, me, moment),
    ), status


@login_required
def profile() -> ResponseReturnValue:
    session, me = current_session(), _me()
    require(policy.can_keep_profile(me), hidden=True)
    form = WorkerProfileForm()
    form.offer(profiles.neighbourhoods(session), profiles.skills(session))
    if request.method == "GET":
        saved = profiles.profile_of(session, me.id)
        if saved is not None:
            form.fill_from(saved)
        else:
            form.travel_miles.data = "3"
        return _profile_page(form)
    if not form.validate_on_submit():
        return _profile_page(form, 422)
    values, problems = form.profile_values()
    try:
        profiles.save_profile(session, me, values, now=now())
    except Invalid as exc:
        problems = {**_renamed(exc.errors), **problems}
    if problems:
        current_session().rollback()
        apply_errors(form, Invalid("Please check your profile.", errors=problems))
        return _profile_page(form, 422)
    flash("Your worker profile is saved.", "success")
    return redirect(url_for("matching.profile"))


def _renamed(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {PROFILE_FIELDS.get(name, name): problems for name, problems in errors.items()}


# About you: the voluntary equality questions ---------------------------------------------------


@login_required
def about_you() -> ResponseReturnValue:
    session, me = current_session(), _me()
    require(policy.can_answer_equality_questions(me), hidden=True)
    form = EqualityForm()
    status = 200
    if request.method == "GET":
        form.fill_from(profiles.my_equality_answers(session, me))
    elif form.validate_on_submit():
        try:
            profiles.save_equality_answers(session, me, form.answers(), now=now())
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("Thank you. Your answers are saved.", "success")
            return redirect(url_for("matching.about_you"))
        status = 422
    else:
        status = 422
    return render_template(
        "matching/worker_about_you.html", form=form, questions=EQUALITY_QUESTIONS
    ), status


# Finding teams ----------------------------------------------------------------------------------


@login_required
def my_matching() -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    require(policy.can_keep_profile(me), hidden=True)
    saved = profiles.profile_of(session, me.id)
    vetted = vetting.is_vetted(session, me, moment)
    include_declined = request.args.get("include_declined") == "1"
    found = []
    if saved is not None and policy.can_browse_openings(me, vetted=vetted):
        found = suggestions.for_worker(session, me, now=moment, include_declined=include_declined)
    # The openings were loaded by the suggestions' query: `get` finds them without another.
    suggested = [(openings.find_opening(session, s.opening.opening_id), s) for s in found]
    return render_template(
        "matching/worker_me.html",
        profile=saved,
        vetted=vetted,
        still_needed=vetting.still_needed(session, me, moment),
        paused=saved is not None and saved.paused_at is not None,
        suggested=suggested,
        include_declined=include_declined,
        interests=conversations.interests_of_worker(session, me),
        **_words(),
    )


@login_required
def worker_opening(opening_id: int) -> ResponseReturnValue:
    session = current_session()
    view = openings.opening_for_viewer(session, _me(), opening_id, now())
    interest = view.interest
    may_ask = (
        view.opening.status == "open"
        and not view.for_team
        and (
            interest is None
            or (interest.state in ("declined", "stopped") and interest.ended_by == "worker")
        )
    )
    return render_template(
        "matching/worker_opening.html",
        opening=view.opening,
        interest=interest,
        named=view.named,
        may_ask=may_ask,
        skill_names=profiles.skill_names(session),
        **_words(),
    )


@login_required
def worker_interest(opening_id: int) -> ResponseReturnValue:
    interest = consent.express_interest(current_session(), _me(), opening_id=opening_id, now=now())
    flash(
        f"We have told the team you would like to meet about “{interest.opening.title}”. "
        "We will let you know when they answer.",
        "success",
    )
    return redirect(url_for("matching.my_matching"))


#: The worker's cards on the home page.
HOME_CARDS = (
    HomeCard(
        "matching_find_team",
        "Find a team to work with",
        "Your worker profile, the teams suggested for you, and your conversations with them.",
        "matching.my_matching",
        policy.can_keep_profile,
        order=30,
        audience="may_look_for_work",
    ),
    HomeCard(
        "matching_about_you",
        "About you (optional)",
        "A few voluntary questions that help the co-op check that choice never becomes "
        "unfair. Never shown to teams.",
        "matching.about_you",
        policy.can_answer_equality_questions,
        order=85,
    ),
)
