"""What the two API functions share: request and answer helpers, the error handlers, the checks made
before routing (admin key, body size, JSON depth) and the pages' form posts as JSON.

The routes live in routers of their own: public.py (readers: sign-up, confirm, preferences,
unsubscribe, export, erase, and their pages) and editorial.py (the admin API, the review page and the
desk).  Each deployed function resolves only its own router (digest.handlers.api, .admin_api), so the
public function loads nothing of the editors' code (clustering: numpy, scipy) and needs none of their
permissions; app.py puts both together for `digest serve` and the OpenAPI document.

HTML forms post to the same public paths as API clients: ``handle`` turns a form post to one of the
JSON routes into the JSON body that route is typed for, so those routes stay strictly typed and the
pages need no routes of their own.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
from contextvars import ContextVar
from typing import Annotated, Any, cast
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter, Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api import pages, subscriptions
from digest.api.models import TOKEN_MAX, Problem, zone_names
from digest.readers import ReaderError
from digest.settings import Settings, get_settings
from digest.store.secrets import admin_api_key
from digest.tokens import TokenError

# Paths of AdminApiFunction (digest.api.editorial); API Gateway sends every other one to ApiFunction.
EDITORIAL_PREFIXES = ("/admin/", "/review/", "/desk/")
EDITORIAL_PATHS = frozenset({"/openapi.json"})
MAX_BODY = 16_384
MAX_IMPORT_BODY = 5_000_000
IMPORT_PATH = "/admin/subscribers/import"
# JSON routes that the pages' forms post to, and the fields each form may carry.
FORM_FIELDS: dict[str, dict[str, str]] = {
    "/subscriptions": {
        "email": "str",
        "name": "str",
        "sections": "list",
        "timezone": "str",
        "consent": "bool",
        "policy_version": "str",
        "source": "str",
        "website": "str",
    },
    "/subscriptions/confirm": {"token": "str"},
}
TRUE = {"true", "on", "yes", "1"}

Token = Annotated[str, Path(min_length=10, max_length=TOKEN_MAX, description="The signed token from the link.")]
ReaderId = Annotated[str, Path(pattern=r"^[0-9a-f]{24}$", description="A reader's id (a hash of the address).")]
EditionId = Annotated[str, Path(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W48.")]
SourceId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
ADMIN: list[dict[str, list[str]]] = [{"apiKey": []}]


# ---------------------------------------------------------------- documentation helpers


def _json(model: Any, description: str) -> OpenAPIResponse:
    return {"description": description, "content": {content_types.APPLICATION_JSON: {"model": model}}}


def _html(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _both(model: Any, description: str) -> OpenAPIResponse:
    return {
        "description": description + " (JSON, or a page when the client prefers text/html)",
        "content": {
            content_types.APPLICATION_JSON: {"model": model},
            "text/html": {"schema": {"type": "string"}},
        },
    }


ERRORS: dict[int, str] = {
    400: "The link or the input cannot be used",
    404: "No such thing",
    409: "Not possible in the current state",
    413: "The request body is too large",
    422: "The input does not match the schema",
    429: "Too many requests",
}


def _errors(*codes: int, html: bool = True) -> dict[int, OpenAPIResponse]:
    make = _both if html else _json
    return {code: make(Problem, ERRORS[code] if code != 401 else "A valid x-api-key is required") for code in codes}


def responses(ok: dict[int, OpenAPIResponse], *errors: int, html: bool = True) -> dict[int, OpenAPIResponse]:
    return {**ok, **_errors(413, 422, *errors, html=html)}


def admin_responses(ok: dict[int, OpenAPIResponse], *errors: int) -> dict[int, OpenAPIResponse]:
    return {**ok, **_errors(401, 413, 422, *errors, html=False)}


# ---------------------------------------------------------------- request helpers


def is_editorial(path: str) -> bool:
    """True for a path the editors' function answers (template.yaml routes it to AdminApiFunction)."""
    return path in EDITORIAL_PATHS or path.startswith(EDITORIAL_PREFIXES)


_PAGE: ContextVar[bool] = ContextVar("page", default=False)


def current() -> APIGatewayProxyEvent:
    """The request being resolved (whichever resolver resolves it)."""
    return cast(APIGatewayProxyEvent, BaseRouter.current_event)


def mark_page() -> None:
    """This request comes from a page (a form post): errors answer with a page too."""
    _PAGE.set(True)


def is_page() -> bool:
    return _PAGE.get()


def _header(name: str) -> str:
    return str(current().headers.get(name) or "")


def _wants_html(default: bool = False) -> bool:
    """True for a browser (a form post, or an Accept that prefers text/html to JSON)."""
    if is_page():
        return True
    accept = _header("accept").lower()
    json_at, html_at = accept.find("application/json"), accept.find("text/html")
    if json_at >= 0 and (html_at < 0 or json_at < html_at):
        return False
    if html_at >= 0:
        return True
    return default


