"""Marshmallow schemas for the platform's JSON API."""

from __future__ import annotations

import marshmallow as ma


class ProblemSchema(ma.Schema):
    """An error, as RFC 9457 `application/problem+json`."""

    type = ma.fields.String(
        metadata={"description": "A URI for the kind of problem", "example": "about:blank"}
    )
    title = ma.fields.String(metadata={"description": "A short summary of the kind of problem"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong this time, in plain words"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Problems with individual fields, by field name"},
    )


class MeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(allow_none=True)
    username = ma.fields.String()
    display_name = ma.fields.String()
    roles = ma.fields.Function(lambda user: sorted(user.roles))


class ApiTokenSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    scope = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
