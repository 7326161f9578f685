"""The platform's URL rules at a glance: signing in, the home page and staff dashboard, the
account, the admin pages, the inbox and the health check, then the API's own part (`/api/v1/me`).
Each view keeps its decorators (sign-in, writing, the API's arguments and responses); its address
is here. `coop.views.init_views` registers these blueprints."""

from __future__ import annotations

from coop import api
from coop.views import account, admin, auth, health, home, inbox

# Signing in and out, joining, a forgotten password -----------------------------------------------
auth.bp.add_url_rule("/sign-in", view_func=auth.sign_in, methods=["GET", "POST"])
auth.bp.add_url_rule("/sign-out", view_func=auth.sign_out, methods=["POST"])
auth.bp.add_url_rule("/join/<token>", view_func=auth.join, methods=["GET", "POST"])
auth.bp.add_url_rule("/reset", view_func=auth.reset_request, methods=["GET", "POST"])
auth.bp.add_url_rule("/reset/<token>", view_func=auth.reset_password, methods=["GET", "POST"])

# The home page and the staff dashboard -----------------------------------------------------------
home.bp.add_url_rule("/", view_func=home.index)
home.bp.add_url_rule("/dashboard", view_func=home.dashboard)

# The account -------------------------------------------------------------------------------------
account.bp.add_url_rule("/", view_func=account.index)
account.bp.add_url_rule("/password", view_func=account.change_password, methods=["POST"])
account.bp.add_url_rule(
    "/sign-out-everywhere", view_func=account.sign_out_everywhere, methods=["POST"]
)
account.bp.add_url_rule("/tokens", view_func=account.create_token, methods=["POST"])
account.bp.add_url_rule(
    "/tokens/<id:token_id>/revoke", view_func=account.revoke_token, methods=["GET", "POST"]
)

# Admin: invitations, settings, the audit log -----------------------------------------------------
admin.bp.add_url_rule("/invite", view_func=admin.invite, methods=["GET", "POST"])
admin.bp.add_url_rule(
    "/invitations/<id:invitation_id>/withdraw",
    view_func=admin.withdraw_invitation,
    methods=["GET", "POST"],
)
admin.bp.add_url_rule("/settings", view_func=admin.settings_page, methods=["GET", "POST"])
admin.bp.add_url_rule("/audit", view_func=admin.audit)
admin.bp.add_url_rule("/audit/<id:event_id>", view_func=admin.audit_event)

# The inbox ---------------------------------------------------------------------------------------
inbox.bp.add_url_rule("/inbox", view_func=inbox.index)
inbox.bp.add_url_rule("/inbox/<id:notification_id>", view_func=inbox.open_message)
inbox.bp.add_url_rule(
    "/inbox/<id:notification_id>/read", view_func=inbox.mark_read, methods=["POST"]
)
inbox.bp.add_url_rule("/inbox/read-all", view_func=inbox.read_all, methods=["POST"])

# The health check --------------------------------------------------------------------------------
health.bp.add_url_rule("/healthz", view_func=health.healthz, methods=["GET"])

# JSON API: you, your account and tokens (/api/v1/me) ---------------------------------------------
api.me_blp.add_url_rule("/me", view_func=api.Me)
api.me_blp.add_url_rule("/me/tokens", view_func=api.MyTokens)
api.me_blp.add_url_rule("/me/tokens/<id:token_id>", view_func=api.MyToken)


#: What `coop.views.init_views` and `coop.api.init_api` register.
PAGES = (auth.bp, home.bp, account.bp, admin.bp, inbox.bp, health.bp)
API = api.me_blp