def _requester(source: str | None = None) -> subscriptions.Requester:
    identity = current().request_context.identity
    agent = identity.user_agent or _header("user-agent")
    return subscriptions.Requester(
        ip=identity.source_ip or None,
        user_agent=agent[:300] or None,
        source=source or ("form" if is_page() else "api"),
    )


def _base_url() -> str:
    """Where links in mails point: the configured URL, else the API's own execute-api address, built
    from what API Gateway (not the client) says: the API id and stage.  Never the Host header, which
    the client writes."""
    configured = get_settings().api_base_url
    if configured:
        return configured.rstrip("/")
    context = current().request_context
    region = os.environ.get("AWS_REGION", "")
    if not (context.api_id and region and context.stage):
        raise RuntimeError("API_BASE_URL is not set and the request names no API id and stage")
    return f"https://{context.api_id}.execute-api.{region}.amazonaws.com/{context.stage}"


def _settings() -> Settings:
    """This process's settings, with links pointing where this request came in."""
    settings = get_settings()
    base = _base_url()
    return settings if base == settings.api_base_url else settings.model_copy(update={"api_base_url": base})


def _reply(status: int, body: Any, *, html: Response[str] | None = None) -> Response[Any]:
    if html is not None and _wants_html():
        return html
    if hasattr(body, "model_dump"):
        body = body.model_dump(mode="json")
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _require_admin() -> None:
    if not _admin_key_ok(_header("x-api-key")):
        raise AdminKeyError


def _admin_key_ok(supplied: str) -> bool:
    return bool(supplied) and hmac.compare_digest(supplied.encode(), admin_api_key(get_settings()).encode())


def _editor() -> str:
    who = _header("x-editor").strip()[:100]
    return who or "admin-api"


# ---------------------------------------------------------------- errors


class AdminKeyError(Exception):
    """No valid admin key."""


def _problem(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Response[Any]:
    if _wants_html():
        title = "That did not work" if status != 429 else "Please try again later"
        return pages.message(title, message, status=status)
    headers = {"Retry-After": "3600"} if status == 429 else None
    body = Problem(message=message, errors=errors).model_dump(mode="json", exclude_none=True)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def _invalid(error: RequestValidationError) -> Response[Any]:
    details = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "invalid")), "type": str(e["type"])}
        for e in error.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid"}
    where = ".".join(p for p in first["loc"] if p != "body") or "body"
    if _wants_html():
        field = next((p for p in reversed(first["loc"]) if p not in {"body", "path", "query", "form"}), "")
        words = PLAIN_ERRORS.get(field, "Something in the form could not be used. Please check it and try again.")
        if str(current().path).rstrip("/").endswith("/subscriptions"):
            return _signup_again(words)
        return pages.message("That did not work", words, status=422)
    return _problem(422, f"{where}: {first['msg']}", details)


PLAIN_ERRORS = {
    "email": "Please enter your email address, for instance name@example.com.",
    "consent": "Please tick the box to agree to the privacy policy: we cannot mail you without it.",
    "timezone": "Please choose a time zone from the list, for instance Europe/London.",
    "name": "That name is too long: 200 characters at most.",
    "sections": "Please choose sections from the list.",
    "token": "This link is incomplete or broken. Copy the whole link from the mail, or click it there.",
}


def _signup_again(error: str, status: int = 422) -> Response[str]:
    """The sign-up page again, saying what to fix, with what the reader typed still in it."""
    try:
        typed = json.loads(current().body or "{}")
    except ValueError:
        typed = {}
    typed = typed if isinstance(typed, dict) else {}
    chosen = {str(s) for s in typed.get("sections") or [] if isinstance(s, str)}
    return pages.render(
        "subscribe.html.j2", "Sign up for our free weekly newsletter", status=status, error=error,
        source=str(typed.get("source") or "subscribe-page")[:60], typed=typed, chosen=chosen, zones=zone_names(),
    )  # fmt: skip


def _unsupported(error: RequestUnsupportedContentType) -> Response[Any]:
    return _problem(422, "Send JSON (Content-Type: application/json).")


def _unauthorised(error: AdminKeyError) -> Response[Any]:
    return Response(
        status_code=401,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "A valid x-api-key header is required."},
    )


def _bad_token(error: TokenError) -> Response[Any]:
    return _problem(400, str(error))


def _missing(error: LookupError) -> Response[Any]:
    if isinstance(error, KeyError | IndexError):  # a bug, not a missing reader or edition
        raise error
    return _problem(404, str(error.args[0]) if error.args else "Not found.")


def _limited(error: subscriptions.RateLimited) -> Response[Any]:
    return _problem(429, str(error))


def _bad_input(error: Exception) -> Response[Any]:
    if isinstance(error, ReaderError) and _wants_html() and str(current().path).endswith("/subscriptions"):
        reason = str(error).rstrip(". ")  # the validator's reasons end in a full stop; one is enough
        return _signup_again(f"That address cannot be used: {reason}. Please check it, for instance name@example.com.",
                             status=400)  # fmt: skip
    return _problem(400, str(error)[:500])


