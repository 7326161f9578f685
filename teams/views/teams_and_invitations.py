"""My teams, setting up a team, a team's page, and invitations: sent by the leader, suggested
by an introducer, answered by the person invited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user

from coop.db import current_session
from coop.errors import Invalid
from coop.forms import JoinForm
from coop.models import User
from coop.services import accounts
from coop.web import now
from teams import policy
from teams.forms import InviteForm, NewTeamForm, ProposeForm
from teams.services import members
from teams.services.standing import require
from teams.views import (
    FORM_ERRORS,
    _base_url,
    _confirm,
    _failed,
    _hats_by_member,
    _me,
    _people,
    _standing,
    _team_url,
)

# My teams and invitations addressed to me ---------------------------------------------------


@login_required
def my_teams() -> ResponseReturnValue:
    session, me, moment = current_session(), _me(), now()
    invitations = members.invitations_for(session, me, moment)
    return render_template(
        "teams/my_teams.html",
        teams=members.teams_of(session, me, moment),
        supported_teams=members.teams_staff_support(session, me),
        invitations=invitations,
        inviters=_people(session, [m.invited_by_id for m in invitations]),
    )


@login_required
def accept_addressed(membership_id: int) -> ResponseReturnValue:
    membership = members.answer_addressed_invitation(
        current_session(), _me(), membership_id, yes=True, now=now()
    )
    flash(f"Welcome to {membership.team.name}.", "success")
    return redirect(url_for("teams.team", team_id=membership.team_id))


@login_required
def decline_addressed(membership_id: int) -> ResponseReturnValue:
    session = current_session()
    if request.method == "GET":
        membership = members.addressed_invitation(session, _me(), membership_id, now())
        return _confirm(
            f"Say no thanks to joining {membership.team.name}?",
            "They will be told you said no. You do not need to give a reason.",
            url_for("teams.decline_addressed", membership_id=membership_id),
            "Yes, say no thanks",
            url_for("teams.my_teams"),
        )
    members.answer_addressed_invitation(session, _me(), membership_id, yes=False, now=now())
    flash("You said no thanks to the invitation.", "success")
    return redirect(url_for("teams.my_teams"))


# Setting up a team ----------------------------------------------------------------------------


@login_required
def new_team() -> ResponseReturnValue:
    require(policy.can_create_team(_me()), hidden=True)
    session = current_session()
    form = NewTeamForm()
    if form.validate_on_submit():
        leader = accounts.find_by_login(session, form.person.data or "")
        if leader is not None and not leader.active:
            leader = None
        if leader is None:
            form.person.errors = [
                "We could not find anyone with that username or e-mail address. "
                "They need an account on Carecoop first."
            ]
        else:
            try:
                team = members.create_team(
                    session, _me(), name=form.name.data or "", leader=leader, now=now()
                )
            except Invalid as exc:
                _failed(form, exc)
            else:
                flash(f"{team.name} is ready, led by {leader.display_name}.", "success")
                return redirect(url_for("teams.team", team_id=team.id))
    return render_template("teams/new_team.html", form=form), 422 if form.errors else 200


# A team ------------------------------------------------------------------------------------------


@login_required
def team(team_id: int) -> ResponseReturnValue:
    session = current_session()
    s = _standing(team_id)
    everyone = members.members(session, s.team)
    worn = _hats_by_member(session, s.team)
    leads = policy.can_decide_proposals(s)
    mine = worn.get(s.membership.id, []) if s.membership else []
    suggestions = members.proposals(session, s.team) if leads else []
    return render_template(
        "teams/team.html",
        s=s,
        team=s.team,
        active=[m for m in everyone if m.status == "active"],
        invited=[m for m in everyone if m.status == "invited"],
        hats=worn,
        offered_to_me=[h for h in mine if h.status == "offered"],
        proposals=suggestions,
    )


# Inviting, suggesting, deciding -----------------------------------------------------------------


@login_required
def invite(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_invite(s))
    form = InviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            membership, _token = members.invite(
                current_session(),
                s,
                name=form.name.data or "",
                email=form.email.data or "",
                kind=form.kind.data or "",
                employment=form.employment.data or None,
                sees_records=bool(form.sees_records.data),
                base_url=_base_url(),
                now=now(),
            )
        except FORM_ERRORS as exc:
            status = _failed(form, exc)  # 409 when they are already in the team or invited
        else:
            flash(
                f"An invitation is on its way to {membership.name} by e-mail (it goes within a minute or two). "
                "The link works for 14 days.",
                "success",
            )
            return redirect(_team_url(s))
    if form.errors and status == 200:
        status = 422
    return render_template("teams/invite.html", s=s, team=s.team, form=form), status


@login_required
def suggest(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_propose(s), detail="Only the team's introducer can suggest people.")
    form = ProposeForm()
    if form.validate_on_submit():
        try:
            members.propose(
                current_session(),
                s,
                name=form.name.data or "",
                email=form.email.data or "",
                kind=form.kind.data or "",
                reason=form.reason.data or "",
                now=now(),
            )
        except FORM_ERRORS as exc:
            _failed(form, exc)
        else:
            flash(
                f"Thank you. {s.team.leader.display_name} will decide whether to invite them.",
                "success",
            )
            return redirect(_team_url(s))
    status = 422 if form.errors else 200
    return render_template("teams/suggest.html", s=s, team=s.team, form=form), status


@login_required
def decide_suggestion(team_id: int, proposal_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    yes = request.form.get("answer") == "yes"
    proposal = members.decide_proposal(
        current_session(),
        s,
        proposal_id,
        yes=yes,
        employment=request.form.get("employment") or None,
        base_url=_base_url(),
        now=now(),
    )
    flash(
        f"An invitation is on its way to {proposal.name} by e-mail (it goes within a minute or two)."
        if yes
        else f"You said “not now” to {proposal.name}.",
        "success",
    )
    return redirect(_team_url(s))


# Answering an invitation from its e-mailed link --------------------------------------------------


def invitation(token: str) -> ResponseReturnValue:
    """Who invites you to whose team. Signed in: yes or no thanks. Not signed in: make an
    account (with the invited e-mail address) and join, or sign in first."""
    session = current_session()
    membership = members.find_invitation(session, token, now())
    form = JoinForm()
    if request.method == "GET":
        form.display_name.data = membership.invited_name
        form.username.data = (membership.invited_email or "").split("@")[0].lower()
    if not current_user.is_authenticated and form.validate_on_submit():
        try:
            user, membership = members.accept_invitation_new_account(
                session,
                token,
                username=form.username.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                now=now(),
            )
        except Invalid as exc:
            _failed(form, exc)
            membership = members.find_invitation(session, token, now())
        else:
            login_user(user)
            flash(f"Welcome to {membership.team.name}, {user.display_name}.", "success")
            return redirect(url_for("teams.team", team_id=membership.team_id))
    inviter = session.get(User, membership.invited_by_id) if membership.invited_by_id else None
    return render_template(
        "teams/invitation.html",
        membership=membership,
        team=membership.team,
        inviter=inviter,
        token=token,
        form=form,
    ), 422 if form.errors else 200


@login_required
def accept_invitation(token: str) -> ResponseReturnValue:
    membership = members.accept_invitation(current_session(), _me(), token, now=now())
    flash(f"Welcome to {membership.team.name}.", "success")
    return redirect(url_for("teams.team", team_id=membership.team_id))


def decline_invitation(token: str) -> ResponseReturnValue:
    session = current_session()
    if request.method == "GET":
        membership = members.find_invitation(session, token, now())
        return _confirm(
            f"Say no thanks to joining {membership.team.name}?",
            "They will be told you said no. You do not need to give a reason, and the link "
            "will stop working.",
            url_for("teams.decline_invitation", token=token),
            "Yes, say no thanks",
            url_for("teams.invitation", token=token),
        )
    members.decline_invitation(
        session, token, now=now(), user=_me() if current_user.is_authenticated else None
    )
    flash("You said no thanks to the invitation. Thank you for letting them know.", "success")
    return redirect(url_for("home.index"))
