"""Pages for proposals and voting: the vote form, proxies, recorded ballots and their
countersigning, receipts, results and the ballot log."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from coop.clock import parse_local
from coop.db import current_session
from coop.errors import DomainError, Invalid, require
from coop.forms import ConfirmForm
from coop.views.forms import apply_errors
from coop.web import now
from governance import policy
from governance.forms import (
    ProposalForm,
    ProxyForm,
    RecordForm,
    VoteForm,
)
from governance.models import Ballot, Member
from governance.services import ballots, proposals, proxies, recorded, register, results
from governance.views import ballot_key, my_standing, person_by_login, render_page


@login_required
def proposals_page() -> Any:
    found = proposals.visible_proposals(current_session(), current_user, now=now())
    return render_page("proposals.html", rows=found)


@login_required
def new_proposal() -> Any:
    session, moment = current_session(), now()
    require(policy.can_manage_proposals(my_standing()), hidden=True)
    form = ProposalForm()
    if form.validate_on_submit():
        closes_at = parse_local(form.closes_on.data or "", form.closes_time.data or "")
        try:
            if closes_at is None:
                raise Invalid(
                    "Please check the closing time.",
                    errors={"closes_on": ["Please give a date as YYYY-MM-DD and a time as HH:MM."]},
                )
            proposal = proposals.create_proposal(
                session,
                current_user,
                title=form.title.data or "",
                body=form.body.data or "",
                kind=form.kind.data or "",
                secret=bool(form.secret.data),
                opens_at=moment,
                closes_at=closes_at,
                now=moment,
            )
        except Invalid as exc:
            session.rollback()
            if "closes_at" in exc.errors:
                exc.errors["closes_on"] = exc.errors.pop("closes_at")
            apply_errors(form, exc)
        else:
            flash("The proposal is saved as a draft. Open voting when you are ready.", "success")
            return redirect(url_for("governance.proposal", proposal_id=proposal.id))
    return render_page("new_proposal.html", 422 if form.errors else 200, form=form)


def _proposal_page(proposal_id: int, vote_form: VoteForm | None = None, status: int = 200) -> Any:
    session, actor, moment = current_session(), current_user._get_current_object(), now()
    st = register.standing(session, actor, moment)
    proposal = proposals.get_proposal(session, actor, proposal_id, now=moment)
    can_vote = ballots.can_vote_on(session, st.member, proposal) and moment < proposal.closes_at
    voted = ballots.has_voted(session, st.member, proposal.id)
    form = vote_form or VoteForm()
    if not proposal.secret and voted and not form.is_submitted():
        form.choice.data = _open_choice(session, st.member, proposal.id)
    held = [
        (p, ballots.has_voted(session, p.giver, proposal.id))
        for p in proxies.proxies_held(session, actor, proposal.id)
    ]
    return render_page(
        "proposal.html",
        status,
        st=st,
        proposal=proposal,
        form=form,
        can_vote=can_vote,
        voted=voted,
        held=held,
        my_proxy=proxies.my_proxy(session, st.member, proposal.id),
        threshold=proposals.threshold_words(proposal.kind),
        confirm_form=ConfirmForm(),
        proxy_forms={p.giver_id: VoteForm(prefix=f"m{p.giver_id}") for p, _v in held},
    )


def _open_choice(session: Session, member: Member | None, proposal_id: int) -> str | None:
    if member is None:
        return None
    return session.scalar(
        select(Ballot.choice).where(
            Ballot.proposal_id == proposal_id, Ballot.member_id == member.id
        )
    )


@login_required
def proposal(proposal_id: int) -> Any:
    form = VoteForm()
    if form.validate_on_submit():
        session = current_session()
        try:
            ballots.cast_ballot(
                session,
                current_user,
                proposal_id,
                choice=form.choice.data or "",
                key=ballot_key(),
                now=now(),
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("Your vote is in. You can change it until voting closes.", "success")
            return redirect(url_for("governance.receipt", proposal_id=proposal_id))
    elif form.is_submitted() and not form.errors.get("csrf_token"):
        form.choice.errors = ["Please choose for, against or abstain."]
    return _proposal_page(proposal_id, form, 422 if form.errors else 200)


@login_required
def proxy_vote(proposal_id: int, member_id: int) -> Any:
    form = VoteForm(prefix=f"m{member_id}")
    if not form.validate_on_submit():
        flash("Please choose for, against or abstain.", "error")
        return redirect(url_for("governance.proposal", proposal_id=proposal_id))
    ballots.cast_ballot(
        current_session(),
        current_user,
        proposal_id,
        choice=form.choice.data or "",
        key=ballot_key(),
        now=now(),
        for_member_id=member_id,
    )
    flash("Your vote as their proxy is in.", "success")
    return redirect(url_for("governance.proposal", proposal_id=proposal_id))


@login_required
def open_vote(proposal_id: int) -> BaseResponse:
    require(ConfirmForm().validate_on_submit(), hidden=True)
    proposals.open_proposal(current_session(), current_user, proposal_id, now=now())
    flash("Voting is open. Every current member can now vote.", "success")
    return redirect(url_for("governance.proposal", proposal_id=proposal_id))


@login_required
def registered(proposal_id: int) -> BaseResponse:
    require(ConfirmForm().validate_on_submit(), hidden=True)
    proposals.mark_registered(current_session(), current_user, proposal_id, now=now())
    flash("Recorded that the FCA registered it.", "success")
    return redirect(url_for("governance.proposal", proposal_id=proposal_id))


@login_required
def proxy(proposal_id: int) -> Any:
    session, moment = current_session(), now()
    proposal = proposals.get_proposal(session, current_user, proposal_id, now=moment)
    st = my_standing()
    require(policy.is_current_member(st), hidden=True)
    form = ProxyForm()
    if form.validate_on_submit():
        try:
            holder = person_by_login(form.holder.data or "")
            proxies.appoint_proxy(
                session, current_user, proposal_id, holder_id=holder.id, now=moment
            )
        except DomainError as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash(
                f"{holder.display_name} is now your proxy for this vote. Your own vote always wins.",
                "success",
            )
            return redirect(url_for("governance.proposal", proposal_id=proposal_id))
    return render_page(
        "proxy.html", 422 if form.errors else 200, st=st, proposal=proposal, form=form
    )


@login_required
def receipt(proposal_id: int) -> Any:
    session, moment = current_session(), now()
    proposal = proposals.get_proposal(session, current_user, proposal_id, now=moment)
    found = ballots.my_receipt(session, current_user, proposal_id, key=ballot_key(), now=moment)
    return render_page("receipt.html", proposal=proposal, receipt=found)


@login_required
def result(proposal_id: int) -> Any:
    session, moment = current_session(), now()
    proposal = proposals.get_proposal(session, current_user, proposal_id, now=moment)
    view = results.result_view(session, current_user, proposal_id, key=ballot_key(), now=moment)
    return render_page(
        "result.html",
        proposal=proposal,
        result=view,
        threshold=proposals.threshold_words(proposal.kind),
    )


@login_required
def log(proposal_id: int) -> Any:
    view = results.log_view(current_session(), current_user, proposal_id, now=now())
    return render_page(
        "log.html", proposal=view["proposal"], full=view["full"], entries=view["entries"]
    )


@login_required
def record(proposal_id: int) -> Any:
    session, moment = current_session(), now()
    require(policy.can_manage_proposals(my_standing()), hidden=True)
    proposal = proposals.get_proposal(session, current_user, proposal_id, now=moment)
    form = RecordForm()
    form.member_id.choices = [
        SelectChoice(m.id, m.name) for m in register.member_names(session, current_user, now=moment)
    ]
    if form.validate_on_submit():
        try:
            recorded.record_ballot(
                session,
                current_user,
                proposal_id,
                member_id=form.member_id.data or 0,
                choice=form.choice.data or "",
                method=form.method.data or "",
                now=moment,
            )
        except DomainError as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("Recorded. It counts once a second officer countersigns it.", "success")
            return redirect(url_for("governance.proposal", proposal_id=proposal_id))
    elif form.is_submitted():
        for radio in (form.method, form.choice):
            if not radio.data:
                radio.errors = ["Please choose one."]
    return render_page("record.html", 422 if form.errors else 200, proposal=proposal, form=form)


@login_required
def countersign_list() -> Any:
    st = my_standing()
    require(policy.can_countersign(st), hidden=True)
    waiting = recorded.awaiting_countersignature(current_session(), current_user, now=now())
    return render_page("countersign.html", st=st, waiting=waiting, confirm_form=ConfirmForm())


@login_required
def countersign(recorded_id: int) -> BaseResponse:
    require(ConfirmForm().validate_on_submit(), hidden=True)
    recorded.countersign(
        current_session(),
        current_user,
        recorded_id,
        key=ballot_key(),
        base_url=current_app.config["CARECOOP_BASE_URL"],
        now=now(),
    )
    flash("Countersigned: the ballot has been cast and the member told.", "success")
    return redirect(url_for("governance.countersign_list"))
