"""Routes of the subscriber and admin API (Powertools REST resolver) and the pages readers see.

Each route parses its input (Powertools validates it against the pydantic models, which also make
the OpenAPI document), calls one function of subscriptions.py, admin.py or review.py, and shapes
the answer: JSON for API clients, a page for browsers (the Accept header decides, or the form).

HTML forms post to the same public paths as API clients: ``resolve`` turns a form post to one of
the JSON routes into the JSON body that route is typed for, so those routes stay strictly typed
and the pages need no routes of their own.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Form, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api import admin, desk, pages, review, subscriptions
from digest.api.models import (
    TOKEN_MAX,
    Accepted,
    DataExport,
    DecisionRequest,
    EditionList,
    EditionStats,
    EditionSummary,
    ImportReport,
    NewSource,
    Preferences,
    PreferencesUpdate,
    Problem,
    ReaderPage,
    SourceInput,
    SourceList,
    StatusChange,
    StatusReply,
    SubscribeRequest,
    SubscriberRecord,
    TestSendReport,
    TestSendRequest,
    TokenRequest,
    known_zone,
    zone_names,
)
from digest.models import Decision, Edition, Section, Source, Subscriber, SubscriberStatus
from digest.readers import ReaderError
from digest.settings import Settings, get_settings
from digest.store.secrets import admin_api_key, token_keys
from digest.store.sources import SourceStore
from digest.stories.editing import EditError
from digest.stories.service import EditionError, edit_edition
from digest.tokens import Purpose, TokenError, issue, reader_subject

app = APIGatewayRestResolver(enable_validation=True)

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


def _header(name: str) -> str:
    return str(app.current_event.headers.get(name) or "")


def _wants_html(default: bool = False) -> bool:
    """True for a browser (a form post, or an Accept that prefers text/html to JSON)."""
    if app.context.get("page"):
        return True
    accept = _header("accept").lower()
    json_at, html_at = accept.find("application/json"), accept.find("text/html")
    if json_at >= 0 and (html_at < 0 or json_at < html_at):
        return False
    if html_at >= 0:
        return True
    return default


def _requester(source: str | None = None) -> subscriptions.Requester:
    identity = app.current_event.request_context.identity
    agent = identity.user_agent or _header("user-agent")
    return subscriptions.Requester(
        ip=identity.source_ip or None,
        user_agent=agent[:300] or None,
        source=source or ("form" if app.context.get("page") else "api"),
    )


def _base_url() -> str:
    """Where links in mails point: the configured URL, else the API's own execute-api address, built
    from what API Gateway (not the client) says: the API id and stage.  Never the Host header, which
    the client writes."""
    configured = get_settings().api_base_url
    if configured:
        return configured.rstrip("/")
    context = app.current_event.request_context
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


@app.exception_handler(RequestValidationError)
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
        if str(app.current_event.path).rstrip("/").endswith("/subscriptions"):
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
        typed = json.loads(app.current_event.body or "{}")
    except ValueError:
        typed = {}
    typed = typed if isinstance(typed, dict) else {}
    chosen = {str(s) for s in typed.get("sections") or [] if isinstance(s, str)}
    return pages.render(
        "subscribe.html.j2", "Sign up for our free weekly newsletter", status=status, error=error,
        source=str(typed.get("source") or "subscribe-page")[:60], typed=typed, chosen=chosen, zones=zone_names(),
    )  # fmt: skip


@app.exception_handler(RequestUnsupportedContentType)
def _unsupported(error: RequestUnsupportedContentType) -> Response[Any]:
    return _problem(422, "Send JSON (Content-Type: application/json).")


@app.exception_handler(AdminKeyError)
def _unauthorised(error: AdminKeyError) -> Response[Any]:
    return Response(
        status_code=401,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "A valid x-api-key header is required."},
    )


@app.exception_handler(TokenError)
def _bad_token(error: TokenError) -> Response[Any]:
    return _problem(400, str(error))


@app.exception_handler(LookupError)
def _missing(error: LookupError) -> Response[Any]:
    if isinstance(error, KeyError | IndexError):  # a bug, not a missing reader or edition
        raise error
    return _problem(404, str(error.args[0]) if error.args else "Not found.")


@app.exception_handler(subscriptions.RateLimited)
def _limited(error: subscriptions.RateLimited) -> Response[Any]:
    return _problem(429, str(error))


@app.exception_handler([EditionError, EditError])
def _conflict(error: Exception) -> Response[Any]:
    return _problem(409, str(error))


@app.exception_handler([ReaderError, admin.CursorError, ValueError])
def _bad_input(error: Exception) -> Response[Any]:
    if isinstance(error, ReaderError) and _wants_html() and str(app.current_event.path).endswith("/subscriptions"):
        reason = str(error).rstrip(". ")  # the validator's reasons end in a full stop; one is enough
        return _signup_again(f"That address cannot be used: {reason}. Please check it, for instance name@example.com.",
                             status=400)  # fmt: skip
    return _problem(400, str(error)[:500])


@app.not_found
def not_found(error: NotFoundError) -> Response[Any]:
    return _problem(404, "Not found.")


# ---------------------------------------------------------------- readers: sign-up and confirmation


@app.get(
    "/subscribe",
    summary="The sign-up page",
    tags=["pages"],
    responses={200: _html("The sign-up form")},
)
def subscribe_page() -> Response[str]:
    return pages.render(
        "subscribe.html.j2", "Sign up for our free weekly newsletter", source="subscribe-page", typed={},
        chosen=set(), zones=zone_names(),
    )  # fmt: skip


@app.post(
    "/subscriptions",
    summary="Sign up (double opt-in): always 202, whatever the address's state",
    tags=["readers"],
    responses=responses({202: _both(Accepted, "Accepted; a confirmation mail is sent if appropriate")}, 400, 429),
)
def create_subscription(request: Annotated[SubscribeRequest, Body()]) -> Response[Any]:
    if not request.website:  # the honeypot: people leave it empty, bots fill it
        subscriptions.subscribe(
            get_settings(),
            email=request.email,
            name=request.name,
            sections=request.sections,
            timezone=request.timezone,
            policy_version=request.policy_version,
            base_url=_base_url(),
            requester=_requester(request.source),
        )
    page = pages.message(
        "Check your inbox",
        f"We have sent a link to {request.email}. Click it to confirm your subscription.",
        "Nothing after a few minutes? Look in your spam or junk folder, and mark us as not spam.",
        status=202,
        links=[{"href": "subscribe", "text": "Wrong address? Sign up again"}],
    )
    return _reply(202, Accepted(), html=page)


@app.get(
    "/confirm",
    summary="The page a confirmation mail links to: one button, so link scanners confirm nothing",
    tags=["pages"],
    responses={200: _html("The confirmation form")},
)
def confirm_page(token: Annotated[str, Query(max_length=TOKEN_MAX)] = "") -> Response[str]:
    return pages.message(
        "Confirm your subscription",
        "One more click and you are on the list.",
        form={"action": "subscriptions/confirm", "button": "Confirm my subscription", "hidden": {"token": token}},
    )


@app.post(
    "/subscriptions/confirm",
    summary="Confirm a subscription with the token from the mail",
    tags=["readers"],
    responses=responses({200: _both(StatusReply, "Confirmed")}, 400, 404),
)
def confirm_subscription(request: Annotated[TokenRequest, Body()]) -> Response[Any]:
    reader = subscriptions.confirm(get_settings(), request.token, _requester())
    page = pages.message("You're subscribed", "Your first digest arrives soon. Thank you!")
    return _reply(200, StatusReply(status=reader.status), html=page)


# ---------------------------------------------------------------- readers: unsubscribe, preferences, data


@app.get(
    "/unsubscribe/<token>",
    summary="The unsubscribe page: one button, and a way to the preferences",
    tags=["pages"],
    responses={200: _html("The unsubscribe page"), **_errors(400, 404, 422)},
)
def unsubscribe_page(token: Token) -> Response[str]:
    # No way to the preferences from here: that link would be one more that opens the reader's
    # settings, minted for whoever holds a forwarded issue.
    subscriptions.reader_for(get_settings(), token, Purpose.unsubscribe)
    return pages.render("unsubscribe.html.j2", "Unsubscribe", token=token)


@app.post(
    "/unsubscribe/<token>",
    summary="Unsubscribe: RFC 8058 one-click (form body List-Unsubscribe=One-Click), or the page's button",
    tags=["readers"],
    responses=responses({200: _both(StatusReply, "Unsubscribed (no redirect, no cookies)")}, 400, 404),
)
def unsubscribe(token: Token) -> Response[Any]:
    # The body (List-Unsubscribe=One-Click, urlencoded or multipart) carries nothing we need: the
    # POST itself is the request, and a GET never unsubscribes.
    reader = subscriptions.unsubscribe(get_settings(), token, _requester("one-click"))
    page = pages.message(
        "You are unsubscribed",
        "You will get no more digests. Sorry to see you go.",
        "Unsubscribed by mistake? Sign up again: we will mail you a link to confirm.",
        links=[{"href": "../subscribe", "text": "Sign up again"}],
    )
    return _reply(200, StatusReply(status=reader.status), html=page)


def _preferences(reader: Subscriber) -> Preferences:
    return Preferences(
        email=reader.email, name=reader.name, status=reader.status, sections=reader.sections, timezone=reader.timezone
    )


def _preferences_page(
    token: str,
    reader: Subscriber,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    typed_timezone: str | None = None,
) -> Response[str]:
    """The preferences page; ``typed_timezone`` is what the reader typed when it was no time zone
    (shown again in the field, to correct, rather than the one stored)."""
    unsubscribe_token = None
    if reader.status in {SubscriberStatus.confirmed, SubscriberStatus.pending}:
        subject = reader_subject(reader.id, reader.token_version)
        unsubscribe_token = issue(token_keys(get_settings())[0], Purpose.unsubscribe, subject)
    return pages.render(
        "preferences.html.j2",
        "Your preferences",
        status=status,
        error=error,
        token=token,
        reader=reader,
        chosen={s.value for s in reader.sections},
        unsubscribe_token=unsubscribe_token,
        notice=notice,
        zones=zone_names(),
        timezone=reader.timezone if typed_timezone is None else typed_timezone,
    )


@app.get(
    "/preferences/<token>",
    summary="A reader's preferences (JSON, or the preferences page for browsers)",
    tags=["readers"],
    responses=responses({200: _both(Preferences, "The preferences")}, 400, 404),
)
def get_preferences(token: Token) -> Response[Any]:
    reader = subscriptions.preferences(get_settings(), token)
    return _reply(200, _preferences(reader), html=_preferences_page(token, reader))


@app.put(
    "/preferences/<token>",
    summary="Change preferences: only the fields given change",
    tags=["readers"],
    responses=responses({200: _json(Preferences, "The preferences now")}, 400, 404, html=False),
)
def put_preferences(token: Token, changes: Annotated[PreferencesUpdate, Body()]) -> Response[Any]:
    reader = subscriptions.update_preferences(get_settings(), token, changes.model_dump(exclude_unset=True))
    return _reply(200, _preferences(reader))


@app.post(
    "/preferences/<token>",
    summary="The preferences page's form: sets every field (unticked sections: all)",
    tags=["pages"],
    responses={200: _html("The preferences page, saved"), **_errors(400, 404, 413, 422)},
)
def post_preferences(
    token: Token,
    name: Annotated[str, Form(max_length=200)] = "",
    sections: Annotated[list[Section], Form(max_length=len(Section))] = [],  # noqa: B006 (Powertools copies it)
    frequency: Annotated[Literal["weekly"], Form()] = "weekly",
    timezone: Annotated[str, Form(max_length=64)] = "",
) -> Response[str]:
    app.append_context(page=True)
    try:
        known_zone(timezone.strip() or None)
    except ValueError:
        reader = subscriptions.preferences(get_settings(), token)
        typed = reader.model_copy(update={"name": name.strip() or None, "sections": sections})
        return _preferences_page(token, typed, error=PLAIN_ERRORS["timezone"], status=400, typed_timezone=timezone)
    changes = {"name": name.strip(), "sections": sections, "timezone": timezone.strip()}
    reader = subscriptions.update_preferences(get_settings(), token, changes)
    return _preferences_page(token, reader, notice="Saved.")


@app.post(
    "/preferences/<token>/data-link",
    summary="Mail the reader a link (valid 24 hours) to their data: export and erase",
    tags=["readers"],
    responses=responses({202: _both(Accepted, "The link is on its way")}, 400, 404, 429),
)
def request_data_link(token: Token) -> Response[Any]:
    subscriptions.mail_data_link(get_settings(), token, _base_url())
    page = pages.message("Check your inbox", "We have sent you a link to your data. It works for 24 hours.", status=202)
    return _reply(202, Accepted(message="A link to your data is on its way to your address."), html=page)


@app.get(
    "/data/<token>",
    summary="The page a data link opens: download everything, or erase it",
    tags=["pages"],
    responses={200: _html("The data page"), **_errors(400, 404, 422)},
)
def data_page(
    token: Token, step: Annotated[Literal["", "erase"], Query(description="erase: the confirmation step")] = ""
) -> Response[str]:
    reader = subscriptions.data_reader(get_settings(), token)
    if step == "erase":
        return pages.render("data.html.j2", "Erase your data?", token=token, reader=reader, confirm=True)
    return pages.render("data.html.j2", "Your data", token=token, reader=reader, confirm=False)


@app.get(
    "/export/<token>",
    summary="Everything stored about the reader: record, consents, send-log rows (a mailed data link)",
    tags=["readers"],
    responses=responses({200: _json(DataExport, "The reader's data")}, 400, 404),
)
def export_data(token: Token) -> Response[Any]:
    data = DataExport.model_validate(subscriptions.export(get_settings(), token))
    response = _reply(200, data)
    response.headers["Content-Disposition"] = 'inline; filename="my-newsletter-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@app.post(
    "/erase/<token>",
    summary="Erase the reader's personal data (keeps only the address's hash, marked erased; a mailed data link)",
    tags=["readers"],
    responses=responses({200: _both(StatusReply, "Erased")}, 400, 404),
)
def erase_data(token: Token) -> Response[Any]:
    subscriptions.erase(get_settings(), token)
    page = pages.message("Your data is erased", "We have kept nothing about you but a note never to mail you again.")
    return _reply(200, StatusReply(status=SubscriberStatus.erased), html=page)


# ---------------------------------------------------------------- editors: the review page


def _review_page(
    token: str, edition: Edition, *, query: dict[str, str] | None = None, status: int = 200
) -> Response[str]:
    query = query or {}
    context = review.page_context(_settings(), edition)
    notice = review.notice_for(edition, query)
    return pages.render(
        "review.html.j2",
        f"Review: {edition.id}",
        status=status,
        token=token,
        notice=notice,
        asked=query.get("done") == "ask",
        **context,
    )


Done = Annotated[str, Query(max_length=20, pattern=r"^[a-z]*$", description="What the last control did.")]
Story = Annotated[str, Query(max_length=64, description="The story the last control acted on.")]
To = Annotated[str, Query(max_length=320, description="Where the last test went.")]


@app.get(
    "/review/<token>",
    summary="The editor's review page for one edition (the token comes from `digest edition review-link`)",
    tags=["pages"],
    responses={200: _html("The review page"), **_errors(400, 404, 422)},
)
def review_page(token: Token, done: Done = "", story: Story = "", to: To = "") -> Response[str]:
    edition = review.edition_for(get_settings(), token)
    return _review_page(token, edition, query={"done": done, "story": story, "to": to})


@app.post(
    "/review/<token>",
    summary="A control of the review page: pin (section, position), up, down, unpin, drop, restore, summary, "
    "copy (subject, preheader, note), test (address), approve (confirm), reopen",
    tags=["pages"],
    responses={
        303: {"description": "Done: back to the review page, saying what was done", "content": {}},
        **_errors(400, 404, 409, 413, 422),
    },
)
def review_action(
    token: Token,
    action: Annotated[
        Literal["pin", "unpin", "drop", "restore", "up", "down", "summary", "copy", "test", "approve", "reopen"],
        Form(),
    ],
    target: Annotated[str | None, Form(max_length=64)] = None,
    section: Annotated[Section | None, Form()] = None,
    position: Annotated[int | None, Form(ge=1, le=50)] = None,
    text: Annotated[str | None, Form(max_length=600)] = None,
    subject: Annotated[str | None, Form(max_length=200)] = None,
    preheader: Annotated[str | None, Form(max_length=200)] = None,
    note: Annotated[str | None, Form(max_length=1000)] = None,
    address: Annotated[str | None, Form(max_length=320)] = None,
    confirm: Annotated[Literal["yes", ""], Form()] = "",
) -> Response[str]:
    app.append_context(page=True)
    change = review.ReviewAction(
        action=action, target=target, section=section, position=position, text=text,
        subject=subject or "", preheader=preheader or "", note=note or "", address=address, confirm=confirm == "yes",
    )  # fmt: skip
    _, outcome = review.apply(_settings(), token, change)
    # Post/Redirect/Get; relative, so it works under any stage prefix.
    location = f"{token}?{urlencode(outcome.query())}"
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"}, body="")


@app.get(
    "/review/<token>/stats",
    summary="The numbers of the edition a review link names: readers, feedback, rates, past editions",
    tags=["pages"],
    responses={200: _html("The stats page"), **_errors(400, 404, 422)},
)
def review_stats_page(token: Token) -> Response[str]:
    edition = review.edition_for(get_settings(), token)
    return desk.stats_page(get_settings(), edition, back=token, desk_token=None)


# ---------------------------------------------------------------- editors: the desk


@app.get(
    "/desk/<token>",
    summary="The editor's desk: every edition with its status, send time and figures (a desk link)",
    tags=["pages"],
    responses={200: _html("The editions list"), **_errors(400, 422)},
)
def desk_page(token: Token) -> Response[str]:
    desk.check(get_settings(), token)
    return desk.editions_page(_settings(), token)


ReaderStatusQuery = Annotated[SubscriberStatus | Literal[""], Query(description="Only readers with this status.")]


@app.get(
    "/desk/<token>/subscribers",
    summary="The readers page of the desk: counts, search, add, unsubscribe, erase, import, export",
    tags=["pages"],
    responses={200: _html("The readers page"), **_errors(400, 422)},
)
def desk_subscribers(
    token: Token,
    q: Annotated[str, Query(max_length=100, description="Part of an address or name")] = "",
    status: ReaderStatusQuery = "",
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response[str]:
    app.append_context(page=True)
    desk.check(get_settings(), token)
    chosen = SubscriberStatus(status) if status else None
    return desk.subscribers_page(get_settings(), token, search=q.strip(), status=chosen, cursor=cursor)


@app.post(
    "/desk/<token>/subscribers",
    summary="A control of the readers page: add (email, name), unsubscribe or erase (reader), import (csv)",
    tags=["pages"],
    responses={200: _html("The readers page, saying what was done"), **_errors(400, 404, 413, 422)},
)
def desk_subscribers_action(
    token: Token,
    action: Annotated[Literal["add", "unsubscribe", "erase", "import"], Form()],
    reader: Annotated[str, Form(max_length=24)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    csv: Annotated[str, Form(max_length=MAX_IMPORT_BODY)] = "",
) -> Response[str]:
    app.append_context(page=True)
    settings = get_settings()
    desk.check(settings, token)
    try:
        if action == "add":
            notice = desk.add_reader(settings, email, name, who="the desk")
        elif action == "import":
            outcome = admin.import_readers(settings, csv.removeprefix("\ufeff"))
            return desk.subscribers_page(settings, token, report=outcome)
        else:
            notice = desk.reader_action(settings, action, reader)
    except (ReaderError, ValueError, LookupError) as error:
        return desk.subscribers_page(settings, token, error=str(error)[:300], code=400)
    return desk.subscribers_page(settings, token, notice=notice)


@app.get(
    "/desk/<token>/subscribers.csv",
    summary="Every reader (but the erased) as CSV with consent columns (a desk link)",
    tags=["pages"],
    responses={200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, **_errors(400)},
)
def desk_export(token: Token) -> Response[str]:
    desk.check(get_settings(), token)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body="".join(admin.export_readers(get_settings())),
        headers={"Content-Disposition": 'attachment; filename="readers.csv"', "Cache-Control": "no-store"},
    )


# ---------------------------------------------------------------- admin: readers


@app.get(
    "/admin/subscribers",
    summary="List or search readers, a page at a time",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(ReaderPage, "A page of readers")}, 400),
)
def list_subscribers(
    status: Annotated[SubscriberStatus | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of an address or name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response[Any]:
    _require_admin()
    found, next_cursor = admin.list_readers(get_settings(), status=status, search=q, limit=limit, cursor=cursor)
    page = ReaderPage(subscribers=[SubscriberRecord.model_validate(r.model_dump()) for r in found], cursor=next_cursor)
    return _reply(200, page)


@app.get(
    "/admin/subscribers/export",
    summary="Every reader (but the erased) as CSV, in the import's format",
    tags=["admin"],
    security=ADMIN,
    responses={200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, **_errors(401)},
)
def export_subscribers() -> Response[str]:
    _require_admin()
    body = "".join(admin.export_readers(get_settings()))
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=body,
        headers={"Content-Disposition": 'attachment; filename="readers.csv"'},
    )


@app.post(
    IMPORT_PATH,
    summary="Import readers from CSV (email, name, sections, timezone, status): idempotent, per-row errors",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(ImportReport, "What was imported and what was not")}, 400),
)
def import_subscribers() -> Response[Any]:
    _require_admin()
    text = app.current_event.decoded_body or ""
    outcome = admin.import_readers(get_settings(), text.removeprefix("\ufeff"))
    report = ImportReport(
        imported=outcome.imported, unchanged=outcome.unchanged, rejected=len(outcome.errors), errors=outcome.errors
    )
    return _reply(200, report)


@app.get(
    "/admin/subscribers/<reader_id>",
    summary="One reader, with consents",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Subscriber, "The reader")}, 404),
)
def get_subscriber(reader_id: ReaderId) -> Response[Any]:
    _require_admin()
    return _reply(200, admin.get_reader(get_settings(), reader_id))


@app.put(
    "/admin/subscribers/<reader_id>/status",
    summary="Change a reader's status",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(SubscriberRecord, "The reader now")}, 400, 404),
)
def change_subscriber_status(reader_id: ReaderId, change: Annotated[StatusChange, Body()]) -> Response[Any]:
    _require_admin()
    reader = admin.set_reader_status(get_settings(), reader_id, SubscriberStatus(change.status))
    return _reply(200, SubscriberRecord.model_validate(reader.model_dump()))


@app.post(
    "/admin/subscribers/<reader_id>/erase",
    summary="Erase a reader's personal data (as the reader's own erase does)",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(StatusReply, "Erased")}, 404),
)
def erase_subscriber(reader_id: ReaderId) -> Response[Any]:
    _require_admin()
    admin.erase_reader_by_id(get_settings(), reader_id)
    return _reply(200, StatusReply(status=SubscriberStatus.erased))


@app.post(
    "/admin/subscribers/<reader_id>/rotate-links",
    summary="Revoke every link the reader was sent (unsubscribe, preferences, data); new mail carries new ones",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(StatusReply, "Done: the reader's status")}, 404),
)
def rotate_links(reader_id: ReaderId) -> Response[Any]:
    _require_admin()
    return _reply(200, StatusReply(status=subscriptions.rotate_links(get_settings(), reader_id).status))


# ---------------------------------------------------------------- admin: sources


def _sources() -> SourceStore:
    return SourceStore(get_settings().sources_table)


def _storable(data: dict[str, Any]) -> Source:
    """A source that will read back as itself (a URL that normalises past the limit is refused now, not later)."""
    source = Source.model_validate(data)
    return Source.model_validate_json(source.model_dump_json())


def _source_json(source: Source) -> dict[str, Any]:
    return source.model_dump(mode="json")


@app.get(
    "/admin/sources",
    summary="Every source",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(SourceList, "The sources")}),
)
def list_sources() -> Response[Any]:
    _require_admin()
    return _reply(200, SourceList(sources=[_source_json(s) for s in _sources().all()]))


@app.post(
    "/admin/sources",
    summary="Add a source",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({201: _json(Source, "The new source")}, 400, 409),
)
def create_source(new: Annotated[NewSource, Body()]) -> Response[Any]:
    _require_admin()
    if _sources().get(new.id):
        raise EditionError(f"a source {new.id} exists already; PUT /admin/sources/{new.id} changes it")
    source = _storable(new.model_dump())
    _sources().put(source)
    return _reply(201, source)


@app.get(
    "/admin/sources/<source_id>",
    summary="One source, with its polling state",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Source, "The source")}, 404),
)
def get_source(source_id: SourceId) -> Response[Any]:
    _require_admin()
    source = _sources().get(source_id)
    if source is None:
        raise LookupError(f"no source {source_id}")
    return _reply(200, source)


@app.put(
    "/admin/sources/<source_id>",
    summary="Create or change a source (its polling state is kept)",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Source, "The source now")}, 400),
)
def put_source(source_id: SourceId, change: Annotated[SourceInput, Body()]) -> Response[Any]:
    _require_admin()
    before = _sources().get(source_id)
    base = before.model_dump() if before else {"id": source_id}
    source = _storable({**base, **change.model_dump()})
    _sources().put(source)
    return _reply(200, source)


@app.delete(
    "/admin/sources/<source_id>",
    summary="Remove a source (its articles stay)",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({204: {"description": "Removed", "content": {}}}, 404),
)
def delete_source(source_id: SourceId) -> Response[Any]:
    _require_admin()
    if _sources().get(source_id) is None:
        raise LookupError(f"no source {source_id}")
    _sources().delete(source_id)
    return Response(status_code=204, body="")


# ---------------------------------------------------------------- admin: editions


def _summary(edition: Edition) -> EditionSummary:
    return EditionSummary(
        id=edition.id,
        number=edition.number,
        status=edition.status,
        window_start=edition.window_start,
        window_end=edition.window_end,
        stories=len(edition.stories()),
        new_articles=edition.new_articles,
    )


@app.get(
    "/admin/editions",
    summary="Every edition, newest first",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(EditionList, "The editions")}),
)
def list_editions() -> Response[Any]:
    _require_admin()
    return _reply(200, EditionList(editions=[_summary(e) for e in admin.list_editions(get_settings())]))


@app.get(
    "/admin/editions/<edition_id>",
    summary="One edition: sections, stories, decisions, history",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Edition, "The edition")}, 404),
)
def get_edition(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    return _reply(200, admin.get_edition(get_settings(), edition_id))


@app.post(
    "/admin/editions/<edition_id>/decisions",
    summary="An editor's change to a draft: pin (section, position: also reorders), unpin, drop, restore, summary",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Edition, "The rebuilt draft")}, 404, 409),
)
def decide(edition_id: EditionId, request: Annotated[DecisionRequest, Body()]) -> Response[Any]:
    _require_admin()
    admin.get_edition(get_settings(), edition_id)
    decision = Decision(**request.model_dump(), who=_editor())
    return _reply(200, edit_edition(get_settings(), edition_id, decision))


@app.post(
    "/admin/editions/<edition_id>/approve",
    summary="Approve a draft for sending",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(Edition, "The approved edition")}, 404, 409),
)
def approve_edition(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    admin.get_edition(get_settings(), edition_id)
    return _reply(200, admin.approve(get_settings(), edition_id, who=_editor()))


@app.post(
    "/admin/editions/<edition_id>/test-send",
    summary="Mail the edition, marked [TEST], to up to 10 addresses; the send log is not touched",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(TestSendReport, "What SES accepted")}, 400, 404),
)
def test_send(edition_id: EditionId, request: Annotated[TestSendRequest, Body()]) -> Response[Any]:
    _require_admin()
    return _reply(200, TestSendReport(sent=admin.test_send(_settings(), edition_id, request.addresses)))


@app.get(
    "/admin/editions/<edition_id>/stats",
    summary="Send-log counts and SES counters of an edition",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(EditionStats, "The numbers")}, 404),
)
def edition_stats(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    return _reply(200, EditionStats.model_validate(admin.edition_stats(get_settings(), edition_id)))


@app.get(
    "/admin/editions/<edition_id>/review-link",
    summary="A signed link (three days) to the edition's review page",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(dict[str, str], "The link")}, 404),
)
def review_link(edition_id: EditionId) -> Response[Any]:
    _require_admin()
    admin.get_edition(get_settings(), edition_id)
    return _reply(200, {"url": review.review_link(_settings(), edition_id)})


# ---------------------------------------------------------------- the OpenAPI document


@app.get(
    "/admin/desk-link",
    summary="A signed link (a week) to the editor's desk: editions, numbers, readers",
    tags=["admin"],
    security=ADMIN,
    responses=admin_responses({200: _json(dict[str, str], "The link")}),
)
def desk_link() -> Response[Any]:
    _require_admin()
    return _reply(200, {"url": desk.desk_link(_settings())})


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[Any]:
    from digest.api.openapi import document

    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document())


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


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The API's entry: admin key and body size first, page forms as JSON, then the routes."""
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
        app.append_context(page=True)
    return _with_nosniff(app.resolve(event, context))
