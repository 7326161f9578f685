"""Matching's URL rules at a glance: the pages (`teams.matching.views`) and the JSON API
(`teams.matching.api`, under /api/v1). Each view keeps its decorators (sign-in, writing, the
API's arguments and responses); its address is here."""

from __future__ import annotations

from teams.matching import api, views
from teams.matching.views import consent, staff, team, worker

# Pages: a worker's profile, checks, suggestions and conversations --------------------------------
views.bp.add_url_rule("/matching/profile", view_func=worker.profile, methods=["GET", "POST"])
views.bp.add_url_rule("/matching/about-you", view_func=worker.about_you, methods=["GET", "POST"])
views.bp.add_url_rule("/matching/me", view_func=worker.my_matching)
views.bp.add_url_rule("/matching/openings/<id:opening_id>", view_func=worker.worker_opening)
views.bp.add_url_rule(
    "/matching/openings/<id:opening_id>/interest",
    view_func=worker.worker_interest,
    methods=["POST"],
)

# Pages: the answers either side gives ------------------------------------------------------------
views.bp.add_url_rule(
    "/matching/interests/<id:interest_id>/answer",
    view_func=consent.interest_answer,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/matching/interests/<id:interest_id>/stop",
    view_func=consent.interest_stop,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/matching/interests/<id:interest_id>/trial",
    view_func=consent.interest_trial,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/matching/trials/<id:trial_id>/agree", view_func=consent.trial_agree, methods=["POST"]
)
views.bp.add_url_rule(
    "/matching/trials/<id:trial_id>/carry-on", view_func=consent.trial_carry_on, methods=["POST"]
)

# Pages: a team's openings ------------------------------------------------------------------------
views.bp.add_url_rule("/teams/<id:team_id>/openings", view_func=team.team_openings)
views.bp.add_url_rule(
    "/teams/<id:team_id>/openings/new", view_func=team.new_opening, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/teams/<id:team_id>/openings/<id:opening_id>/edit",
    view_func=team.edit_opening,
    methods=["GET", "POST"],
)
views.bp.add_url_rule("/teams/<id:team_id>/openings/<id:opening_id>", view_func=team.opening)
views.bp.add_url_rule(
    "/teams/<id:team_id>/openings/<id:opening_id>/interest",
    view_func=team.express_interest,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/teams/<id:team_id>/openings/<id:opening_id>/close/<any(filled, unneeded):how>",
    view_func=team.close_opening,
    methods=["GET", "POST"],
)
views.bp.add_url_rule("/matching/workers/<id:worker_id>", view_func=team.worker_profile)
views.bp.add_url_rule("/matching/workers/<id:worker_id>/unpause", view_func=team.back_to_worker)
views.bp.add_url_rule("/matching/workers/<id:worker_id>/pause", view_func=team.back_to_worker)
views.bp.add_url_rule("/matching/workers/<id:worker_id>/checks", view_func=team.back_to_worker)
views.bp.add_url_rule(
    "/matching/workers/<id:worker_id>/checks", view_func=team.record_check, methods=["POST"]
)
views.bp.add_url_rule(
    "/matching/workers/<id:worker_id>/pause", view_func=team.pause_worker, methods=["POST"]
)
views.bp.add_url_rule(
    "/matching/workers/<id:worker_id>/unpause", view_func=team.unpause_worker, methods=["POST"]
)

# Pages: the facilitators' workers, lists, notes, figures and equality monitor --------------------
views.bp.add_url_rule("/matching/workers", view_func=staff.workers)
views.bp.add_url_rule("/matching/lists", view_func=staff.lists, methods=["GET", "POST"])
views.bp.add_url_rule("/matching/notes", view_func=staff.notes)
views.bp.add_url_rule("/matching/figures", view_func=staff.matching_figures)
views.bp.add_url_rule("/matching/figures.csv", view_func=staff.matching_figures_csv)
views.bp.add_url_rule("/matching/equality", view_func=staff.equality)

# JSON API ----------------------------------------------------------------------------------------
api.blp.add_url_rule("/workers/me", view_func=api.MyProfile)
api.blp.add_url_rule("/workers/<id:worker_id>", view_func=api.WorkerResource)
api.blp.add_url_rule("/teams/<id:team_id>/openings", view_func=api.TeamOpenings)
api.blp.add_url_rule("/teams/<id:team_id>/openings/<id:opening_id>", view_func=api.TeamOpening)
api.blp.add_url_rule(
    "/teams/<id:team_id>/openings/<id:opening_id>/close", view_func=api.TeamOpeningClose
)
api.blp.add_url_rule("/openings", view_func=api.Openings)
api.blp.add_url_rule("/openings/<id:opening_id>", view_func=api.OpeningResource)
api.blp.add_url_rule("/openings/<id:opening_id>/suggestions", view_func=api.OpeningSuggestions)
api.blp.add_url_rule("/workers/me/suggestions", view_func=api.MySuggestions)
api.blp.add_url_rule("/interests", view_func=api.Interests)
api.blp.add_url_rule("/interests/<id:interest_id>", view_func=api.InterestResource)
api.blp.add_url_rule("/interests/<id:interest_id>/answer", view_func=api.InterestAnswer)
api.blp.add_url_rule("/interests/<id:interest_id>/trial", view_func=api.InterestTrial)
api.blp.add_url_rule("/interests/<id:interest_id>/stop", view_func=api.InterestStop)
api.blp.add_url_rule("/trials/<id:trial_id>/agree", view_func=api.TrialAgree)
api.blp.add_url_rule("/trials/<id:trial_id>/decision", view_func=api.TrialDecision)


#: What `teams.matching.setup.init_app` registers.
PAGES = views.bp
API = api.blp
