"""Routes of the subscriber and admin API (Powertools REST resolver) and the pages readers see."""

from __future__ import annotations

import hmac
import json
from functools import cache
from typing import Any, Literal
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, UnauthorizedError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from digest.api import subscriptions
from digest.models import Consent, Section, SubscriberStatus
from digest.readers import ReaderError
from digest.settings import get_settings
from digest.store.secrets import admin_api_key
from digest.store.subscribers import SubscriberStore
from digest.tokens import TokenError

app = APIGatewayRestResolver(enable_validation=True)
MAX_BODY = 16_384


class SubscribeRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    email: str = Field(min_length=3, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    sections: list[Section] = Field(default_factory=list, max_length=len(Section))
    timezone: str | None = Field(default=None, max_length=64)
    consent: Literal[True]
    policy_version: str | None = Field(default=None, max_length=40)
    website: str | None = Field(default=None, max_length=200)  # honeypot: people leave it empty


class TokenRequest(BaseModel):
    token: str = Field(min_length=10, max_length=512)


ACCEPTED = {"status": "accepted", "message": "If the address can receive mail, a confirmation link is on its way."}


@cache
def _pages() -> Environment:
    return Environment(loader=FileSystemLoader(get_settings().layouts_dir), autoescape=select_autoescape(["j2"]))


def page(title: str, *paragraphs: str, form: dict[str, Any] | None = None, status: int = 200) -> Response[str]:
    settings = get_settings()
    body = (
        _pages()
        .get_template("page.html.j2")
        .render(
            title=title,
            paragraphs=paragraphs,
            form=form,
            newsletter=settings.newsletter_name,
            privacy_url=settings.privacy_policy_url,
        )
    )
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=body)


def _body() -> dict[str, Any]:
    """The request body as a dict, from JSON or an HTML form."""
    raw = app.current_event.decoded_body or ""
    if len(raw) > MAX_BODY:
        raise BadRequestError("The request body is too large.")
    content_type = (
        app.current_event.headers.get("content-type") or app.current_event.headers.get("Content-Type") or ""
    ).lower()
    if "application/x-www-form-urlencoded" in content_type:
        form = parse_qs(raw, keep_blank_values=True)
        return {k: (v if k == "sections" else v[-1]) for k, v in form.items()}
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError as error:
        raise BadRequestError("The request body is not valid JSON.") from error
    if not isinstance(data, dict):
        raise BadRequestError("The request body must be a JSON object.")
    return data


def _consent(source: str, event: str, policy_version: str | None = None) -> Consent:
    request = app.current_event
    return Consent(
        source=source,
        event=event,
        ip=request.request_context.identity.source_ip,
        user_agent=(request.request_context.identity.user_agent or "")[:300] or None,
        policy_version=policy_version,
    )


def _base_url() -> str:
    configured = get_settings().api_base_url
    host = app.current_event.headers.get("Host") or app.current_event.headers.get("host")
    if host and host.endswith(".amazonaws.com"):
        return f"https://{host}/{app.current_event.request_context.stage}"
    return configured.rstrip("/")


def _wants_html() -> bool:
    return "application/json" not in (app.current_event.headers.get("content-type") or "").lower()


@app.get("/subscribe")
def subscribe_page() -> Response[str]:
    return page(
        "Sign up for our free weekly newsletter",
        "A hand-picked selection of news, features, analysis and more, in your mailbox every Friday.",
        form={"action": "subscriptions", "button": "Subscribe", "hidden": {}, "subscribe": True},
    )


@app.post("/subscriptions")
def create_subscription() -> Response[Any]:
    try:
        request = SubscribeRequest.model_validate(_body())
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise BadRequestError(f"{'.'.join(map(str, first['loc'])) or 'body'}: {first['msg']}") from error
    if not request.website:
        try:
            subscriptions.subscribe(
                get_settings(),
                email=request.email,
                name=request.name,
                sections=request.sections,
                base_url=_base_url(),
                consent=_consent("api", "subscribe", request.policy_version),
            )
        except ReaderError as error:
            raise BadRequestError(f"email: {error}") from error
    if _wants_html():
        return page("Check your inbox", "We have sent you a link to confirm your subscription.", status=202)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=ACCEPTED)


@app.get("/confirm")
def confirm_page() -> Response[str]:
    token = app.current_event.get_query_string_value("token") or ""
    # One click, not the link itself, confirms: mail scanners follow links but do not submit forms.
    return page(
        "Confirm your subscription",
        "One more click and you are on the list.",
        form={"action": "subscriptions/confirm", "button": "Confirm my subscription", "hidden": {"token": token}},
    )


@app.post("/subscriptions/confirm")
def confirm_subscription() -> Response[Any]:
    try:
        token = TokenRequest.model_validate(_body()).token
        subscriptions.confirm(get_settings(), token, _consent("api", "confirm"))
    except (ValidationError, TokenError, LookupError) as error:
        message = str(error) if not isinstance(error, ValidationError) else "The link is malformed."
        if _wants_html():
            return page("That link did not work", message, status=400)
        raise BadRequestError(message) from error
    if _wants_html():
        return page("You're subscribed", "Your first digest arrives on Friday.")
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body={"status": "confirmed"})


@app.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Response[str]:
    return page(
        "Unsubscribe",
        "Press the button and you will get no more digests.",
        form={"action": token, "button": "Unsubscribe", "hidden": {}},
    )


@app.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> Response[Any]:
    """RFC 8058 one-click: a POST with List-Unsubscribe=One-Click (or the page's button) unsubscribes."""
    try:
        subscriptions.unsubscribe(get_settings(), token)
    except (TokenError, LookupError) as error:
        return page("That link did not work", str(error), status=400)
    return page("You are unsubscribed", "You will get no more digests. Sorry to see you go.")


def _require_admin() -> None:
    supplied = app.current_event.headers.get("x-api-key") or app.current_event.headers.get("X-Api-Key") or ""
    if not supplied or not hmac.compare_digest(supplied, admin_api_key(get_settings())):
        raise UnauthorizedError("A valid x-api-key header is required.")


@app.get("/admin/subscribers")
def list_subscribers() -> dict[str, Any]:
    _require_admin()
    status = app.current_event.get_query_string_value("status") or SubscriberStatus.confirmed.value
    try:
        wanted = SubscriberStatus(status)
    except ValueError as error:
        raise BadRequestError(f"unknown status {status!r}") from error
    limit = min(int(app.current_event.get_query_string_value("limit") or 100), 1000)
    readers = []
    for reader in SubscriberStore(get_settings().subscribers_table).with_status(wanted):
        readers.append({"id": reader.id, "email": reader.email, "name": reader.name, "status": reader.status.value})
        if len(readers) >= limit:
            break
    return {"subscribers": readers}


@app.not_found
def not_found(error: NotFoundError) -> Response[Any]:
    return Response(status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "Not found"})
