"""The subscriber and admin API end to end: the real handler, API Gateway events, moto behind it."""

from __future__ import annotations

import email
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any, ClassVar
from urllib.parse import urlencode

import pytest

from digest.api import subscriptions
from digest.api.openapi import document
from digest.api.review import review_link, review_token
from digest.ingest.service import import_articles
from digest.local.context import LocalContext
from digest.local.motoserver import LocalAws, received_messages
from digest.local.run import deliver_notices
from digest.models import Edition, EditionStatus, PendingSignup, Subscriber, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import REPO_ROOT, get_settings
from digest.store.aws import client, items, table
from digest.store.secrets import token_keys
from digest.store.sendlog import SendLog
from digest.store.subscribers import SubscriberStore
from digest.stories.service import build_edition
from digest.stories.window import edition_window
from digest.tokens import Purpose, issue, make_token

EVENTS = REPO_ROOT / "events"
ADMIN_KEY = "local-admin-key"
FORM = "application/x-www-form-urlencoded"
_ips = itertools.count(1)


def fresh_ip() -> str:
    """Each test signs up from its own address, so the per-IP limit is not shared between tests."""
    n = next(_ips)
    return f"198.51.{n // 250}.{n % 250 + 1}"


def api_event(
    method: str,
    path: str,
    body: str | dict[str, Any] | None = None,
    *,
    content_type: str = "application/json",
    accept: str = "application/json",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event in the shape of events/api_subscribe.json."""
    sample = json.loads((EVENTS / "api_subscribe.json").read_text())
    all_headers = {**sample["headers"], "content-type": content_type, "accept": accept, **(headers or {})}
    sample.update(
        resource=path,
        path=path,
        httpMethod=method,
        headers=all_headers,
        multiValueHeaders={k: [v] for k, v in all_headers.items()},
        queryStringParameters=query,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        body=json.dumps(body) if isinstance(body, dict) else body,
    )
    sample["requestContext"].update(httpMethod=method, path=f"/v1{path}", resourcePath=path)
    sample["requestContext"]["identity"]["sourceIp"] = ip or fresh_ip()
    return sample


def call(event: dict[str, Any]) -> dict[str, Any]:
    """The event through the function API Gateway routes its path to (template.yaml; see is_editorial)."""
    from digest.api.web import is_editorial
    from digest.handlers import admin_api, api

    handler = admin_api.handler if is_editorial(str(event["path"])) else api.handler
    reply: dict[str, Any] = handler(event, LocalContext("api"))
    assert reply["statusCode"] < 500, reply
    return reply


def body_of(reply: dict[str, Any]) -> Any:
    return json.loads(reply["body"])


def header(reply: dict[str, Any], name: str) -> str | None:
    for key, values in (reply.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return str(values[0])
    for key, value in (reply.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def admin(method: str, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
    headers = {"x-api-key": ADMIN_KEY, **kwargs.pop("headers", {})}
    return call(api_event(method, path, body, headers=headers, **kwargs))


def store() -> SubscriberStore:
    return SubscriberStore(get_settings().subscribers_table)


def mails_to(stack: LocalAws, address: str) -> list[email.message.EmailMessage]:
    """The mail SES accepted for ``address``, once the notice worker has run on what sign-ups queued."""
    deliver_notices(get_settings())
    found = [m for m in received_messages(stack.endpoint) if address in m.destinations[0]]
    return [email.message_from_string(m.raw, policy=policy.default) for m in found]  # type: ignore[misc]


def confirm_token(stack: LocalAws, address: str) -> str:
    body = mails_to(stack, address)[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(r"/confirm\?token=([A-Za-z0-9_.-]+)", body)
    assert match, body
    return match.group(1)


def sign_up(address: str, name: str | None = "Ada", *, ip: str | None = None, **extra: Any) -> dict[str, Any]:
    payload = {"email": address, "consent": True, "policy_version": "2026-01", **extra}
    if name:
        payload["name"] = name
    return call(api_event("POST", "/subscriptions", payload, ip=ip))


def subscribed(stack: LocalAws, address: str, name: str = "Ada") -> str:
    """A confirmed reader, through the API; returns the id."""
    assert sign_up(address, name)["statusCode"] == 202
    reply = call(api_event("POST", "/subscriptions/confirm", {"token": confirm_token(stack, address)}))
    assert reply["statusCode"] == 200 and body_of(reply) == {"status": "confirmed"}
    return subscriber_id(address)


def token(purpose: Purpose, subject: str) -> str:
    return issue(token_keys(get_settings())[0], purpose, subject)


# ---------------------------------------------------------------- sign-up and confirmation


class TestSignUp:
    def test_double_opt_in_records_consent_twice(self, stack: LocalAws) -> None:
        reply = sign_up("ada@example.com", sections=["top", "features"], timezone="Europe/Paris", source="footer")
        assert reply["statusCode"] == 202
        assert body_of(reply)["status"] == "accepted"
        reader = store().get(subscriber_id("ada@example.com"))
        assert reader and reader.status is SubscriberStatus.pending and reader.timezone is None
        assert reader.signup and reader.signup.timezone == "Europe/Paris"  # applied by the click, not before
        link_token = confirm_token(stack, "ada@example.com")

        page = call(api_event("GET", "/confirm", query={"token": link_token}, accept="text/html"))
        assert page["statusCode"] == 200 and "<form" in page["body"] and link_token in page["body"]
        assert store().get(reader.id).status is SubscriberStatus.pending  # type: ignore[union-attr]  # a GET confirms nothing

        reply = call(api_event("POST", "/subscriptions/confirm", {"token": link_token}, ip="192.0.2.9"))
        assert reply["statusCode"] == 200 and body_of(reply) == {"status": "confirmed"}
        reader = store().get(reader.id)
        assert reader and reader.status is SubscriberStatus.confirmed and reader.timezone == "Europe/Paris"
        assert [c.event for c in reader.consents] == ["subscribe", "confirm"]
        subscribe, confirmation = reader.consents
        assert subscribe.source == "footer" and subscribe.policy_version == "2026-01"
        assert confirmation.ip == "192.0.2.9" and confirmation.user_agent and confirmation.policy_version == "2026-01"

    def test_same_answer_whatever_the_address_state(self, stack: LocalAws) -> None:
        subscribed(stack, "known@example.com")
        sign_up("pending@example.com")
        replies = [sign_up(a) for a in ("known@example.com", "pending@example.com", "brand.new@example.com")]
        assert {r["statusCode"] for r in replies} == {202}
        assert len({r["body"] for r in replies}) == 1

    def test_one_confirmation_mail_per_address_per_window(self, stack: LocalAws) -> None:
        for _ in range(3):
            assert sign_up("twice@example.com")["statusCode"] == 202
        assert len(mails_to(stack, "twice@example.com")) == 1
        reader = store().get(subscriber_id("twice@example.com"))
        assert reader and len(reader.consents) == 3  # every request is on record; only one mail went out

    def test_erased_and_signed_up_again_within_the_hour_is_not_mailed_again(self, stack: LocalAws) -> None:
        subscriptions.erase_reader(get_settings(), subscribed(stack, "erased.again@example.com"))
        assert sign_up("erased.again@example.com")["statusCode"] == 202
        assert len(mails_to(stack, "erased.again@example.com")) == 1

    def test_twenty_sign_ups_per_ip_per_hour_then_429(self, stack: LocalAws) -> None:
        assert subscriptions.SIGNUPS_PER_IP_PER_HOUR == 20  # the README's figure, unpatched below
        ip = fresh_ip()
        replies = [sign_up(f"crowd{n}@example.com", ip=ip) for n in range(21)]
        assert [r["statusCode"] for r in replies] == [202] * 20 + [429]
        assert store().get(subscriber_id("crowd19@example.com")) is not None
        assert store().get(subscriber_id("crowd20@example.com")) is None

    def test_sign_ups_per_ip_are_limited(self, stack: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(subscriptions, "SIGNUPS_PER_IP_PER_HOUR", 3)
        ip = fresh_ip()
        replies = [sign_up(f"flood{n}@example.com", ip=ip) for n in range(5)]
        assert [r["statusCode"] for r in replies] == [202, 202, 202, 429, 429]
        assert header(replies[-1], "Retry-After")
        assert store().get(subscriber_id("flood4@example.com")) is None
        assert sign_up("other.network@example.com")["statusCode"] == 202

    def test_the_form_posts_to_the_same_route_and_gets_pages(self, stack: LocalAws) -> None:
        page = call(api_event("GET", "/subscribe", accept="text/html"))
        assert (
            page["statusCode"] == 200 and 'name="website"' in page["body"] and 'action="subscriptions"' in page["body"]
        )
        form = urlencode([("email", "form@example.com"), ("consent", "true"), ("sections", "top"), ("website", "")])
        reply = call(api_event("POST", "/subscriptions", form, content_type=FORM, accept="text/html"))
        assert reply["statusCode"] == 202 and "Check your inbox" in reply["body"]
        reader = store().get(subscriber_id("form@example.com"))
        assert reader and reader.signup and [s.value for s in reader.signup.sections] == ["top"]
        assert reader.consents[0].source == "form"
        no_consent = urlencode({"email": "form2@example.com"})
        reply = call(api_event("POST", "/subscriptions", no_consent, content_type=FORM, accept="text/html"))
        assert reply["statusCode"] == 422 and "consent" in reply["body"] and "<html" in reply["body"]
        confirm = urlencode({"token": confirm_token(stack, "form@example.com")})
        reply = call(api_event("POST", "/subscriptions/confirm", confirm, content_type=FORM, accept="text/html"))
        assert reply["statusCode"] == 200 and "subscribed" in reply["body"]

    def test_honeypot_and_bad_addresses(self, stack: LocalAws) -> None:
        assert sign_up("bot@example.com", website="http://spam.example")["statusCode"] == 202
        assert store().get(subscriber_id("bot@example.com")) is None and not mails_to(stack, "bot@example.com")
        for address in ("not-an-address", "a@b", "ünïcode@example.com", "x@" + "d" * 300 + ".com"):
            reply = sign_up(address)
            assert reply["statusCode"] in {400, 422}, address


# ---------------------------------------------------------------- tokens


class TestTokens:
    ROUTES: ClassVar[list[tuple[str, str, Purpose]]] = [
        ("POST", "/subscriptions/confirm", Purpose.confirm),
        ("POST", "/unsubscribe/{}", Purpose.unsubscribe),
        ("GET", "/unsubscribe/{}", Purpose.unsubscribe),
        ("GET", "/preferences/{}", Purpose.preferences),
        ("PUT", "/preferences/{}", Purpose.preferences),
        ("GET", "/export/{}", Purpose.data),
        ("POST", "/erase/{}", Purpose.data),
        ("GET", "/data/{}", Purpose.data),
        ("POST", "/preferences/{}/data-link", Purpose.preferences),
        ("GET", "/review/{}", Purpose.review),
    ]

    @staticmethod
    def bad_tokens(subject: str, purpose: Purpose) -> dict[str, str]:
        key = token_keys(get_settings())[0]
        good = make_token(key, purpose, subject)
        wrong = Purpose.unsubscribe if purpose is not Purpose.unsubscribe else Purpose.preferences
        body, mac = good.split(".")
        flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
        return {
            "forged": make_token("not-the-key", purpose, subject),
            "expired": make_token(key, purpose, subject, ttl_seconds=-60),
            "wrong purpose": make_token(key, wrong, subject),
            "tampered": f"{flipped}.{mac}",
            "garbage": "x" * 40,
            "extra dots": good + ".x",
        }

    @pytest.mark.parametrize(("method", "path", "purpose"), ROUTES)
    def test_bad_tokens_are_refused_and_change_nothing(
        self, stack: LocalAws, method: str, path: str, purpose: Purpose
    ) -> None:
        reader_id = subscriber_id("tokens@example.com")
        if store().get(reader_id) is None:
            subscribed(stack, "tokens@example.com", "Tess")
        edition_id = seeded_edition().id
        subject = edition_id if purpose is Purpose.review else reader_id
        for kind, bad in self.bad_tokens(subject, purpose).items():
            if path == "/subscriptions/confirm":
                event = api_event(method, path, {"token": bad})
            else:
                event = api_event(method, path.format(bad), {"name": "x"} if method == "PUT" else None)
            reply = call(event)
            assert reply["statusCode"] in {400, 404, 422}, (kind, reply)
            assert "Traceback" not in reply["body"]
        reader = store().get(reader_id)
        assert reader and reader.status is SubscriberStatus.confirmed and reader.name == "Tess"

    def test_expired_confirmation_says_so(self, stack: LocalAws) -> None:
        sign_up("late@example.com")
        expired = make_token(
            token_keys(get_settings())[0], Purpose.confirm, subscriber_id("late@example.com"), ttl_seconds=-1
        )
        reply = call(api_event("POST", "/subscriptions/confirm", {"token": expired}))
        assert reply["statusCode"] == 400 and "expired" in body_of(reply)["message"]

    def test_rotated_keys_still_open_old_links(self, stack: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
        reader_id = subscribed(stack, "rotate@example.com")
        old = make_token("local-demo-secret-change-me", Purpose.preferences, reader_id)
        monkeypatch.setenv("TOKEN_SECRET", "brand-new-key\nlocal-demo-secret-change-me")
        get_settings.cache_clear()
        try:
            assert call(api_event("GET", f"/preferences/{old}"))["statusCode"] == 200
            assert token(Purpose.preferences, reader_id) != old  # new links are signed with the new key
        finally:
            monkeypatch.delenv("TOKEN_SECRET")
            get_settings.cache_clear()


# ---------------------------------------------------------------- unsubscribe, preferences, export, erase


class TestReaderLinks:
    def test_one_click_unsubscribe(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "oneclick@example.com")
        link = token(Purpose.unsubscribe, reader_id)
        page = call(api_event("GET", f"/unsubscribe/{link}", accept="text/html"))
        assert page["statusCode"] == 200 and page["body"].count("<button") == 1
        assert store().get(reader_id).status is SubscriberStatus.confirmed  # type: ignore[union-attr]
        reply = call(
            api_event("POST", f"/unsubscribe/{link}", "List-Unsubscribe=One-Click", content_type=FORM, accept="*/*")
        )
        assert reply["statusCode"] == 200
        assert header(reply, "Location") is None and header(reply, "Set-Cookie") is None
        reader = store().get(reader_id)
        assert reader and reader.status is SubscriberStatus.unsubscribed and reader.consents[-1].event == "unsubscribe"
        again = call(api_event("POST", f"/unsubscribe/{link}", "List-Unsubscribe=One-Click", content_type=FORM))
        assert again["statusCode"] == 200 and body_of(again) == {"status": "unsubscribed"}

    def test_one_click_with_multipart_body(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "multipart@example.com")
        boundary = "xyz"
        part = 'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click'
        body = f"--{boundary}\r\n{part}\r\n--{boundary}--\r\n"
        event = api_event("POST", f"/unsubscribe/{token(Purpose.unsubscribe, reader_id)}", body,
                          content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
        assert call(event)["statusCode"] == 200
        assert store().get(reader_id).status is SubscriberStatus.unsubscribed  # type: ignore[union-attr]

    def test_preferences_json_and_page(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "prefs@example.com", "Pru")
        link = token(Purpose.preferences, reader_id)
        got = body_of(call(api_event("GET", f"/preferences/{link}")))
        assert got == {"email": "prefs@example.com", "name": "Pru", "status": "confirmed", "sections": [],
                       "frequency": "weekly", "timezone": None}  # fmt: skip
        changed = call(
            api_event("PUT", f"/preferences/{link}", {"sections": ["lead", "analysis"], "timezone": "Asia/Tokyo"})
        )
        assert changed["statusCode"] == 200
        assert body_of(changed)["sections"] == ["lead", "analysis"] and body_of(changed)["name"] == "Pru"
        for bad in ({"timezone": "Mars/Olympus"}, {"sections": ["gossip"]}, {"frequency": "daily"}, {"email": "x@y.z"}):
            assert call(api_event("PUT", f"/preferences/{link}", bad))["statusCode"] == 422, bad
        page = call(api_event("GET", f"/preferences/{link}", accept="text/html,application/xhtml+xml"))
        assert page["statusCode"] == 200 and "text/html" in (header(page, "Content-Type") or "")
        assert 'value="lead" checked' in page["body"] and "Asia/Tokyo" in page["body"]
        form = urlencode([("name", "Prudence"), ("sections", "top"), ("frequency", "weekly"), ("timezone", "")])
        saved = call(api_event("POST", f"/preferences/{link}", form, content_type=FORM, accept="text/html"))
        assert saved["statusCode"] == 200 and "Saved." in saved["body"]
        reader = store().get(reader_id)
        assert reader and reader.name == "Prudence" and [s.value for s in reader.sections] == ["top"]
        assert reader.timezone is None
        typo = urlencode([("name", "Prudence"), ("timezone", "Europe/Londn")])
        kept = call(api_event("POST", f"/preferences/{link}", typo, content_type=FORM, accept="text/html"))
        assert kept["statusCode"] == 400 and "Please choose a time zone" in kept["body"]
        assert 'value="Europe/Londn"' in kept["body"]  # kept in the field, to correct
        assert store().get(reader_id).timezone is None  # type: ignore[union-attr]

    def test_export_returns_record_consents_and_send_log(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "export@example.com", "Ezra")
        log = SendLog(get_settings().send_log_table)
        log.claim("2026-W01", reader_id)
        log.mark_sent("2026-W01", reader_id, "msg-1")
        reply = call(api_event("GET", f"/export/{token(Purpose.data, reader_id)}"))
        data = body_of(reply)
        assert data["subscriber"]["email"] == "export@example.com" and data["subscriber"]["name"] == "Ezra"
        assert [c["event"] for c in data["consents"]] == ["subscribe", "confirm"]
        assert all(c["ip"] and c["user_agent"] and c["at"] for c in data["consents"])
        assert [(r["edition_id"], r["status"], r["message_id"]) for r in data["send_log"]] == [
            ("2026-W01", "sent", "msg-1")
        ]

    def test_erase_leaves_no_personal_data_anywhere(self, stack: LocalAws) -> None:
        address, name = "erase.me@example.com", "Zebedee Quill"
        reader_id = subscribed(stack, address, name)
        SendLog(get_settings().send_log_table).claim("2026-W02", reader_id)
        reply = call(api_event("POST", f"/erase/{token(Purpose.data, reader_id)}", accept="text/html"))
        assert reply["statusCode"] == 200
        reader = store().get(reader_id)
        assert reader and reader.status is SubscriberStatus.erased and reader.email == "" and not reader.consents
        names = client("dynamodb").list_tables()["TableNames"]
        for table_name in names:
            for item in items(table(table_name).scan):
                text = json.dumps(item, default=str).lower()
                assert address not in text and "zebedee" not in text and "quill" not in text, (table_name, item)
        # the erased reader is never mailed, and its links are dead
        assert call(api_event("GET", f"/preferences/{token(Purpose.preferences, reader_id)}"))["statusCode"] == 404
        # a new sign-up needs consent again and starts afresh
        assert call(api_event("POST", "/subscriptions", {"email": address}))["statusCode"] == 422
        assert store().get(reader_id).status is SubscriberStatus.erased  # type: ignore[union-attr]
        assert sign_up(address, name=None)["statusCode"] == 202
        again = store().get(reader_id)
        assert again and again.status is SubscriberStatus.pending and again.email == address
        assert [c.event for c in again.consents] == ["subscribe"] and again.name is None


# ---------------------------------------------------------------- hostile input


HOSTILE_BODIES = [
    "not json",
    "[]",
    "null",
    "1e999999",
    '{"email": ',
    "{}",
    '{"token": {"$ne": 1}}',
    '{"email": "a@example.com", "consent": "true"}',
    '{"email": ["a@example.com"], "consent": true}',
    json.dumps({"email": "a@example.com", "consent": True, "sections": ["top"] * 50}),
    json.dumps({"email": "a@example.com", "consent": True, "extra": "field"}),
    "[" * 5000 + "]" * 5000,
    "\x00\x01\x02",
    json.dumps({"email": "a@example.com", "consent": True, "name": "n" * 100_000}),
    "x" * 2_000_000,
]
HOSTILE_TARGETS = [
    ("POST", "/subscriptions"),
    ("POST", "/subscriptions/confirm"),
    ("PUT", "/preferences/{t}"),
    ("POST", "/preferences/{t}"),
    ("POST", "/unsubscribe/{t}"),
    ("POST", "/review/{t}"),
    ("POST", "/admin/sources"),
    ("POST", "/admin/editions/2026-W01/decisions"),
    ("PUT", "/admin/subscribers/0123456789abcdef01234567/status"),
]


@pytest.mark.parametrize(("method", "path"), HOSTILE_TARGETS)
def test_hostile_bodies_get_4xx_never_5xx(stack: LocalAws, method: str, path: str) -> None:
    target = path.format(t=token(Purpose.preferences, subscriber_id("nobody@example.com")))
    for body in HOSTILE_BODIES:
        for content_type in ("application/json", FORM, "text/plain", "application/json; charset=utf-16"):
            reply = call(api_event(method, target, body, content_type=content_type, headers={"x-api-key": ADMIN_KEY}))
            assert 200 <= reply["statusCode"] < 500, (body[:40], content_type, reply)
            assert "Traceback" not in (reply["body"] or "")


@pytest.mark.parametrize(
    "path",
    ["/unsubscribe/" + "a" * 5000, "/preferences/%00%00", "/export/..%2F..%2Fetc", "/review/<script>", "/nope", "/"],
)
def test_hostile_paths_get_4xx(stack: LocalAws, path: str) -> None:
    reply = call(api_event("GET", path, accept="text/html"))
    assert 400 <= reply["statusCode"] < 500
    assert "<script>" not in reply["body"]


def test_base64_bodies_are_decoded(stack: LocalAws) -> None:
    import base64

    event = api_event("POST", "/subscriptions", None)
    event["body"] = base64.b64encode(json.dumps({"email": "b64@example.com", "consent": True}).encode()).decode()
    event["isBase64Encoded"] = True
    assert call(event)["statusCode"] == 202
    event["body"] = "!!!not base64!!!"
    assert call(event)["statusCode"] in {400, 422}


# ---------------------------------------------------------------- admin


def admin_routes() -> list[tuple[str, str]]:
    concrete = {"{reader_id}": "0123456789abcdef01234567", "{edition_id}": "2026-W01", "{source_id}": "herald"}
    routes = []
    for path, operations in document()["paths"].items():
        if path.startswith("/admin/"):
            for placeholder, value in concrete.items():
                path = path.replace(placeholder, value)
            routes.extend((method.upper(), path) for method in operations)
    return routes


@pytest.mark.parametrize(("method", "path"), admin_routes())
def test_admin_routes_refuse_without_the_key(stack: LocalAws, method: str, path: str) -> None:
    for headers in ({}, {"x-api-key": "wrong"}, {"x-api-key": ""}, {"X-API-KEY": ADMIN_KEY + "x"}):
        event = api_event(method, path, "{}", headers=headers)
        event["headers"].pop("x-api-key", None) if not headers else None
        reply = call(event)
        assert reply["statusCode"] == 401, (headers, reply)


def test_unknown_admin_paths_also_need_the_key(stack: LocalAws) -> None:
    assert call(api_event("GET", "/admin/whatever"))["statusCode"] == 401
    assert admin("GET", "/admin/whatever")["statusCode"] == 404


class TestAdminReaders:
    def test_import_reports_broken_rows_and_imports_the_rest(self, stack: LocalAws) -> None:
        csv_text = (
            "email,name,sections,timezone,status\n"
            "imp1@example.com,One,top;lead,Europe/Oslo,\n"
            "broken,Two,,,\n"
            "imp2@example.com,,,,\n"
            "imp3@example.com,Three,gossip,,\n"
            "imp4@example.com,Four,,Nowhere/City,\n"
            "imp5@example.com,Five,,,pending\n"
        )
        reply = admin("POST", "/admin/subscribers/import", csv_text, content_type="text/csv")
        report = body_of(reply)
        assert reply["statusCode"] == 200
        assert (report["imported"], report["unchanged"], report["rejected"]) == (3, 0, 3)
        assert [e.split(":")[0] for e in report["errors"]] == ["line 3", "line 5", "line 6"]
        one = store().get(subscriber_id("imp1@example.com"))
        assert one and one.status is SubscriberStatus.confirmed and one.timezone == "Europe/Oslo"
        assert store().get(subscriber_id("imp5@example.com")).status is SubscriberStatus.pending  # type: ignore[union-attr]
        again = body_of(admin("POST", "/admin/subscribers/import", csv_text, content_type="text/csv"))
        assert (again["imported"], again["unchanged"], again["rejected"]) == (0, 3, 3)
        assert len(store().get(subscriber_id("imp1@example.com")).consents) == 1  # type: ignore[union-attr]

    def test_import_never_resubscribes_those_who_left(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "left@example.com")
        call(api_event("POST", f"/unsubscribe/{token(Purpose.unsubscribe, reader_id)}", "List-Unsubscribe=One-Click",
                       content_type=FORM))  # fmt: skip
        report = body_of(
            admin("POST", "/admin/subscribers/import", "email\nleft@example.com\n", content_type="text/csv")
        )
        assert report["imported"] == 0 and report["rejected"] == 1 and "unsubscribed" in report["errors"][0]
        assert store().get(reader_id).status is SubscriberStatus.unsubscribed  # type: ignore[union-attr]

    def test_import_of_a_field_beyond_the_csv_limit_is_a_clear_400(self, stack: LocalAws) -> None:
        text = "email,name\nfine@example.com,Fine\nhuge@example.com," + "x" * 140_000 + "\n"
        reply = admin("POST", "/admin/subscribers/import", text, content_type="text/csv")
        assert reply["statusCode"] == 400
        assert body_of(reply)["message"] == "the CSV cannot be read at line 3: field larger than field limit (131072)"

    def test_export_then_import_changes_nothing_and_no_cell_is_a_formula(self, stack: LocalAws) -> None:
        rows = ["+plus@example.com,=SUM(A1:A9)", "-minus@example.com,\uff1dcmd()", "quote@example.com,'quoted",
                "plain@example.com,@handle"]  # fmt: skip
        imported = body_of(admin("POST", "/admin/subscribers/import", "email,name\n" + "\n".join(rows) + "\n",
                                 content_type="text/csv"))  # fmt: skip
        assert imported["rejected"] == 0, imported
        exported = admin("GET", "/admin/subscribers/export", accept="text/csv")["body"]
        ours = [line for line in exported.splitlines() if "@example.com" in line and line.split(",")[0].strip("'+-")
                in {"plus@example.com", "minus@example.com", "quote@example.com", "plain@example.com"}]  # fmt: skip
        assert all(re.search(r",\d{4}-\d\d-\d\dT[^,]+,import,$", line) for line in ours), ours  # consent columns
        assert sorted(",".join(line.split(",")[:5]) for line in ours) == sorted([
            "'+plus@example.com,'=SUM(A1:A9),,,confirmed", "'-minus@example.com,'\uff1dcmd(),,,confirmed",
            "quote@example.com,quoted,,,confirmed", "plain@example.com,'@handle,,,confirmed",
        ])  # fmt: skip
        again = body_of(admin("POST", "/admin/subscribers/import", exported, content_type="text/csv"))
        assert again["imported"] == 0 and again["rejected"] == 0, again
        assert store().get(subscriber_id("'+plus@example.com")) is None
        reader = store().get(subscriber_id("-minus@example.com"))
        assert reader and reader.name == "\uff1dcmd()"
        quoted = store().get(subscriber_id("quote@example.com"))
        assert quoted and quoted.name == "quoted"  # a leading ' is a spreadsheet's text mark: taken off on import

    def test_import_without_a_header_is_refused(self, stack: LocalAws) -> None:
        reply = admin("POST", "/admin/subscribers/import", "just,some\ncells,here\n", content_type="text/csv")
        assert reply["statusCode"] == 400 and "email" in body_of(reply)["message"]

    def test_list_search_paginate_get_status_export(self, stack: LocalAws) -> None:
        rows = "".join(f"listpage{n}@example.com,Reader {n}\n" for n in range(7))
        admin("POST", "/admin/subscribers/import", "email,name\n" + rows, content_type="text/csv")
        seen: list[str] = []
        cursor: str | None = None
        for _ in range(10):
            query = {"status": "confirmed", "q": "listpage", "limit": "3", **({"cursor": cursor} if cursor else {})}
            page = body_of(admin("GET", "/admin/subscribers", query=query))
            seen += [r["email"] for r in page["subscribers"]]
            cursor = page["cursor"]
            if not cursor:
                break
        assert sorted(seen) == [f"listpage{n}@example.com" for n in range(7)]
        everyone = body_of(admin("GET", "/admin/subscribers", query={"q": "Reader 3"}))["subscribers"]
        assert [r["email"] for r in everyone] == ["listpage3@example.com"]
        for bad in ("garbage!", "eyJ4IjogMX0", "e30"):
            assert admin("GET", "/admin/subscribers", query={"cursor": bad})["statusCode"] == 400
        assert admin("GET", "/admin/subscribers", query={"status": "nonsense"})["statusCode"] == 422

        reader_id = subscriber_id("listpage1@example.com")
        one = body_of(admin("GET", f"/admin/subscribers/{reader_id}"))
        assert one["email"] == "listpage1@example.com" and one["consents"][0]["event"] == "import"
        assert admin("GET", "/admin/subscribers/" + "0" * 24)["statusCode"] == 404
        changed = admin("PUT", f"/admin/subscribers/{reader_id}/status", {"status": "suppressed"})
        assert body_of(changed)["status"] == "suppressed"
        assert admin("PUT", f"/admin/subscribers/{reader_id}/status", {"status": "erased"})["statusCode"] == 422

        exported = admin("GET", "/admin/subscribers/export", accept="text/csv")
        assert exported["statusCode"] == 200 and "text/csv" in (header(exported, "Content-Type") or "")
        assert exported["body"].startswith("email,name,sections,timezone,status")
        assert "listpage1@example.com,Reader 1,,,suppressed" in exported["body"]

        assert body_of(admin("POST", f"/admin/subscribers/{reader_id}/erase")) == {"status": "erased"}
        assert "listpage1@example.com" not in admin("GET", "/admin/subscribers/export")["body"]


class TestAdminSources:
    def test_crud(self, stack: LocalAws) -> None:
        new = {"id": "herald", "name": "The Herald", "feed_url": "https://herald.example.org/rss.xml", "authority": 0.8}
        assert admin("POST", "/admin/sources", new)["statusCode"] == 201
        assert admin("POST", "/admin/sources", new)["statusCode"] == 409
        assert body_of(admin("GET", "/admin/sources/herald"))["authority"] == 0.8
        change = {"name": "The Herald", "feed_url": "https://herald.example.org/atom.xml", "active": False}
        assert body_of(admin("PUT", "/admin/sources/herald", change))["active"] is False
        assert [s["id"] for s in body_of(admin("GET", "/admin/sources"))["sources"]] == ["herald"]
        bad = {**new, "id": "gazette", "boilerplate": ["drop:(unclosed"]}
        assert admin("POST", "/admin/sources", bad)["statusCode"] in {400, 422}
        assert admin("POST", "/admin/sources", {**new, "id": "Bad Id!"})["statusCode"] == 422
        assert admin("DELETE", "/admin/sources/herald")["statusCode"] == 204
        assert admin("GET", "/admin/sources/herald")["statusCode"] == 404


# ---------------------------------------------------------------- editions, review page


def seeded_edition(weeks_back: int = 2) -> Edition:
    """A small draft edition of a past week, built from imported articles (once per module and week)."""
    settings = get_settings()
    now = datetime.now(UTC)
    week, start, _ = edition_window(None, timezone=settings.newsroom_timezone, send_day=settings.send_day,
                                    send_hour=settings.send_hour, now=now - timedelta(weeks=weeks_back))  # fmt: skip
    from digest.store.editions import EditionStore

    existing = EditionStore(settings.editions_table, settings.archive_bucket).get(week)
    if existing:
        return existing
    topics = ["Tram strike halts the city", "Council passes the harbour budget", "Storm floods the west coast",
              "Museum reopens its maritime gallery"]  # fmt: skip
    lines = []
    for n, topic in enumerate(topics):
        for m, outlet in enumerate(["Herald", "Courier"][: 2 if n < 3 else 1]):
            published = (start + timedelta(hours=10 + 20 * n + m)).isoformat()
            url = f"https://{outlet.lower()}.example.org/{week}/{n}"
            lines.append(json.dumps({"url": url, "title": topic, "text": f"{topic}. {outlet} reports the details.",
                                     "source": outlet, "published": published}))  # fmt: skip
    assert all("id" in r for r in import_articles(settings, lines))
    return build_edition(settings, week)


class TestEditions:
    def test_list_get_decide_test_send_approve_stats(self, stack: LocalAws) -> None:
        edition = seeded_edition()
        assert edition.status is EditionStatus.draft and edition.stories()
        listed = body_of(admin("GET", "/admin/editions"))["editions"]
        assert edition.id in [e["id"] for e in listed]
        got = body_of(admin("GET", f"/admin/editions/{edition.id}"))
        assert got["id"] == edition.id and got["sections"]
        assert admin("GET", "/admin/editions/1999-W01")["statusCode"] == 404

        museum = next(s for s in edition.stories() if "Museum" in s.headline)
        pin = {"action": "pin", "target": museum.lead.id, "section": "lead", "position": 1}
        pinned = body_of(admin("POST", f"/admin/editions/{edition.id}/decisions", pin, headers={"x-editor": "Eve"}))
        assert pinned["sections"][0]["stories"][0]["lead"]["id"] == museum.lead.id
        assert pinned["history"][-2]["who"] == "Eve"
        nothing = {"action": "drop", "target": "no-such-article"}
        assert admin("POST", f"/admin/editions/{edition.id}/decisions", nothing)["statusCode"] == 409

        before = len(received_messages(stack.endpoint))
        sent = admin("POST", f"/admin/editions/{edition.id}/test-send", {"addresses": ["editor@example.com"]})
        assert sent["statusCode"] == 200 and body_of(sent)["sent"][0]["address"] == "editor@example.com"
        new = received_messages(stack.endpoint)[before:]
        assert len(new) == 1 and "[TEST]" in new[0].raw
        assert SendLog(get_settings().send_log_table).rows(edition.id) == []
        assert admin("POST", f"/admin/editions/{edition.id}/test-send", {"addresses": ["nope"]})["statusCode"] == 400
        assert admin("POST", f"/admin/editions/{edition.id}/test-send", {"addresses": []})["statusCode"] == 422

        stats = body_of(admin("GET", f"/admin/editions/{edition.id}/stats"))
        assert stats == {
            "edition": edition.id,
            "status": "draft",
            "readers": {"sent": 0, "failed": 0, "skipped": 0, "pending": 0, "in_doubt": 0},
            "feedback": {"accepted": 0, "delivered": 0, "bounced": 0, "complained": 0, "rejected": 0, "opened": 0,
                         "clicked": 0, "delayed": 0, "unsubscribed": 0, "rendering_failed": 0},
            "rates": {"delivered_rate": 0.0, "bounced_rate": 0.0, "complained_rate": 0.0, "opened_rate": 0.0,
                      "clicked_rate": 0.0, "unsubscribed_rate": 0.0},
            "in_doubt": [],
        }  # fmt: skip
        link = body_of(admin("GET", f"/admin/editions/{edition.id}/review-link"))["url"]
        assert "/review/" in link

    def test_review_page_pins_drops_and_approves(self, stack: LocalAws) -> None:
        edition = seeded_edition(weeks_back=3)  # a week of its own: it approves it, and the test above needs a draft
        review = review_token(get_settings(), edition.id)
        assert review_link(get_settings(), edition.id).endswith(f"/review/{review}")
        page = call(api_event("GET", f"/review/{review}", accept="text/html"))
        assert page["statusCode"] == 200 and "<iframe" in page["body"] and "Approve" in page["body"]
        assert "Content-Security-Policy" in json.dumps(page.get("multiValueHeaders") or page.get("headers"))
        storm = next(s for s in edition.stories() if "Storm" in s.headline)
        form = urlencode({"action": "drop", "target": storm.lead.id})
        reply = call(api_event("POST", f"/review/{review}", form, content_type=FORM, accept="text/html"))
        assert reply["statusCode"] == 303 and header(reply, "Location") == f"{review}?done=drop&story={storm.lead.id}"
        after = call(api_event("GET", f"/review/{review}", accept="text/html"))["body"]
        assert "Dropped" in after and storm.lead.id in after
        bad = urlencode({"action": "pin", "target": storm.lead.id, "section": "nowhere"})
        assert (
            call(api_event("POST", f"/review/{review}", bad, content_type=FORM, accept="text/html"))["statusCode"]
            == 422
        )
        approve = call(api_event("POST", f"/review/{review}", "action=approve", content_type=FORM, accept="text/html"))
        assert approve["statusCode"] == 303 and header(approve, "Location") == f"{review}?done=ask"  # a thin edition
        asked = call(api_event("GET", f"/review/{review}", query={"done": "ask"}, accept="text/html"))["body"]
        assert "A thin edition: 3 stories" in asked and "Approve anyway" in asked
        confirmed = "action=approve&confirm=yes"
        approve = call(api_event("POST", f"/review/{review}", confirmed, content_type=FORM, accept="text/html"))
        assert approve["statusCode"] == 303 and header(approve, "Location") == f"{review}?done=approve"
        from digest.store.editions import EditionStore

        stored = EditionStore(get_settings().editions_table, get_settings().archive_bucket).get(edition.id)
        assert stored and stored.status is EditionStatus.approved and stored.history[-1]["who"] == "review-page"
        again = call(api_event("POST", f"/review/{review}", confirmed, content_type=FORM, accept="text/html"))
        assert again["statusCode"] == 409
        # a reader's token does not open the review page, and a review token opens no reader's data
        assert call(api_event("GET", f"/review/{token(Purpose.preferences, edition.id)}"))["statusCode"] == 400
        assert call(api_event("GET", f"/preferences/{review}"))["statusCode"] == 400


# ---------------------------------------------------------------- the OpenAPI document


def test_committed_openapi_matches_the_code(stack: LocalAws) -> None:
    committed = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    assert committed == document(), (
        "docs/openapi.json is stale: regenerate it with `.venv/bin/python -m digest.api.openapi > docs/openapi.json`"
    )
    served = call(api_event("GET", "/openapi.json"))
    assert served["statusCode"] == 200 and body_of(served) == committed


def test_every_documented_route_is_routed(stack: LocalAws) -> None:
    for path, operations in document()["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in operations:
            reply = call(api_event(method.upper(), concrete, "{}", headers={"x-api-key": ADMIN_KEY}))
            assert reply["statusCode"] != 404 or body_of(reply).get("message") != "Not found.", (method, path)


# ---------------------------------------------------------------- issue 14: the attacks, as regression tests


def mailed_links(reader_id: str) -> tuple[str, str]:
    """The unsubscribe and preferences tokens of the reader's next digest (as the send path makes them)."""
    from digest.mail.service import mail_reader

    reader = store().get(reader_id)
    assert reader
    mailed = mail_reader(get_settings(), reader.id, reader.email, token_version=reader.token_version)
    return mailed.unsubscribe_url.rsplit("/", 1)[1], mailed.preferences_url.rsplit("/", 1)[1]


def data_link(stack: LocalAws, address: str) -> str:
    body = mails_to(stack, address)[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(r"/data/([A-Za-z0-9_.-]+)", body)
    assert match, body
    return match.group(1)


class TestRevocableLinks:
    def test_an_old_preferences_link_stays_dead_after_erase_and_a_new_sign_up(self, stack: LocalAws) -> None:
        address = "revoke.erase@example.com"
        reader_id = subscribed(stack, address, "Rhea")
        _, old_preferences = mailed_links(reader_id)
        assert call(api_event("POST", f"/preferences/{old_preferences}/data-link"))["statusCode"] == 202
        assert call(api_event("POST", f"/erase/{data_link(stack, address)}"))["statusCode"] == 200
        sign_up(address, name=None)  # anyone can: the address is pending again
        for method, path in (("GET", "/preferences/{}"), ("GET", "/export/{}"), ("POST", "/erase/{}")):
            reply = call(api_event(method, path.format(old_preferences)))
            assert reply["statusCode"] == 400, (path, reply)
            assert "consents" not in reply["body"]
        assert store().get(reader_id).status is SubscriberStatus.pending  # type: ignore[union-attr]

    def test_the_unsubscribe_page_hands_out_no_other_link(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "revoke.page@example.com")
        unsubscribe, _ = mailed_links(reader_id)
        page = call(api_event("GET", f"/unsubscribe/{unsubscribe}", accept="text/html"))
        assert page["statusCode"] == 200
        tokens = set(re.findall(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", page["body"]))
        assert tokens == {unsubscribe}
        assert "/preferences/" not in page["body"] and "/export/" not in page["body"]

    def test_a_preferences_link_opens_no_data_only_a_mailed_expiring_link_does(self, stack: LocalAws) -> None:
        address = "revoke.data@example.com"
        reader_id = subscribed(stack, address, "Dora")
        _, preferences = mailed_links(reader_id)
        assert call(api_event("GET", f"/export/{preferences}"))["statusCode"] == 400
        assert call(api_event("POST", f"/erase/{preferences}"))["statusCode"] == 400
        page = call(api_event("GET", f"/preferences/{preferences}", accept="text/html"))
        assert "/export/" not in page["body"] and "/erase/" not in page["body"]
        assert call(api_event("POST", f"/preferences/{preferences}/data-link"))["statusCode"] == 202
        link = data_link(stack, address)
        data = call(api_event("GET", f"/data/{link}", accept="text/html"))
        assert data["statusCode"] == 200 and f"../export/{link}" in data["body"]
        assert body_of(call(api_event("GET", f"/export/{link}")))["subscriber"]["email"] == address
        expired = make_token(token_keys(get_settings())[0], Purpose.data, reader_id, ttl_seconds=-1)
        reply = call(api_event("GET", f"/export/{expired}"))
        assert reply["statusCode"] == 400 and "expired" in body_of(reply)["message"]

    def test_links_from_before_leaving_stay_dead_after_coming_back(
        self, stack: LocalAws, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        address = "revoke.return@example.com"
        reader_id = subscribed(stack, address)
        unsubscribe, preferences = mailed_links(reader_id)
        assert call(api_event("POST", f"/unsubscribe/{unsubscribe}"))["statusCode"] == 200
        monkeypatch.setattr(subscriptions, "CONFIRMATION_MAILS_PER_ADDRESS_PER_HOUR", 2)  # a second mail this hour
        sign_up(address)
        assert call(api_event("POST", "/subscriptions/confirm", {"token": confirm_token(stack, address)}))[
            "statusCode"
        ] == 200
        assert call(api_event("GET", f"/preferences/{preferences}"))["statusCode"] == 400
        _, fresh = mailed_links(reader_id)
        assert call(api_event("GET", f"/preferences/{fresh}"))["statusCode"] == 200

    def test_links_can_be_revoked_on_request(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "revoke.request@example.com")
        unsubscribe, preferences = mailed_links(reader_id)
        assert admin("POST", f"/admin/subscribers/{reader_id}/rotate-links")["statusCode"] == 200
        assert call(api_event("GET", f"/preferences/{preferences}"))["statusCode"] == 400
        assert call(api_event("POST", f"/unsubscribe/{unsubscribe}"))["statusCode"] == 400
        new_unsubscribe, new_preferences = mailed_links(reader_id)
        assert call(api_event("GET", f"/preferences/{new_preferences}"))["statusCode"] == 200
        assert call(api_event("POST", f"/unsubscribe/{new_unsubscribe}"))["statusCode"] == 200


class TestSignUpCannotTamper:
    def test_a_second_sign_up_does_not_overwrite_a_pending_one(self, stack: LocalAws) -> None:
        sign_up("Owner@example.com", "Owner", sections=["top"], timezone="Europe/Paris")
        link = confirm_token(stack, "Owner@example.com")
        sign_up("owner@example.com", "Mallory", sections=["analysis"], timezone="Asia/Tokyo")
        assert call(api_event("POST", "/subscriptions/confirm", {"token": link}))["statusCode"] == 200
        reader = store().get(subscriber_id("owner@example.com"))
        assert reader and reader.status is SubscriberStatus.confirmed
        assert (reader.email, reader.name, reader.timezone) == ("Owner@example.com", "Owner", "Europe/Paris")
        assert [s.value for s in reader.sections] == ["top"]

    def test_a_sign_up_does_not_bring_back_a_reader_who_left(self, stack: LocalAws) -> None:
        reader_id = subscribed(stack, "left.tamper@example.com", "Lee")
        unsubscribe, _ = mailed_links(reader_id)
        assert call(api_event("POST", f"/unsubscribe/{unsubscribe}"))["statusCode"] == 200
        sign_up("left.tamper@example.com", "Someone Else", timezone="Asia/Tokyo")
        reader = store().get(reader_id)
        assert reader and reader.status is SubscriberStatus.unsubscribed
        assert (reader.name, reader.timezone) == ("Lee", None)

    def test_a_sign_up_makes_the_same_aws_calls_whatever_the_address_state(self, stack: LocalAws) -> None:
        """Timing told address states apart (#14 finding 4): confirmed and suppressed addresses skipped
        the database writes, then the confirmation mail (sent for some states only) inside the request.
        Every AWS call any client makes during the request is recorded: the sequences must be equal."""
        now = datetime.now(UTC)
        for state, status in (("confirmed", SubscriberStatus.confirmed), ("suppressed", SubscriberStatus.suppressed),
                              ("left", SubscriberStatus.unsubscribed), ("erased", SubscriberStatus.erased)):
            address = f"state.{state}@example.com"
            store().put(Subscriber(id=subscriber_id(address), email=address, status=status, created=now, updated=now))
        sign_up("state.pending@example.com")  # its mail for this hour is spent
        sign_up("state.warm-up@example.com")  # the process's first sign-up looks the queue's URL up once
        deliver_notices(get_settings())
        states = ("confirmed", "suppressed", "left", "pending", "erased", "new")
        mailed_before = {state: len(mails_to(stack, f"state.{state}@example.com")) for state in states}
        work: dict[str, list[str]] = {}
        with recorded_aws_calls() as calls:
            for state in states:
                calls.clear()
                assert sign_up(f"state.{state}@example.com")["statusCode"] == 202
                work[state] = list(calls)
        assert "sqs.SendMessageBatch" in work["new"] and not any(c.startswith("ses") for c in work["new"]), work
        assert all(work[state] == work["new"] for state in states), work
        # the worker decides afterwards: a link for who may have one this hour, nothing for the others
        mailed = {state: len(mails_to(stack, f"state.{state}@example.com")) - mailed_before[state] for state in states}
        assert mailed == {"confirmed": 0, "suppressed": 0, "left": 1, "pending": 0, "erased": 1, "new": 1}


@contextmanager
def recorded_aws_calls() -> Iterator[list[str]]:
    """Every AWS call ("service.Operation") made by a client created meanwhile: the cached clients
    are dropped, and each new boto3 session registers a botocore before-call hook that its clients inherit."""
    import boto3.session

    import digest.store.aws as aws

    calls: list[str] = []

    class Recording(boto3.session.Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.events.register("before-call", lambda event_name, **_: calls.append(event_name.split(".", 1)[1]))

    original = aws.boto3.session.Session
    aws.reset_clients()
    aws.boto3.session.Session = Recording  # type: ignore[misc]
    try:
        yield calls
    finally:
        aws.boto3.session.Session = original  # type: ignore[misc]
        aws.reset_clients()


class TestNoticeWorker:
    """NoticeWorkerFunction: the real handler on events/notice_worker.json and on hostile messages."""

    EVENT_ADDRESS = "reader@example.com"  # subscriber d108b279434fe1d54ac0f1da, whom the event names

    def notice_event(self, *bodies: str) -> dict[str, Any]:
        event = json.loads((EVENTS / "notice_worker.json").read_text())
        (sample,) = event["Records"]
        records = [{**sample, "messageId": f"m{n}", "body": body} for n, body in enumerate(bodies)]
        return {"Records": records or [sample]}

    def pending_with_nonce(self, address: str, nonce: str) -> None:
        """The reader a sign-up left pending, its sign-up kept aside under ``nonce``."""
        now = datetime.now(UTC)
        consent = subscriptions.Requester(ip=None, user_agent=None, source="api").consent("subscribe")
        signup = PendingSignup(nonce=nonce, email=address, name="Rea", consent=consent)
        store().put(Subscriber(id=subscriber_id(address), email=address, created=now, updated=now,
                               consents=[consent], signup=signup))  # fmt: skip

    def test_the_sample_event_mails_the_sign_up_it_names_and_the_link_confirms(self, stack: LocalAws) -> None:
        from digest.handlers import notice_worker

        event = self.notice_event()
        body = json.loads(event["Records"][0]["body"])
        assert subscriber_id(self.EVENT_ADDRESS) == body["reader_id"]
        self.pending_with_nonce(self.EVENT_ADDRESS, body["nonce"])
        assert notice_worker.handler(event, LocalContext("NoticeWorkerFunction")) == {"batchItemFailures": []}
        (mail,) = mails_to(stack, self.EVENT_ADDRESS)
        assert f"{body['base_url']}/confirm?token=" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert mail["Subject"] == f"Confirm your subscription to {get_settings().newsletter_name}"
        reply = call(api_event("POST", "/subscriptions/confirm", {"token": confirm_token(stack, self.EVENT_ADDRESS)}))
        assert body_of(reply) == {"status": "confirmed"}
        # delivered again (SQS is at-least-once): the confirmed reader gets nothing more
        assert notice_worker.handler(event, LocalContext("NoticeWorkerFunction")) == {"batchItemFailures": []}
        assert len(mails_to(stack, self.EVENT_ADDRESS)) == 1

    def test_hostile_messages_fail_alone_and_the_good_one_is_mailed(self, stack: LocalAws) -> None:
        from digest.handlers import notice_worker

        good = {"notice": "confirm", "reader_id": subscriber_id("notice.good@example.com"),
                "nonce": "0123456789abcdef", "base_url": "https://news.example.org/v1"}  # fmt: skip
        self.pending_with_nonce("notice.good@example.com", good["nonce"])
        hostile = [
            "not json", "", "[]", "null", json.dumps({**good, "extra": 1}), json.dumps({**good, "notice": "data"}),
            json.dumps({**good, "reader_id": "../../etc/passwd"}), json.dumps({**good, "nonce": "0" * 5000}),
            json.dumps({**good, "base_url": "javascript:alert(1)//"}), json.dumps({**good, "base_url": "https://x y"}),
            json.dumps({k: v for k, v in good.items() if k != "nonce"}), json.dumps(good)[:-1],
        ]
        event = self.notice_event(*hostile, json.dumps(good))
        reply = notice_worker.handler(event, LocalContext("NoticeWorkerFunction"))
        assert {f["itemIdentifier"] for f in reply["batchItemFailures"]} == {f"m{n}" for n in range(len(hostile))}
        assert len(mails_to(stack, "notice.good@example.com")) == 1

    def test_nothing_is_lost_a_refused_mail_is_retried_and_poison_ends_in_the_dead_letter_queue(
        self, stack: LocalAws, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = client("sqs").get_queue_url(QueueName="digest-notices")["QueueUrl"]
        dlq = client("sqs").get_queue_url(QueueName="digest-notices-dlq")["QueueUrl"]
        monkeypatch.setenv("SENDER_ADDRESS", "unverified@elsewhere.example")  # SES (moto) refuses the mail
        get_settings.cache_clear()
        assert sign_up("notice.retry@example.com")["statusCode"] == 202
        client("sqs").send_message(QueueUrl=url, MessageBody='{"notice": "confirm", "reader_id": "nobody"}')
        report = deliver_notices(get_settings())
        assert report.processed == 0 and report.failed == 10  # both, five receives each, then the DLQ
        assert len(client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])) == 2
        assert not mails_to(stack, "notice.retry@example.com")
        monkeypatch.undo()
        get_settings.cache_clear()
        assert sign_up("notice.retry.two@example.com")["statusCode"] == 202  # SES accepts again: mailed
        assert len(mails_to(stack, "notice.retry.two@example.com")) == 1


class TestLinksFollowConfiguration:
    HOSTS: ClassVar[list[str]] = ["evil.amazonaws.com", "attacker.example", "x.execute-api.eu-west-1.amazonaws.com"]

    @pytest.mark.parametrize("host", HOSTS)
    def test_the_host_header_does_not_decide_where_mailed_links_point(
        self, stack: LocalAws, monkeypatch: pytest.MonkeyPatch, host: str
    ) -> None:
        address = f"host.{host.split('.')[0]}.{len(host)}@example.com"
        call(api_event("POST", "/subscriptions", {"email": address, "consent": True}, headers={"host": host}))
        body = mails_to(stack, address)[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert f"{get_settings().api_base_url.rstrip('/')}/confirm?token=" in body
        assert host not in body

    def test_without_a_configured_url_links_name_the_api_gateway_reports(
        self, stack: LocalAws, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("API_BASE_URL", "")
        monkeypatch.setenv("AWS_REGION", "eu-west-1")
        get_settings.cache_clear()
        try:
            call(api_event("POST", "/subscriptions", {"email": "host.none@example.com", "consent": True},
                           headers={"host": "evil.amazonaws.com"}))  # fmt: skip
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
        body = mails_to(stack, "host.none@example.com")[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/confirm?token=" in body
        assert "evil" not in body


class TestStrictInput:
    def test_consent_must_be_the_boolean_true(self, stack: LocalAws) -> None:
        for consent in (1, "true", "yes", 1.0):
            payload = {"email": "strict.consent@example.com", "consent": consent}
            reply = call(api_event("POST", "/subscriptions", payload))
            assert reply["statusCode"] == 422, consent
        assert store().get(subscriber_id("strict.consent@example.com")) is None

    def test_addresses_keep_to_rfc_lengths(self, stack: LocalAws) -> None:
        too_long_local = "l" * 65 + "@example.com"
        reply = sign_up(too_long_local)
        assert reply["statusCode"] == 400 and "64" in body_of(reply)["message"]
        assert store().get(subscriber_id(too_long_local)) is None
        assert sign_up("l" * 64 + "@example.com")["statusCode"] == 202

    def test_a_huge_number_gets_a_plain_answer(self, stack: LocalAws) -> None:
        body = '{"email": "n@example.com", "consent": true, "name": ' + "9" * 5000 + "}"
        reply = call(api_event("POST", "/subscriptions", body))
        assert reply["statusCode"] == 422
        message = body_of(reply)["message"]
        assert "digits" in message and "int" not in message.lower() and "sys." not in message

    def test_every_json_answer_says_nosniff(self, stack: LocalAws) -> None:
        replies = [
            sign_up("nosniff@example.com"),  # 202
            call(api_event("GET", "/nothing/here")),  # 404
            call(api_event("GET", "/admin/subscribers")),  # 401, before routing
            call(api_event("POST", "/subscriptions", "x" * 20_000)),  # 413, before routing
            admin("GET", "/admin/sources"),  # 200
        ]
        for reply in replies:
            assert header(reply, "X-Content-Type-Options") == "nosniff", reply
