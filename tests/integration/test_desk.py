"""The editor's desk and the extended review page through the real handler, moto behind it."""

from __future__ import annotations

import base64
import email
import re
from email import policy
from urllib.parse import urlencode

import pytest
from test_api import FORM, admin, api_event, body_of, call, header, seeded_edition

from digest.api.review import review_token
from digest.local.motoserver import LocalAws, received_messages
from digest.mail.feedback import SesEvent, apply_event
from digest.readers import subscriber_id
from digest.settings import get_settings
from digest.store.editions import EditionStore
from digest.store.secrets import token_keys
from digest.store.subscribers import SubscriberStore
from digest.tokens import Purpose, issue, read_token, reader_subject


def desk_token() -> str:
    url = body_of(admin("GET", "/admin/desk-link"))["url"]
    return url.rsplit("/desk/", 1)[1]


def page(path: str, **kwargs: object) -> str:
    reply = call(api_event("GET", path, accept="text/html", **kwargs))  # type: ignore[arg-type]
    assert reply["statusCode"] == 200, reply
    return str(reply["body"])


def post(path: str, form: dict[str, str]) -> dict[str, object]:
    return call(api_event("POST", path, urlencode(form), content_type=FORM, accept="text/html"))


def test_review_page_names_stories_edits_copy_and_summaries_and_sends_a_test(stack: LocalAws) -> None:
    from digest.render.publish import email_variant, publish

    edition = seeded_edition(weeks_back=3)  # its own week: it edits, approves and reopens it, and sees no clicks
    publish(get_settings(), edition)  # as the weekly build does: the email is rendered and kept
    token = review_token(get_settings(), edition.id)
    body = page(f"/review/{token}")
    assert "@@READER_NAME@@" not in body and "Dear Alex," in body  # a sample reader in the preview
    assert ">Top news</option>" in body and ">top</option>" not in body  # readable section names
    assert re.search(r"(Herald, Courier|Courier, Herald)</span>", body)  # outlets by name

    museum = next(s for s in edition.stories() if "Museum" in s.headline)
    reply = post(f"/review/{token}", {"action": "drop", "target": museum.lead.id})
    body = page(f"/review/{token}", query={"done": "drop", "story": museum.lead.id})
    dropped = body.split("<h2>Dropped</h2>", 1)[1]
    assert "Museum reopens its maritime gallery" in dropped and "Herald" in dropped  # a headline, not an id
    assert header(reply, "Location") == f"{token}?done=drop&story={museum.lead.id}"  # type: ignore[arg-type]
    post(f"/review/{token}", {"action": "restore", "target": museum.lead.id})
    body = page(f"/review/{token}", query={"done": "restore", "story": museum.lead.id})
    assert "Restored “Museum reopens its maritime gallery”." in body

    copy = {"action": "copy", "subject": "Strikes, storms and a museum", "preheader": "All the week in five minutes",
            "note": "A busy week at the harbour."}  # fmt: skip
    assert post(f"/review/{token}", copy)["statusCode"] == 303
    body = page(f"/review/{token}", query={"done": "copy"})
    assert "Saved the subject, preheader and editor&#39;s note." in body
    assert "Strikes, storms and a museum" in body and "A busy week at the harbour." in body
    too_long = post(f"/review/{token}", {**copy, "subject": "x" * 120})
    assert too_long["statusCode"] == 409 and "at most 90" in str(too_long["body"])

    storm = next(s for s in edition.stories() if "Storm" in s.headline)
    summary = {"action": "summary", "target": storm.lead.id, "text": "Rivers burst their banks overnight."}
    assert post(f"/review/{token}", summary)["statusCode"] == 303
    assert "Rivers burst their banks overnight." in page(f"/review/{token}")

    before = len(received_messages(stack.endpoint))
    sent = post(f"/review/{token}", {"action": "test", "address": "desk.editor@example.com"})
    assert header(sent, "Location") == f"{token}?done=test&to=desk.editor%40example.com"  # type: ignore[arg-type]
    new = received_messages(stack.endpoint)[before:]
    assert len(new) == 1 and "[TEST] Strikes, storms and a museum" in new[0].raw.replace("=\r\n", "")
    assert "A test copy is on its way to desk.editor@example.com." in page(
        f"/review/{token}", query={"done": "test", "to": "desk.editor@example.com"}
    )
    assert post(f"/review/{token}", {"action": "test", "address": "nope"})["statusCode"] == 400

    stats = page(f"/review/{token}/stats")
    assert 'data-counter="opened"' in stats and "0.0%" in stats and "No clicks yet." in stats

    # Approving renders the email again: readers get the edited subject and summary, not the build's copy.
    assert post(f"/review/{token}", {"action": "approve", "confirm": "yes"})["statusCode"] == 303
    approved = EditionStore(get_settings().editions_table, get_settings().archive_bucket).get(edition.id)
    assert approved and approved.status.value == "approved"
    sent = email_variant(get_settings(), approved, None)
    assert sent.subject == "Strikes, storms and a museum" and "Rivers burst their banks overnight." in sent.html
    post(f"/review/{token}", {"action": "reopen"})


