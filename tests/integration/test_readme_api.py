"""The embeddable sign-up box as README and docs/embed-signup.md describe it (issue 18): the form in
the document itself, posted as a browser would, to the real API handler on moto."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from test_api import FORM, api_event, call, header, mails_to, store

from digest.local.motoserver import LocalAws
from digest.readers import subscriber_id
from digest.settings import REPO_ROOT

DOC = (REPO_ROOT / "docs" / "embed-signup.md").read_text(encoding="utf-8")


class Form(HTMLParser):
    """The document's form: its action, method, fields (name -> value as shipped) and any script."""

    def __init__(self) -> None:
        super().__init__()
        self.action = self.method = ""
        self.fields: dict[str, str] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = values["action"], values["method"]
        elif tag == "input":
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "script" or any(k.startswith("on") for k in values):
            self.scripts += 1


def embedded_form() -> Form:
    form = Form()
    form.feed(DOC.split("```html", 1)[1].split("```", 1)[0])
    return form


def post(fields: dict[str, str]) -> dict[str, object]:
    return call(api_event("POST", "/subscriptions", urlencode(fields), content_type=FORM, accept="text/html"))


def test_the_embedded_form_signs_a_reader_up_and_a_mistake_keeps_what_was_typed(stack: LocalAws) -> None:
    form = embedded_form()
    assert (form.method, urlsplit(form.action).path, form.scripts) == ("post", "/subscriptions", 0)
    assert set(form.fields) == {"source", "policy_version", "email", "name", "website", "consent"}

    typed = {**form.fields, "email": "embedded@example.com", "name": "Grace Embed", "website": ""}
    reply = post(typed)
    assert reply["statusCode"] == 202 and "Check your inbox" in str(reply["body"])
    assert header(reply, "Set-Cookie") is None  # no cookies
    reader = store().get(subscriber_id("embedded@example.com"))
    assert reader is not None and reader.consents[0].source == "site-footer"  # which box signed them up
    assert reader.consents[0].policy_version == "2026-01"
    assert len(mails_to(stack, "embedded@example.com")) == 1  # the confirmation link

    mistake = post({k: v for k, v in typed.items() if k != "consent"} | {"email": "mistaken@example.com"})
    page = str(mistake["body"])
    assert mistake["statusCode"] == 422 and "<html" in page and "consent" in page.lower()
    assert 'value="mistaken@example.com"' in page and 'value="Grace Embed"' in page  # what they typed
    assert store().get(subscriber_id("mistaken@example.com")) is None


def test_every_error_is_json_with_a_message_and_maybe_errors(stack: LocalAws) -> None:
    """README: "Errors are JSON `{"message", "errors"?}`" — whichever layer answers: validation, the
    handler, routing, the admin key check, the size limit."""
    requests = [
        (api_event("POST", "/subscriptions", "{not json"), 422),
        (api_event("POST", "/subscriptions", {"email": "a@example.com"}), 422),
        (api_event("POST", "/subscriptions", {"email": "not-an-address", "consent": True}), 400),
        (api_event("GET", "/nothing/here"), 404),
        (api_event("GET", "/admin/subscribers"), 401),
        (api_event("POST", "/subscriptions", "x" * 20_000), 413),
    ]
    for request, status in requests:
        reply = call(request)
        body = json.loads(str(reply["body"]))
        assert reply["statusCode"] == status and isinstance(body["message"], str) and body["message"], reply
        assert set(body) <= {"message", "errors"}, body
    missing_consent = json.loads(str(call(requests[1][0])["body"]))
    error = {"loc": ["body", "consent"], "msg": "Field required", "type": "missing"}
    assert missing_consent == {"message": "consent: Field required", "errors": [error]}
