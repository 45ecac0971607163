"""Mail to the newsroom's editors: "draft ready" when the weekly build finishes, and a reminder an
hour before the send while the edition is still unapproved.  Plain-text service mail (compose_notice),
each with the edition's review link; addresses come from Settings.editor_addresses."""

from __future__ import annotations

import re

from digest.mail.compose import compose_notice
from digest.mail.service import envelope
from digest.models import Edition, EditionStatus
from digest.settings import Settings
from digest.store.mailer import send_raw
from digest.stories.window import send_time

# By shape only: the addresses come from the stack's configuration, and the functions that mail the
# editors (build, dispatch) do not carry the email validator (functions/requirements, base and build).
ADDRESS = re.compile(r"[^@\s,;<>\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z0-9-]{2,}")


def editors(settings: Settings) -> list[str]:
    """The configured editors' addresses (unusable entries are left out)."""
    found = []
    for part in settings.editor_addresses.replace(";", ",").split(","):
        address = part.strip()
        if ADDRESS.fullmatch(address):
            local, _, domain = address.rpartition("@")
            found.append(f"{local}@{domain.lower()}")
    return list(dict.fromkeys(found))


def _review_link(settings: Settings, edition_id: str) -> str:
    from digest.api.review import review_link  # the API package, loaded only when there is mail to send

    return review_link(settings, edition_id)


def _due(settings: Settings, edition: Edition) -> str:
    from digest.api.pages import local_time

    moment = send_time(
        edition.id, timezone=settings.newsroom_timezone, send_day=settings.send_day, send_hour=settings.send_hour
    )
    return f"{local_time(moment)} ({settings.newsroom_timezone})"


def _mail(settings: Settings, edition: Edition, subject: str, text: str, purpose: str) -> list[str]:
    sent = []
    for address in editors(settings):
        raw = compose_notice(envelope(settings, edition.id), address, subject, text)
        send_raw(settings.sender_address, address, raw, configuration_set=settings.ses_configuration_set,
                 tags={"edition_id": edition.id, "purpose": purpose})  # fmt: skip
        sent.append(address)
    return sent


def draft_ready(settings: Settings, edition: Edition, email_subject: str) -> list[str]:
    """Tell the editors the week's draft is ready; returns who was mailed (nobody for a skipped week)."""
    if edition.status is not EditionStatus.draft or not edition.stories():
        return []
    count = len(edition.stories())
    text = "\n".join([
        f"Edition {edition.number} ({edition.id}) is ready for review.",
        "",
        f"Subject: {email_subject}",
        f"Stories: {count}, from {edition.article_count} articles.",
        f"It goes out {_due(settings, edition)}, once approved.",
        "",
        "Review, edit and approve it here (the link works for three days):",
        _review_link(settings, edition.id),
        "",
        f"{settings.newsletter_name}",
    ])  # fmt: skip
    return _mail(settings, edition, f"Draft ready: {email_subject}", text, "draft-ready")


def approval_reminder(settings: Settings, edition: Edition, alert: str) -> list[str]:
    """Remind the editors that the edition due within the hour is still a draft."""
    if edition.status is not EditionStatus.draft:
        return []
    then = "skipped" if settings.unapproved_at_send == "skip" else "approved automatically and sent"
    text = "\n".join([
        f"Edition {edition.number} ({edition.id}) is still a draft and goes out {_due(settings, edition)}.",
        f"Unless someone approves it before then, it will be {then}.",
        "",
        "Review and approve it here:",
        _review_link(settings, edition.id),
        "",
        alert,
    ])  # fmt: skip
    return _mail(settings, edition, f"Not approved yet: edition {edition.number}", text, "approval-reminder")