def test_desk_lists_editions_and_counts_clicks(stack: LocalAws) -> None:
    edition = seeded_edition()
    token = desk_token()
    body = page(f"/desk/{token}")
    assert f'data-edition="{edition.id}"' in body and "Goes out" in body
    assert call(api_event("GET", f"/desk/{review_token(get_settings(), edition.id)}"))["statusCode"] == 400
    assert call(api_event("GET", "/admin/desk-link"))["statusCode"] == 401

    story = edition.stories()[0]
    click = {"eventType": "Click", "mail": {"messageId": "m-1", "tags": {"edition_id": [edition.id]}},
             "click": {"link": story.lead.url + "?utm_source=friday-digest"}}  # fmt: skip
    apply_event(get_settings(), SesEvent.model_validate(click))
    apply_event(get_settings(), SesEvent.model_validate(click))
    clicks = EditionStore(get_settings().editions_table, get_settings().archive_bucket).link_clicks(edition.id)
    assert clicks == {story.lead.url + "?utm_source=friday-digest": 2}
    stats = page(f"/review/{review_token(get_settings(), edition.id)}/stats")
    assert f"{story.headline}" in stats and "2 clicks" in stats


def test_desk_readers_page_adds_finds_unsubscribes_erases_imports_and_exports(stack: LocalAws) -> None:
    token = desk_token()
    base = f"/desk/{token}/subscribers"
    added = post(base, {"action": "add", "email": "desk.reader@Example.com", "name": "Dee"})
    assert added["statusCode"] == 200 and "Added desk.reader@example.com." in str(added["body"])
    found = page(base, query={"q": "desk.reader"})
    assert "desk.reader@example.com" in found and "Dee" in found
    reader_id = subscriber_id("desk.reader@example.com")
    readers = SubscriberStore(get_settings().subscribers_table)
    assert readers.get(reader_id).consents[0].source == "added by the desk"  # type: ignore[union-attr]

    post(base, {"action": "unsubscribe", "reader": reader_id})
    assert readers.get(reader_id).status.value == "unsubscribed"  # type: ignore[union-attr]
    erased = post(base, {"action": "erase", "reader": reader_id})
    assert "Erased" in str(erased["body"]) and readers.get(reader_id).email == ""  # type: ignore[union-attr]

    bad = post(base, {"action": "add", "email": "not an address"})
    assert bad["statusCode"] == 400 and 'class="error"' in str(bad["body"])

    csv = "email,name,consent_at,consent_source,policy_version\nimported@example.com,Ima,2025-05-01T10:00:00+00:00,"
    csv += "old-site,2025-01\nbroken,x,,,\n"
    report = post(base, {"action": "import", "csv": csv})
    assert "Imported 1, unchanged 0, not imported 1." in str(report["body"])
    consent = readers.get(subscriber_id("imported@example.com")).consents[0]  # type: ignore[union-attr]
    assert consent.source == "import (old-site)" and consent.policy_version == "2025-01"
    assert consent.at.isoformat() == "2025-05-01T10:00:00+00:00"

    exported = call(api_event("GET", f"/desk/{token}/subscribers.csv"))
    assert exported["statusCode"] == 200
    lines = str(exported["body"]).splitlines()
    assert lines[0] == "email,name,sections,timezone,status,consent_at,consent_source,policy_version"
    assert "imported@example.com,Ima,,,confirmed,2025-05-01T10:00:00+00:00,import (old-site),2025-01" in lines
    # a reader's link opens no desk
    reader_token = issue(token_keys(get_settings())[0], Purpose.preferences, subscriber_id("imported@example.com"))
    assert call(api_event("GET", f"/desk/{reader_token}/subscribers"))["statusCode"] == 400
    assert re.search(r"\d+ confirmed", page(base))


