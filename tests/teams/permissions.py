"""The teams permission table: for each action, who may take it. Every actor not listed is
refused (a 404 where they may not see the team or the thing, a 403 where they can see it)."""

from __future__ import annotations

MEMBERS = (
    "leader",
    "representative",
    "rota_holder",
    "plan_holder",
    "introducer",
    "medication_holder",
    "plain_member",
)

ALLOWED: dict[str, set[str]] = {
    "view_team": {*MEMBERS, "facilitator", "facilitator_with_access", "registered_manager"},
    "invite": {"leader", "representative"},
    "accept_invitation_sent_to_someone_else": set(),
    "propose": {"introducer"},
    "offer_hat": {"leader", "representative"},
    "offer_representative_hat": {"leader"},
    "accept_hat_offered_to_plain_member": {"plain_member"},
    "take_back_rota_hat": {"leader", "representative"},
    "put_down_rota_hat": {"rota_holder"},
    "view_plan": {
        "leader",
        "representative",
        "plan_holder",
        "facilitator_with_access",
        "registered_manager",
    },
    "edit_plan": {"leader", "representative", "plan_holder"},
    "view_private_note": {"leader", "representative", "plain_member"},
    "view_access_page": {"leader", "representative"},
}
