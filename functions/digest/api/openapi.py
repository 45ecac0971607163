"""The API's OpenAPI document, generated from the routes and models.

``docs/openapi.json`` is this module's output, committed; a test fails when they drift.  Regenerate with::

    .venv/bin/python -m digest.api.openapi > docs/openapi.json
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

TITLE = "Friday Digest API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Readers sign up with double opt-in, confirm, change preferences, unsubscribe (RFC 8058 one-click), "
    "export and erase their data through signed links; admins manage readers, sources and editions with "
    "the x-api-key header. Errors are JSON `{message, errors?}`; browsers get pages instead."
)
# Request bodies that the routes read themselves (so Powertools cannot describe them).
EXTRA_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("/admin/subscribers/import", "post"): {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "maxLength": 5_000_000}}},
    },
    ("/unsubscribe/{token}", "post"): {
        "required": False,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"List-Unsubscribe": {"type": "string", "enum": ["One-Click"]}},
                }
            }
        },
    },
}


@cache
def document() -> dict[str, Any]:
    from digest.api.app import app

    schema: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description=DESCRIPTION,
            security_schemes={"apiKey": APIKey(name="x-api-key", **{"in": APIKeyIn.header})},
        )
    )
    for (path, method), body in EXTRA_BODIES.items():
        schema["paths"][path][method]["requestBody"] = body
    return schema


def main() -> None:
    print(json.dumps(document(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
