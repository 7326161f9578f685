"""The teams' URL rules at a glance: the pages (`teams.views`, under /teams) and the JSON API
(`teams.api`, under /api/v1). Each view keeps its decorators (sign-in, writing, the API's
arguments and responses); its address is here. Matching's are in `teams.matching.blueprint`."""

from __future__ import annotations

from teams import api, views
from teams.models import HATS
from teams.views import history, members_and_hats, private_records, teams_and_invitations

#: A member of a team, and one of the hats (rota_holder, plan_holder, introducer,
#: medication_holder, representative), in the API's addresses.
MEMBER = "/teams/<id:team_id>/members/<id:membership_id>"
HAT = f"<any({', '.join(HATS)}):hat>"

# Pages: teams and invitations --------------------------------------------------------------------
views.bp.add_url_rule("/", view_func=teams_and_invitations.my_teams)
views.bp.add_url_rule(
    "/my-invitations/<id:membership_id>/accept",
    view_func=teams_and_invitations.accept_addressed,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/my-invitations/<id:membership_id>/decline",
    view_func=teams_and_invitations.decline_addressed,
    methods=["GET", "POST"],
)
views.bp.add_url_rule("/new", view_func=teams_and_invitations.new_team, methods=["GET", "POST"])
views.bp.add_url_rule("/<id:team_id>", view_func=teams_and_invitations.team)
views.bp.add_url_rule(
    "/<id:team_id>/invite", view_func=teams_and_invitations.invite, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/<id:team_id>/suggest", view_func=teams_and_invitations.suggest, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/<id:team_id>/suggestions/<id:proposal_id>",
    view_func=teams_and_invitations.decide_suggestion,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/invitations/<token>", view_func=teams_and_invitations.invitation, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/invitations/<token>/accept",
    view_func=teams_and_invitations.accept_invitation,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/invitations/<token>/decline",
    view_func=teams_and_invitations.decline_invitation,
    methods=["GET", "POST"],
)

# Pages: members and hats -------------------------------------------------------------------------
views.bp.add_url_rule("/<id:team_id>/members/<id:membership_id>", view_func=members_and_hats.member)
views.bp.add_url_rule(
    "/<id:team_id>/members/<id:membership_id>/hats",
    view_func=members_and_hats.offer_hat,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/members/<id:membership_id>/hats/<hat>/answer",
    view_func=members_and_hats.answer_hat,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/members/<id:membership_id>/hats/<hat>/take-back",
    view_func=members_and_hats.take_back_hat,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/members/<id:membership_id>/hats/<hat>/put-down",
    view_func=members_and_hats.put_down_hat,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/hats/<id:hat_id>/check",
    view_func=members_and_hats.check_representative,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/members/<id:membership_id>/settings",
    view_func=members_and_hats.member_settings,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/members/<id:membership_id>/remove",
    view_func=members_and_hats.remove_member,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/leave", view_func=members_and_hats.leave, methods=["GET", "POST"]
)

# Pages: the support plan, notes, access from outside, who has seen what --------------------------
views.bp.add_url_rule("/<id:team_id>/plan", view_func=private_records.plan)
views.bp.add_url_rule(
    "/<id:team_id>/plan/edit", view_func=private_records.edit_plan, methods=["GET", "POST"]
)
views.bp.add_url_rule("/<id:team_id>/plan/history", view_func=private_records.plan_history)
views.bp.add_url_rule("/<id:team_id>/plan/compare", view_func=private_records.plan_compare)
views.bp.add_url_rule(
    "/<id:team_id>/notes", view_func=private_records.notes, methods=["GET", "POST"]
)
views.bp.add_url_rule("/<id:team_id>/access", view_func=private_records.access)
views.bp.add_url_rule(
    "/<id:team_id>/access/grant", view_func=private_records.grant_access, methods=["POST"]
)
views.bp.add_url_rule(
    "/<id:team_id>/access/<id:access_id>/end",
    view_func=private_records.revoke_access,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/<id:team_id>/access/emergency", view_func=private_records.open_emergency, methods=["POST"]
)
views.bp.add_url_rule("/<id:team_id>/access-log", view_func=private_records.access_log)
views.bp.add_url_rule("/access-holds", view_func=private_records.access_holds)
views.bp.add_url_rule(
    "/access-holds/<id:event_id>", view_func=private_records.hold_access, methods=["POST"]
)

# Pages: the team's history -----------------------------------------------------------------------
views.bp.add_url_rule("/<id:team_id>/history", view_func=history.history)

# JSON API ----------------------------------------------------------------------------------------
api.blp.add_url_rule("/teams", view_func=api.Teams)
api.blp.add_url_rule("/teams/<id:team_id>", view_func=api.TeamResource)
api.blp.add_url_rule("/teams/<id:team_id>/members", view_func=api.Members)
api.blp.add_url_rule("/teams/<id:team_id>/proposals", view_func=api.Proposals)
api.blp.add_url_rule(MEMBER, view_func=api.MemberResource)
api.blp.add_url_rule(f"{MEMBER}/hats", view_func=api.Hats)
api.blp.add_url_rule(f"{MEMBER}/hats/{HAT}", view_func=api.HatResource)
api.blp.add_url_rule(f"{MEMBER}/hats/{HAT}/accept", view_func=api.HatAccept)
api.blp.add_url_rule(f"{MEMBER}/hats/{HAT}/decline", view_func=api.HatDecline)
api.blp.add_url_rule("/invitations/<string:token>/accept", view_func=api.InvitationAccept)
api.blp.add_url_rule("/invitations/<string:token>/decline", view_func=api.InvitationDecline)
api.blp.add_url_rule("/teams/<id:team_id>/plan", view_func=api.Plan)
api.blp.add_url_rule("/teams/<id:team_id>/plan/versions", view_func=api.PlanVersions)
api.blp.add_url_rule("/teams/<id:team_id>/plan/versions/<id:version>", view_func=api.PlanVersion)
api.blp.add_url_rule("/teams/<id:team_id>/notes", view_func=api.Notes)
api.blp.add_url_rule("/teams/<id:team_id>/access-log", view_func=api.AccessLog)


#: What `teams.init_app` registers.
PAGES = views.bp
API = api.blp