def test_the_weekly_build_mails_the_editors_and_the_reminder_names_the_review_link(
    stack: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.handlers import build_edition
    from digest.local.context import invoke
    from digest.mail.editors import approval_reminder

    edition = seeded_edition()
    monkeypatch.setenv("EDITOR_ADDRESSES", "ed@example.com, broken, Second.Ed@Example.com; ed@example.com")
    get_settings.cache_clear()
    try:
        assert get_settings().editors == ["ed@example.com", "second.ed@example.com"]
        before = len(received_messages(stack.endpoint))
        built = invoke(build_edition.handler, {"week": edition.id}, "build")
        mails = [m for m in received_messages(stack.endpoint)[before:]]
        assert sorted(m.destinations[0] for m in mails) == ["ed@example.com", "second.ed@example.com"]
        text = email.message_from_string(mails[0].raw, policy=policy.default)
        assert text["Subject"] == f"Draft ready: {built['subject']}"
        body = text.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        link = re.search(r"http://\S+/review/(\S+)", body)
        assert link and read_token(token_keys(get_settings()), link.group(1), Purpose.review) == edition.id
        assert "List-Unsubscribe" not in mails[0].raw  # service mail, not the newsletter

        stored = EditionStore(get_settings().editions_table, get_settings().archive_bucket).get(edition.id)
        assert stored
        before = len(received_messages(stack.endpoint))
        assert approval_reminder(get_settings(), stored, "alert text") == ["ed@example.com", "second.ed@example.com"]
        reminder = email.message_from_string(received_messages(stack.endpoint)[before].raw, policy=policy.default)
        assert reminder["Subject"] == f"Not approved yet: edition {stored.number}"
        assert "/review/" in reminder.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    finally:
        monkeypatch.delenv("EDITOR_ADDRESSES")
        get_settings.cache_clear()


def test_reader_pages_speak_plainly_keep_the_form_and_confirm_before_erasing(stack: LocalAws) -> None:
    from test_api import subscribed

    no_consent = post("/subscriptions", {"email": "kept@example.com", "name": "Kim", "sections": "top"})
    body = str(no_consent["body"])
    assert no_consent["statusCode"] == 422 and "Please tick the box" in body and "String should" not in body
    assert 'value="kept@example.com"' in body and 'value="Kim"' in body and 'value="top" checked' in body
    assert '<datalist id="zones">' in body and '<option value="Europe/London">' in body
    assert 'class="masthead"' in body
    broken = call(api_event("GET", "/unsubscribe/short", accept="text/html"))
    assert broken["statusCode"] == 422 and "This link is incomplete or broken" in str(broken["body"])
    assert "path.token" not in str(broken["body"])

    inbox = post("/subscriptions", {"email": "inbox@example.com", "consent": "true"})
    assert "We have sent a link to inbox@example.com" in str(inbox["body"]) and "spam" in str(inbox["body"])

    reader = SubscriberStore(get_settings().subscribers_table).get(subscribed(stack, "leaver@example.com", "Lee"))
    assert reader
    key, subject = token_keys(get_settings())[0], reader_subject(reader.id, reader.token_version)
    data = issue(key, Purpose.data, subject)
    first = page(f"/data/{data}")
    assert "Erase my data and unsubscribe…" in first and "../erase/" not in first  # not one click away
    confirm = page(f"/data/{data}", query={"step": "erase"})
    assert "cannot be undone" in confirm and f'action="../erase/{data}"' in confirm
    unsubscribe = issue(
        token_keys(get_settings())[0], Purpose.unsubscribe, reader_subject(reader.id, reader.token_version)
    )
    gone = post(f"/unsubscribe/{unsubscribe}", {"List-Unsubscribe": "One-Click"})
    assert "Sign up again" in str(gone["body"]) and 'href="../subscribe"' in str(gone["body"])


def upload(path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> dict[str, object]:
    """A browser's multipart/form-data post, as API Gateway hands it over (binary: base64)."""
    boundary = "----formboundaryDk7Lq1"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]  # fmt: skip
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
              f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n"
              for k, (name, content) in files.items()]  # fmt: skip
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    event = api_event("POST", path, base64.b64encode(body).decode(), accept="text/html",
                      content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    event["isBase64Encoded"] = True
    return call(event)


def test_desk_imports_an_uploaded_csv_file_with_the_pastes_limits_and_errors(stack: LocalAws) -> None:
    base = f"/desk/{desk_token()}/subscribers"
    form = page(base)
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form and 'accept=".csv,text/csv"' in form
    rows = "email,name\r\nfile.plus@example.com,=SUM(A1:A9)\r\nfile.quote@example.com,'quoted\r\nbroken,x\r\n"
    report = upload(base, {"action": "import", "csv": ""}, {"csv_file": ("readers.csv", f"\ufeff{rows}".encode())})
    assert report["statusCode"] == 200 and "Imported 2, unchanged 0, not imported 1." in str(report["body"])
    readers = SubscriberStore(get_settings().subscribers_table)
    assert readers.get(subscriber_id("file.plus@example.com")).name == "=SUM(A1:A9)"  # type: ignore[union-attr]
    assert readers.get(subscriber_id("file.quote@example.com")).name == "quoted"  # type: ignore[union-attr]

    # the export, uploaded as it was downloaded: nothing changes, no neutralising quote becomes data
    exported = str(call(api_event("GET", f"{base}.csv"))["body"]).encode()
    assert b"'=SUM(A1:A9)" in exported
    again = upload(base, {"action": "import"}, {"csv_file": ("readers.csv", exported)})
    assert re.search(r"Imported 0, unchanged \d+, not imported 0\.", str(again["body"])), again["body"]
    assert readers.get(subscriber_id("file.plus@example.com")).name == "=SUM(A1:A9)"  # type: ignore[union-attr]

    # the paste's errors, as a page that keeps the desk: too long a field, no header, not UTF-8, too large
    huge = upload(base, {"action": "import"}, {"csv_file": ("big.csv", b"email,name\nh@example.com," + b"x" * 140_000)})
    assert huge["statusCode"] == 400 and "field larger than field limit (131072)" in str(huge["body"])
    headless = upload(base, {"action": "import"}, {"csv_file": ("cells.csv", b"just,some\ncells,here\n")})
    assert headless["statusCode"] == 400 and "email" in str(headless["body"])
    latin_1 = "email,name\nl@example.com,Zoë\n".encode("latin-1")
    latin = upload(base, {"action": "import"}, {"csv_file": ("latin.csv", latin_1)})
    assert latin["statusCode"] == 400 and 'class="error"' in str(latin["body"])
    assert "The file is not UTF-8 text (byte 28 is not)" in str(latin["body"])
    assert readers.get(subscriber_id("l@example.com")) is None
    too_large = upload(base, {"action": "import"}, {"csv_file": ("all.csv", b"email\n" + b"a@example.com\n" * 400_000)})
    assert too_large["statusCode"] == 413
    # a paste still works beside the file input
    pasted = post(base, {"action": "import", "csv": "email\npasted.too@example.com\n"})
    assert "Imported 1, unchanged 0, not imported 0." in str(pasted["body"])


def test_a_reopened_and_edited_edition_never_sends_a_variant_rendered_before(stack: LocalAws) -> None:
    """Per-section emails are rendered once and kept for the send: one kept before "Back to draft"
    (or `digest edition reopen`) and an edit must not be what readers of that variant get."""
    from digest.cli import main
    from digest.render.publish import email_variant

    settings = get_settings()
    editions = EditionStore(settings.editions_table, settings.archive_bucket)
    edition = seeded_edition(weeks_back=5)
    review = f"/review/{review_token(settings, edition.id)}"
    storm = next(s for s in edition.stories() if "Storm" in s.headline)
    variant = frozenset({next(sec.key for sec in edition.sections if storm in sec.stories)})

    def approved_variant_text() -> str:
        assert post(review, {"action": "approve", "confirm": "yes"})["statusCode"] == 303
        approved = editions.get(edition.id)
        assert approved and approved.status.value == "approved"
        return email_variant(settings, approved, variant).text  # what a send renders, or finds kept

    first = approved_variant_text()
    assert storm.summary in first
    reopenings = [
        lambda: post(review, {"action": "reopen"}),  # the review page's "Back to draft"
        lambda: main(["edition", "reopen", edition.id]),  # the CLI
    ]
    for n, reopen in enumerate(reopenings):
        reopen()
        assert editions.get(edition.id).status.value == "draft"  # type: ignore[union-attr]
        summary = f"Rivers burst their banks overnight ({n})."
        assert post(review, {"action": "summary", "target": storm.lead.id, "text": summary})["statusCode"] == 303
        text = approved_variant_text()
        assert summary in text and storm.summary not in text, text
