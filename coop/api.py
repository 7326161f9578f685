"""The JSON API's shared parts (flask-smorest, problem+json errors) and `/api/v1/me`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Api, Blueprint

from coop.db import current_session
from coop.schemas import ApiTokenSchema, MeSchema, ProblemSchema
from coop.services import tokens
from coop.web import PROBLEM_JSON, IdConverter, now


class CarecoopApi(Api):
    """flask-smorest, with errors documented as `application/problem+json`. Its own error
    handler is not registered: `coop.web` answers every error of the app in one place."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE: str = "application/json"

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = content_type


def api_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    return Blueprint(name, import_name, url_prefix="/api/v1", description=description)


def problem_responses(*statuses: int) -> Any:
    """Document the problem+json answers an endpoint may give (401 always)."""

    def decorate(func: Any) -> Any:
        for status in sorted({401, *statuses}):
            func = me_blp.alt_response(status, response=_NAMES[status])(func)
        return func

    return decorate


_NAMES = {
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
}

me_blp = api_blueprint("me", __name__, "You: your account and personal API tokens.")


class Me(MethodView):
    decorators = [login_required]

    @me_blp.response(200, MeSchema)
    @problem_responses()
    def get(self) -> Any:
        """Who you are: id, e-mail, display name and platform roles."""
        return current_user


class MyTokens(MethodView):
    decorators = [login_required]

    @me_blp.response(200, ApiTokenSchema(many=True))
    @problem_responses()
    def get(self) -> Any:
        """Your personal API tokens that still work (never the tokens themselves)."""
        return tokens.tokens_of(current_session(), current_user)


class MyToken(MethodView):
    decorators = [login_required]

    @me_blp.response(204)
    @problem_responses(403, 404)
    def delete(self, token_id: int) -> None:
        """Revoke one of your tokens. It stops working at once."""
        tokens.revoke_token(current_session(), current_user, token_id, now=now())


def init_api(app: Flask) -> CarecoopApi:
    """Make the app's Api; domains register their blueprints with `register_api_blueprint`."""
    api = CarecoopApi()
    api.register_converter(
        IdConverter, lambda _c: {"type": "integer", "format": "int64", "minimum": 1}
    )
    api.init_app(app)
    app.extensions["carecoop.api"] = api
    from coop import blueprint  # the URL rules, `me_blp`'s among them

    api.register_blueprint(blueprint.API)
    return api


def register_api_blueprint(app: Flask, blueprint: Blueprint) -> None:
    app.extensions["carecoop.api"].register_blueprint(blueprint)
