"""The answers either side gives, shared by the worker's pages and the team's: yes, no thanks,
a time for the trial visit, agreeing it, carrying on, and stopping. The consent service works
out which side the signed-in person speaks for; each page goes back to `next` when it is on
this site, else to where that side keeps its conversations."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from coop.clock import zone
from coop.db import current_session
from coop.errors import Conflict, Invalid
from coop.views.auth import safe_next
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user
from teams.matching import consent, conversations
from teams.matching.forms import ConsentStopForm, ConsentTrialForm
from teams.matching.models import Interest
from teams.matching.views import bp
from teams.matching.vocabulary import LIVE_STATES

_me = signed_in_user


@bp.app_template_global("matching_now")
def matching_now() -> datetime:
    """The app's clock for the shared `interest_actions` macro (is the trial over yet?)."""
    return now()


def _back(interest: Interest, side: str, typed: str | None = None) -> str:
    """Where to go afterwards: `next` when it is a path on this site, else this side's page
    about the conversation."""
    target = safe_next(typed if typed is not None else request.values.get("next"))
    if target:
        return target
    if side == "worker":
        return url_for("matching.my_matching")
    return f"/teams/{interest.opening.team_id}/openings/{interest.opening_id}"


# Yes, or no thanks --------------------------------------------------------------------------------


@login_required
def interest_answer(interest_id: int) -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    interest, side, _s = conversations.find_interest(session, me, interest_id, moment)
    answer = request.form.get("answer")
    if answer == "no":
        # "No" is said on its own page, where the person can leave a note for the co-op.
        return redirect(
            url_for(
                "matching.interest_stop",
                interest_id=interest_id,
                next=safe_next(request.form.get("next")) or None,
            ),
            303,
        )
    if answer != "yes":
        raise Invalid("Please say yes or no.", errors={"answer": ["Please say yes or no."]})
    answered = consent.answer_interest(session, me, interest_id, yes=True, now=moment)
    if answered.state == "interested":  # the leader took up an introducer's suggestion
        flash(f"We have told {answered.worker.display_name} you would like to meet.", "success")
    else:
        flash("You both said yes. The next step is to agree a time for a trial visit.", "success")
    return redirect(_back(interest, side))


# Stopping ---------------------------------------------------------------------------------------


@login_required
def interest_stop(interest_id: int) -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    interest, side, s = conversations.find_interest(session, me, interest_id, moment)
    conversations.may_speak(side, s)
    if interest.state not in LIVE_STATES and interest.state != "suggested":
        raise Conflict("This has already ended.")
    answering = interest.state == "suggested" or (
        interest.state == "interested" and interest.started_by != side
    )
    form = ConsentStopForm()
    status = 200
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    elif form.validate_on_submit():
        try:
            consent.stop(
                session,
                me,
                interest_id,
                lawful_requirement=(form.lawful_requirement.data or None)
                if side == "team"
                else None,
                note=form.note.data,
                now=moment,
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash(
                "The suggestion is removed. They were never told about it."
                if interest.state == "suggested"
                else "You said no thanks. They will be told kindly, without a reason."
                if answering
                else "You have stopped here. They will be told kindly, without a reason.",
                "success",
            )
            return redirect(_back(interest, side, form.next.data))
        status = 422
    else:
        status = 422
    trial = interest.trial
    return render_template(
        "matching/consent_stop.html",
        form=form,
        interest=interest,
        side=side,
        answering=answering,
        trial_called_off=trial is not None
        and trial.status == "agreed"
        and trial.starts_at > moment,
        back=_back(interest, side, form.next.data),
    ), status


# The trial visit --------------------------------------------------------------------------------


@login_required
def interest_trial(interest_id: int) -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    interest, side, s = conversations.find_interest(session, me, interest_id, moment)
    conversations.may_speak(side, s)
    if interest.state != "mutual":
        raise Conflict("A trial can be suggested once you have both said yes.")
    form = ConsentTrialForm()
    status = 200
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    elif form.validate_on_submit():
        starts_at, ends_at = form.span(zone())
        try:
            consent.propose_trial(
                session,
                me,
                interest_id,
                starts_at=starts_at.astimezone(UTC),
                ends_at=ends_at.astimezone(UTC),
                now=moment,
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            other_name = (
                interest.worker.display_name
                if side == "team"
                else interest.opening.team.leader.display_name
            )
            flash(f"We have asked {other_name} whether that time suits them.", "success")
            return redirect(_back(interest, side, form.next.data))
        status = 422
    else:
        status = 422
    return render_template(
        "matching/consent_trial.html",
        form=form,
        interest=interest,
        side=side,
        back=_back(interest, side, form.next.data),
    ), status


@login_required
def trial_agree(trial_id: int) -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    trial, side, _s = conversations.find_trial(session, me, trial_id, moment)
    consent.agree_trial(session, me, trial_id, now=moment)
    flash(
        "The trial visit is agreed. Afterwards you will each be asked whether to carry on.",
        "success",
    )
    return redirect(_back(trial.interest, side))


@login_required
def trial_carry_on(trial_id: int) -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    trial, side, _s = conversations.find_trial(session, me, trial_id, moment)
    interest = consent.decide_after_trial(session, me, trial_id, carry_on=True, now=moment)
    flash(
        "You both said carry on. Welcome to the team!"
        if interest.state == "member"
        else "We have told them you would like to carry on. We will let you know their answer.",
        "success",
    )
    return redirect(_back(trial.interest, side))