def not_found(error: NotFoundError) -> Response[Any]:
    return _problem(404, "Not found.")


def conflict(error: Exception) -> Response[Any]:
    """The answer to an edit or status change the edition's state does not allow (editorial routes)."""
    return _problem(409, str(error))


def resolver(*routers: Router) -> APIGatewayRestResolver:
    """A resolver of ``routers`` with the shared error handlers."""
    app = APIGatewayRestResolver(enable_validation=True)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(RequestUnsupportedContentType)(_unsupported)
    app.exception_handler(AdminKeyError)(_unauthorised)
    app.exception_handler(TokenError)(_bad_token)
    app.exception_handler(LookupError)(_missing)
    app.exception_handler(subscriptions.RateLimited)(_limited)
    app.exception_handler([ReaderError, ValueError])(_bad_input)  # admin's CursorError is a ValueError
    app.not_found(not_found)
    for router in routers:
        app.include_router(router)
    return app



# ---------------------------------------------------------------- entry


def _early(status: int, message: str) -> dict[str, Any]:
    """A response given before routing (the admin key, the body size)."""
    return {
        "statusCode": status,
        "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON], **NOSNIFF},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }


NOSNIFF = {"X-Content-Type-Options": ["nosniff"]}  # a JSON answer is never sniffed into a page
MAX_DIGITS = 100  # far more than any number of this API; Python's own limit (4,300) answers with its internals


class _LongNumber(ValueError):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _LongNumber
    return int(text)


def _has_long_number(body: str) -> bool:
    """True for a JSON body with an integer too long to be anything but an attack."""
    try:
        json.loads(body, parse_int=_bounded_int)
    except _LongNumber:
        return True
    except ValueError:
        return False  # not JSON: the route's validation says so
    return False


def _with_nosniff(reply: dict[str, Any]) -> dict[str, Any]:
    headers = reply.setdefault("multiValueHeaders", {}) or {}
    if not any(name.lower() == "x-content-type-options" for name in [*headers, *(reply.get("headers") or {})]):
        headers.update(NOSNIFF)
        reply["multiValueHeaders"] = headers
    return reply


def _lower_headers(event: dict[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items() if v is not None}


def _raw_body(event: dict[str, Any]) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return ""
    return str(body)


def _form_as_json(event: dict[str, Any], path: str, body: str) -> dict[str, Any]:
    """A page's form post to a JSON route, as the JSON that route is typed for."""
    fields = FORM_FIELDS[path]
    form = parse_qs(body, keep_blank_values=True)
    data: dict[str, Any] = {}
    for name, kind in fields.items():
        values = [v.strip() for v in form.get(name, [])]
        if kind == "list":
            data[name] = [v for v in values if v]
        elif kind == "bool" and values:
            data[name] = values[-1].lower() in TRUE
        elif values and values[-1]:
            data[name] = values[-1]
    headers = {k: v for k, v in (event.get("headers") or {}).items() if str(k).lower() != "content-type"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if str(k).lower() != "content-type"}
    return {
        **event,
        "body": json.dumps(data),
        "isBase64Encoded": False,
        "headers": {**headers, "content-type": content_types.APPLICATION_JSON},
        "multiValueHeaders": {**multi, "content-type": [content_types.APPLICATION_JSON]},
    }


def _too_deep(body: str, limit: int = 32) -> bool:
    """True for JSON nested deeper than any request of this API (json.loads would recurse away)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in body:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def handle(app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An API function's entry: admin key and body size first, page forms as JSON, then ``app``'s routes."""
    _PAGE.set(False)
    path = str(event.get("path") or "")
    headers = _lower_headers(event)
    if path.startswith("/admin/") and not _admin_key_ok(headers.get("x-api-key", "")):
        return _early(401, "A valid x-api-key header is required.")
    body = _raw_body(event)
    is_import = path == IMPORT_PATH or (path.startswith("/desk/") and path.endswith("/subscribers"))
    limit = MAX_IMPORT_BODY if is_import else MAX_BODY
    if len(body) > limit:
        return _early(413, f"The request body is larger than {limit} bytes.")
    content_type = headers.get("content-type", "").lower()
    if body and (not content_type or content_type.startswith("application/json")):
        if _too_deep(body):
            return _early(422, "The JSON body is nested too deeply.")
        if _has_long_number(body):
            return _early(422, f"A number in the JSON body has more than {MAX_DIGITS} digits.")
    is_form = content_type.startswith("application/x-www-form-urlencoded")
    if str(event.get("httpMethod", "")).upper() == "POST" and path in FORM_FIELDS and is_form:
        event = _form_as_json(event, path, body)
        mark_page()
    return _with_nosniff(app.resolve(event, context))
