"""Pages for membership, the register of members and the register of officers."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from coop.db import current_session
from coop.errors import DomainError, Forbidden, Invalid, NotFound, require
from coop.forms import ConfirmForm
from coop.views.forms import apply_errors
from coop.web import now
from governance import policy
from governance.forms import (
    ApplyForm,
    MemberForm,
    OfficerForm,
)
from governance.services import officers as officer_register
from governance.services import register
from governance.views import my_standing, person_by_login, render_page


@login_required
def membership() -> Any:
    session, actor, moment = current_session(), current_user._get_current_object(), now()
    st = register.standing(session, actor, moment)
    form = ApplyForm()
    if not form.is_submitted():
        form.name.data = form.name.data or actor.display_name
        form.email.data = form.email.data or actor.email
        form.member_class.data = form.member_class.data or register.invitation_for(
            session, actor, moment
        )
    if policy.can_apply(st) and form.validate_on_submit():
        try:
            register.apply(
                session,
                actor,
                name=form.name.data or "",
                member_class=form.member_class.data or "",
                postal_address=form.postal_address.data,
                email=form.email.data,
                email_use=form.email_use.data or "notices",
                now=moment,
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("Thank you: your application has gone to the secretary.", "success")
            return redirect(url_for("governance.membership"))
    elif form.is_submitted() and not policy.can_apply(st):
        raise NotFound("We could not find that page.")
    if form.is_submitted() and not form.member_class.data:
        form.member_class.errors = ["Please choose which kind of member you are."]
    invited = register.invitation_for(session, actor, moment) if policy.can_apply(st) else None
    return render_page(
        "membership.html",
        422 if form.errors else 200,
        st=st,
        form=form,
        invited=invited,
        confirm_form=ConfirmForm(),
    )


@login_required
def leave() -> Any:
    st = my_standing()
    require(policy.can_leave(st), hidden=True)
    if st.member is None:
        raise Forbidden("Only a member can do that.")
    form = ConfirmForm()
    if form.validate_on_submit():
        register.leave(current_session(), current_user, st.member.id, now=now())
        flash("You have left the co-op. Thank you for being a member.", "success")
        return redirect(url_for("governance.membership"))
    return render_template(
        "confirm.html",
        heading="Leave the co-op?",
        explanation="You will stop being a member from today and will not be able to vote. "
        "Your shares are handled as the co-op's rules say.",
        action=url_for("governance.leave"),
        button="Yes, leave the co-op",
        back=url_for("governance.membership"),
    )


@login_required
def members() -> Any:
    names = register.member_names(current_session(), current_user, now=now())
    return render_page("members.html", names=names)


@login_required
def register_page() -> Any:
    session, moment = current_session(), now()
    rows = register.register(session, current_user, now=moment)
    could_join = register.could_join_count(session, current_user, now=moment)
    return render_page("register.html", rows=rows, could_join=could_join)


@login_required
def register_csv() -> Response:
    text = register.register_csv(current_session(), current_user, now=now())
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=register-of-members.csv"},
    )


@login_required
def member_page(member_id: int) -> Any:
    session, moment = current_session(), now()
    require(policy.can_manage_register(my_standing()), hidden=True)
    member = register.get_member(session, current_user, member_id, now=moment)
    form = MemberForm(obj=member)
    if form.validate_on_submit():
        try:
            register.update_member(
                session,
                current_user,
                member_id,
                now=moment,
                name=form.name.data,
                postal_address=form.postal_address.data,
                email=form.email.data,
                email_use=form.email_use.data,
                member_class=form.member_class.data,
                shares_held=form.shares_held.data,
                shares_paid_pence=form.shares_paid_pence.data,
                loans_pence=form.loans_pence.data,
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("The register has been updated.", "success")
            return redirect(url_for("governance.member_page", member_id=member_id))
    member = register.get_member(session, current_user, member_id, now=moment)
    return render_page(
        "member.html",
        422 if form.errors else 200,
        member=member,
        form=form,
        confirm_form=ConfirmForm(),
    )


@login_required
def admit(member_id: int) -> BaseResponse:
    require(ConfirmForm().validate_on_submit(), hidden=True)
    member = register.admit(current_session(), current_user, member_id, now=now())
    flash(f"{member.name} is now a member.", "success")
    return redirect(url_for("governance.member_page", member_id=member_id))


@login_required
def record_leaving(member_id: int) -> BaseResponse:
    require(
        ConfirmForm().validate_on_submit() and policy.can_manage_register(my_standing()),
        hidden=True,
    )
    member = register.leave(current_session(), current_user, member_id, now=now())
    flash(f"{member.name} has left the co-op.", "success")
    return redirect(url_for("governance.member_page", member_id=member_id))


@login_required
def officers() -> Any:
    session, moment = current_session(), now()
    st = my_standing()
    form = OfficerForm()
    if form.is_submitted():
        require(policy.can_manage_register(st), hidden=True)
    if form.validate_on_submit():
        try:
            holder = person_by_login(form.holder.data or "")
            officer_register.appoint_officer(
                session, current_user, user_id=holder.id, office=form.office.data or "", now=moment
            )
        except (Invalid, DomainError) as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash("The register of officers has been updated.", "success")
            return redirect(url_for("governance.officers"))
    rows = officer_register.officers(session, current_user, now=moment, current_only=False)
    return render_page(
        "officers.html",
        422 if form.errors else 200,
        st=st,
        rows=rows,
        form=form,
        confirm_form=ConfirmForm(),
    )


@login_required
def end_officer(officer_id: int) -> BaseResponse:
    require(ConfirmForm().validate_on_submit(), hidden=True)
    officer_register.end_officer(current_session(), current_user, officer_id, now=now())
    flash("Recorded that they stood down.", "success")
    return redirect(url_for("governance.officers"))
