"""The co-op's URL rules at a glance: the pages (`governance.views`, under /coop) and the JSON
API (`governance.api`, under /api/v1). Each view keeps its decorators (sign-in, writing, the
API's arguments and responses); its address is here."""

from __future__ import annotations

from governance import api, views
from governance.views import elections, meetings, membership, voting

# Pages: membership and the register --------------------------------------------------------------
views.bp.add_url_rule("/membership", view_func=membership.membership, methods=["GET", "POST"])
views.bp.add_url_rule("/membership/leave", view_func=membership.leave, methods=["GET", "POST"])
views.bp.add_url_rule("/members", view_func=membership.members)
views.bp.add_url_rule("/register", view_func=membership.register_page)
views.bp.add_url_rule("/register.csv", view_func=membership.register_csv)
views.bp.add_url_rule(
    "/register/<id:member_id>", view_func=membership.member_page, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/register/<id:member_id>/admit", view_func=membership.admit, methods=["POST"]
)
views.bp.add_url_rule(
    "/register/<id:member_id>/leave", view_func=membership.record_leaving, methods=["POST"]
)
views.bp.add_url_rule("/officers", view_func=membership.officers, methods=["GET", "POST"])
views.bp.add_url_rule(
    "/officers/<id:officer_id>/end", view_func=membership.end_officer, methods=["POST"]
)

# Pages: proposals, votes and proxies -------------------------------------------------------------
views.bp.add_url_rule("/proposals", view_func=voting.proposals_page)
views.bp.add_url_rule("/proposals/new", view_func=voting.new_proposal, methods=["GET", "POST"])
views.bp.add_url_rule(
    "/proposals/<id:proposal_id>", view_func=voting.proposal, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/proposals/<id:proposal_id>/proxy-vote/<id:member_id>",
    view_func=voting.proxy_vote,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/proposals/<id:proposal_id>/open", view_func=voting.open_vote, methods=["POST"]
)
views.bp.add_url_rule(
    "/proposals/<id:proposal_id>/registered", view_func=voting.registered, methods=["POST"]
)
views.bp.add_url_rule(
    "/proposals/<id:proposal_id>/proxy", view_func=voting.proxy, methods=["GET", "POST"]
)
views.bp.add_url_rule("/proposals/<id:proposal_id>/receipt", view_func=voting.receipt)
views.bp.add_url_rule("/proposals/<id:proposal_id>/result", view_func=voting.result)
views.bp.add_url_rule("/proposals/<id:proposal_id>/log", view_func=voting.log)
views.bp.add_url_rule(
    "/proposals/<id:proposal_id>/record", view_func=voting.record, methods=["GET", "POST"]
)
views.bp.add_url_rule("/countersign", view_func=voting.countersign_list)
views.bp.add_url_rule(
    "/countersign/<id:recorded_id>", view_func=voting.countersign, methods=["POST"]
)

# Pages: meetings ---------------------------------------------------------------------------------
views.bp.add_url_rule("/meetings", view_func=meetings.meetings_page)
views.bp.add_url_rule("/meetings/new", view_func=meetings.new_meeting, methods=["GET", "POST"])
views.bp.add_url_rule("/meetings/<id:meeting_id>", view_func=meetings.meeting)
views.bp.add_url_rule(
    "/meetings/<id:meeting_id>/agenda", view_func=meetings.add_agenda_item, methods=["POST"]
)
views.bp.add_url_rule(
    "/meetings/<id:meeting_id>/attendance", view_func=meetings.record_attendance, methods=["POST"]
)
views.bp.add_url_rule(
    "/meetings/<id:meeting_id>/attendance/<id:member_id>/remove",
    view_func=meetings.remove_attendance,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/meetings/<id:meeting_id>/minutes", view_func=meetings.save_minutes, methods=["POST"]
)
views.bp.add_url_rule(
    "/meetings/<id:meeting_id>/confirmation",
    view_func=meetings.record_confirmation,
    methods=["POST"],
)

# Pages: elections --------------------------------------------------------------------------------
views.bp.add_url_rule("/elections", view_func=elections.elections_page)
views.bp.add_url_rule("/elections/new", view_func=elections.new_election, methods=["GET", "POST"])
views.bp.add_url_rule(
    "/elections/<id:election_id>", view_func=elections.election, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/elections/<id:election_id>/candidates", view_func=elections.nominate, methods=["POST"]
)
views.bp.add_url_rule(
    "/elections/<id:election_id>/open", view_func=elections.open_election, methods=["POST"]
)
views.bp.add_url_rule(
    "/elections/<id:election_id>/close", view_func=elections.close_election, methods=["POST"]
)
views.bp.add_url_rule("/elections/<id:election_id>/result", view_func=elections.election_result)

# JSON API ----------------------------------------------------------------------------------------
api.blp.add_url_rule("/members", view_func=api.Members)
api.blp.add_url_rule("/members/<id:member_id>", view_func=api.MemberResource)
api.blp.add_url_rule("/proposals", view_func=api.Proposals)
api.blp.add_url_rule("/proposals/<id:proposal_id>", view_func=api.ProposalResource)
api.blp.add_url_rule("/proposals/<id:proposal_id>/open", view_func=api.ProposalOpen)
api.blp.add_url_rule("/proposals/<id:proposal_id>/registration", view_func=api.ProposalRegistration)
api.blp.add_url_rule("/proposals/<id:proposal_id>/ballot", view_func=api.MyBallot)
api.blp.add_url_rule(
    "/proposals/<id:proposal_id>/ballots/<id:member_id>", view_func=api.OthersBallot
)
api.blp.add_url_rule("/recorded-ballots/<id:recorded_id>/countersign", view_func=api.Countersign)
api.blp.add_url_rule("/proposals/<id:proposal_id>/result", view_func=api.ResultResource)
api.blp.add_url_rule("/proposals/<id:proposal_id>/log", view_func=api.LogResource)
api.blp.add_url_rule("/proxies", view_func=api.Proxies)
api.blp.add_url_rule("/meetings", view_func=api.Meetings)
api.blp.add_url_rule("/meetings/<id:meeting_id>", view_func=api.MeetingResource)
api.blp.add_url_rule("/elections", view_func=api.Elections)
api.blp.add_url_rule("/elections/<id:election_id>", view_func=api.ElectionResource)
api.blp.add_url_rule("/elections/<id:election_id>/ballot", view_func=api.ElectionBallotResource)
api.blp.add_url_rule("/elections/<id:election_id>/result", view_func=api.ElectionResultResource)


#: What `governance.init_app` registers.
PAGES = views.bp
API = api.blp
