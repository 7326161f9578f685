"""A member's page: hats offered, accepted, taken back and put down; contacts and who sees
private records; taking someone off the team, and leaving it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from coop.db import current_session
from coop.errors import Invalid, NotFound
from coop.web import now
from teams import policy
from teams.forms import LeaveForm, MemberSettingsForm, OfferHatForm
from teams.models import HAT_LABELS, HATS, Membership
from teams.policy import Standing
from teams.services import hats, members
from teams.services.standing import require
from teams.views import FORM_ERRORS, _confirm, _failed, _hats_by_member, _standing, _team_url

# A member, and their hats -----------------------------------------------------------------------


def _member_page(
    s: Standing,
    membership: Membership,
    *,
    offer_form: OfferHatForm | None = None,
    settings_form: MemberSettingsForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = current_session()
    worn = _hats_by_member(session, s.team).get(membership.id, [])
    taken = {h.hat for h in worn}
    is_self = s.membership is not None and s.membership.id == membership.id
    # Nobody offers a hat to themselves (a representative included), nor to the leader.
    offerable = [
        h
        for h in HATS
        if h not in taken
        and policy.can_offer_hat(s, h)
        and membership.status == "active"
        and membership.user_id != s.team.leader_id
        and not is_self
    ]
    if offer_form is None:
        offer_form = OfferHatForm(formdata=None)
    offer_form.offer(offerable)
    if settings_form is None:
        settings_form = MemberSettingsForm(formdata=None, obj=membership)
    return render_template(
        "teams/member.html",
        s=s,
        team=s.team,
        member=membership,
        hats=worn,
        is_self=is_self,
        offerable=offerable,
        offer_form=offer_form,
        settings_form=settings_form,
        may_set=policy.can_set_contacts(s) and membership.status == "active",
    ), status


@login_required
def member(team_id: int, membership_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    return _member_page(s, members.find_membership(current_session(), s, membership_id))


@login_required
def offer_hat(team_id: int, membership_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    membership = members.find_membership(session, s, membership_id)
    form = OfferHatForm()
    status = 422
    if form.validate_on_submit():
        try:
            row = hats.offer_hat(
                session,
                s,
                membership.id,
                hat=form.hat.data or "",
                scope_text=form.scope.data or "",
                review_on=form.review_on.data,
                legal_basis=form.legal_basis.data or None,
                legal_reference=form.legal_reference.data or None,
                now=now(),
            )
        except FORM_ERRORS as exc:
            status = _failed(form, exc)  # 409 when it is already offered or worn
        else:
            flash(
                f"You offered {membership.name} the hat “{HAT_LABELS[row.hat]}”. "
                "They will see it when they next sign in.",
                "success",
            )
            return redirect(url_for("teams.member", team_id=team_id, membership_id=membership.id))
    return _member_page(s, membership, offer_form=form, status=status)


def _known_hat(hat: str) -> str:
    if hat not in HATS:
        raise NotFound("We could not find that hat.")
    return hat


@login_required
def answer_hat(team_id: int, membership_id: int, hat: str) -> ResponseReturnValue:
    s = _standing(team_id)
    yes = request.form.get("answer") == "yes"
    hats.answer_hat(current_session(), s, membership_id, _known_hat(hat), yes=yes, now=now())
    flash(
        f"You are now the team's {HAT_LABELS[hat].lower()}. Thank you."
        if yes
        else f"You said no thanks to the hat “{HAT_LABELS[hat]}”.",
        "success",
    )
    return redirect(url_for("teams.member", team_id=team_id, membership_id=membership_id))


@login_required
def take_back_hat(team_id: int, membership_id: int, hat: str) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    row = hats.find_hat(session, s, membership_id, _known_hat(hat))
    require(policy.can_take_back_hat(s, row))
    back = url_for("teams.member", team_id=team_id, membership_id=membership_id)
    if request.method == "GET":
        return _confirm(
            f"Take back the hat “{HAT_LABELS[hat]}” from {row.membership.name}?",
            "It stops straight away. You can offer it again later.",
            url_for("teams.take_back_hat", team_id=team_id, membership_id=membership_id, hat=hat),
            "Yes, take it back",
            back,
        )
    hats.take_back_hat(session, s, membership_id, hat, now=now())
    flash(f"You took back the hat “{HAT_LABELS[hat]}”.", "success")
    return redirect(back)


@login_required
def put_down_hat(team_id: int, membership_id: int, hat: str) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    row = hats.find_hat(session, s, membership_id, _known_hat(hat))
    require(
        policy.can_put_down_hat(s, row), detail="Only the person wearing a hat can put it down."
    )
    back = url_for("teams.member", team_id=team_id, membership_id=membership_id)
    if request.method == "GET":
        return _confirm(
            f"Put down the hat “{HAT_LABELS[hat]}”?",
            f"You will no longer be the team's {HAT_LABELS[hat].lower()}. "
            f"{s.team.leader.display_name} will see that you put it down.",
            url_for("teams.put_down_hat", team_id=team_id, membership_id=membership_id, hat=hat),
            "Yes, put it down",
            back,
        )
    hats.put_down_hat(session, s, membership_id, hat, now=now())
    flash(f"You put down the hat “{HAT_LABELS[hat]}”.", "success")
    return redirect(back)


@login_required
def check_representative(team_id: int, hat_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    row = hats.check_representative(current_session(), s, hat_id, now=now())
    flash("You recorded that you checked the representative's legal basis.", "success")
    return redirect(url_for("teams.member", team_id=team_id, membership_id=row.membership_id))


@login_required
def member_settings(team_id: int, membership_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    membership = members.find_membership(session, s, membership_id)
    form = MemberSettingsForm()
    if form.validate_on_submit():
        leader_row = membership.user_id == s.team.leader_id
        try:
            members.update_member(
                session,
                s,
                membership.id,
                is_contact=bool(form.is_contact.data),
                sees_records=None if leader_row else bool(form.sees_records.data),
                now=now(),
            )
        except Invalid as exc:
            _failed(form, exc)
        else:
            flash(f"Saved the changes for {membership.name}.", "success")
            return redirect(url_for("teams.member", team_id=team_id, membership_id=membership.id))
    return _member_page(s, membership, settings_form=form, status=422)


@login_required
def remove_member(team_id: int, membership_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    membership = members.find_membership(session, s, membership_id)
    require(policy.can_remove_member(s, membership))
    if request.method == "GET":
        invited = membership.status == "invited"
        return _confirm(
            f"Withdraw the invitation to {membership.name}?"
            if invited
            else f"Take {membership.name} off the team?",
            "The link in their e-mail will stop working."
            if invited
            else "They will stop seeing the team and its records straight away, and any hats "
            "they have end. What they wrote stays, under their name.",
            url_for("teams.remove_member", team_id=team_id, membership_id=membership_id),
            "Yes, withdraw it" if invited else "Yes, take them off the team",
            url_for("teams.member", team_id=team_id, membership_id=membership_id),
        )
    members.remove_member(session, s, membership_id, now=now())
    flash(f"{membership.name} is no longer in the team.", "success")
    return redirect(_team_url(s))


@login_required
def leave(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_leave(s), detail="The person who leads the team cannot leave it.")
    form = LeaveForm()
    if form.validate_on_submit():
        moment = now()
        try:
            members.leave(
                current_session(),
                s,
                leaves_at=_end_of(form.leaves_on.data, moment),
                handover_note=form.handover_note.data or "",
                now=moment,
            )
        except Invalid as exc:
            _failed(form, exc)
        else:
            flash(
                f"You have given notice to leave {s.team.name}. Thank you for your help.", "success"
            )
            return redirect(url_for("teams.my_teams"))
    status = 422 if form.errors else 200
    return render_template("teams/leave.html", s=s, team=s.team, form=form), status


def _end_of(day: date | None, moment: datetime) -> datetime:
    """The moment someone's last day ends, in the co-op's time zone; now, without a day."""
    if day is None:
        return moment
    zone = ZoneInfo(current_app.config["CARECOOP_TIMEZONE"])
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
