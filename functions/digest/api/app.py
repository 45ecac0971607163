"""Both API routers in one resolver: `digest serve` (one local server for every route), the OpenAPI
document and the tests.  In AWS each half is a function of its own: public.py (ApiFunction) and
editorial.py (AdminApiFunction); web.py holds what they share.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api import editorial, public, web

app = web.resolver(public.router, editorial.router)


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Every route of the API (what API Gateway routes to the two functions), in one process."""
    return web.handle(app, event, context)
