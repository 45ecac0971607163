"""The public API: what readers do (sign up, confirm, preferences, unsubscribe, export, erase) and
the pages they see.  ApiFunction (digest.handlers.api) resolves only these routes: nothing here
loads the editors' code, so its package carries no numpy or scipy (tests/infra/test_packages.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Form, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from digest.api import pages, subscriptions, web
from digest.api.models import (
    TOKEN_MAX,
    Accepted,
    DataExport,
    Preferences,
    PreferencesUpdate,
    StatusReply,
    SubscribeRequest,
    TokenRequest,
    known_zone,
    zone_names,
)
from digest.api.web import (
    PLAIN_ERRORS,
    Token,
    _base_url,
    _both,
    _errors,
    _html,
    _json,
    _reply,
    _requester,
    mark_page,
    responses,
)
from digest.models import Section, Subscriber, SubscriberStatus
from digest.settings import get_settings
from digest.store.secrets import token_keys
from digest.tokens import Purpose, issue, reader_subject

router = Router()


# ---------------------------------------------------------------- readers: sign-up and confirmation


@router.get(
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


@router.post(
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


@router.get(
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


@router.post(
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


@router.get(
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


@router.post(
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


@router.get(
    "/preferences/<token>",
    summary="A reader's preferences (JSON, or the preferences page for browsers)",
    tags=["readers"],
    responses=responses({200: _both(Preferences, "The preferences")}, 400, 404),
)
def get_preferences(token: Token) -> Response[Any]:
    reader = subscriptions.preferences(get_settings(), token)
    return _reply(200, _preferences(reader), html=_preferences_page(token, reader))


@router.put(
    "/preferences/<token>",
    summary="Change preferences: only the fields given change",
    tags=["readers"],
    responses=responses({200: _json(Preferences, "The preferences now")}, 400, 404, html=False),
)
def put_preferences(token: Token, changes: Annotated[PreferencesUpdate, Body()]) -> Response[Any]:
    reader = subscriptions.update_preferences(get_settings(), token, changes.model_dump(exclude_unset=True))
    return _reply(200, _preferences(reader))


@router.post(
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
    mark_page()
    try:
        known_zone(timezone.strip() or None)
    except ValueError:
        reader = subscriptions.preferences(get_settings(), token)
        typed = reader.model_copy(update={"name": name.strip() or None, "sections": sections})
        return _preferences_page(token, typed, error=PLAIN_ERRORS["timezone"], status=400, typed_timezone=timezone)
    changes = {"name": name.strip(), "sections": sections, "timezone": timezone.strip()}
    reader = subscriptions.update_preferences(get_settings(), token, changes)
    return _preferences_page(token, reader, notice="Saved.")


@router.post(
    "/preferences/<token>/data-link",
    summary="Mail the reader a link (valid 24 hours) to their data: export and erase",
    tags=["readers"],
    responses=responses({202: _both(Accepted, "The link is on its way")}, 400, 404, 429),
)
def request_data_link(token: Token) -> Response[Any]:
    subscriptions.mail_data_link(get_settings(), token, _base_url())
    page = pages.message("Check your inbox", "We have sent you a link to your data. It works for 24 hours.", status=202)
    return _reply(202, Accepted(message="A link to your data is on its way to your address."), html=page)


@router.get(
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


@router.get(
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


@router.post(
    "/erase/<token>",
    summary="Erase the reader's personal data (keeps only the address's hash, marked erased; a mailed data link)",
    tags=["readers"],
    responses=responses({200: _both(StatusReply, "Erased")}, 400, 404),
)
def erase_data(token: Token) -> Response[Any]:
    subscriptions.erase(get_settings(), token)
    page = pages.message("Your data is erased", "We have kept nothing about you but a note never to mail you again.")
    return _reply(200, StatusReply(status=SubscriberStatus.erased), html=page)


app = web.resolver(router)


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """ApiFunction's entry: the public routes only."""
    return web.handle(app, event, context)
