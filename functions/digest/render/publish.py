"""Rendering an edition once per variant and publishing the web archive."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from digest.models import Edition, EditionStatus, Section
from digest.render.edition import (
    ArchiveEntry,
    Branding,
    RenderedEdition,
    render_archive_feed,
    render_archive_index,
    render_edition,
)
from digest.settings import Settings
from digest.store.editions import EditionStore

ALL_SECTIONS = "all"
PUBLISHED = frozenset({EditionStatus.approved, EditionStatus.sending, EditionStatus.sent})


def variant_key(sections: frozenset[Section] | None) -> str:
    """A stable name for a reader's choice of sections (empty choice = everything)."""
    if not sections or sections >= frozenset(Section):
        return ALL_SECTIONS
    return "+".join(sorted(s.value for s in sections))


def view_online_url(settings: Settings, edition_id: str) -> str:
    return f"{settings.archive_base_url.rstrip('/')}/{edition_id}/"


def render(
    settings: Settings, edition: Edition, sections: frozenset[Section] | None = None, *, web: bool = False
) -> RenderedEdition:
    """The edition rendered with this deployment's branding and links (nothing is stored)."""
    return render_edition(
        edition,
        Branding.from_settings(settings),
        layouts_dir=settings.layouts_dir,
        timezone=settings.newsroom_timezone,
        view_online_url=view_online_url(settings, edition.id),
        subscribe_url=f"{settings.api_base_url.rstrip('/')}/subscribe",
        sections=sections,
        web=web,
    )


def content_key(edition: Edition) -> str:
    """A fingerprint of what the email is made of (stories, summaries, subject, note, …), not of
    where the edition stands (status, history): any edit changes it, a status change does not."""
    content = edition.model_dump_json(exclude={"status", "history", "created"})
    return hashlib.sha256(content.encode()).hexdigest()[:20]


def _email_key(edition: Edition, variant: str) -> str:
    return f"_email/{edition.id}/{content_key(edition)}/{variant}.json"


def email_variant(settings: Settings, edition: Edition, sections: frozenset[Section] | None) -> RenderedEdition:
    """The email for one variant: rendered once and kept in the archive bucket for every later reader.

    Kept under the edition's content fingerprint, so a variant rendered before a reopen and an
    edit is never sent afterwards: the edited edition has another key (issue #16).
    """
    store = EditionStore(settings.editions_table, settings.archive_bucket)
    key = _email_key(edition, variant_key(sections))
    try:
        return RenderedEdition(**json.loads(store.get_file(key)))
    except ClientError as error:
        if error.response["Error"]["Code"] not in {"NoSuchKey", "404"}:
            raise
    rendered = render(settings, edition, sections, web=False)
    store.put_file(key, json.dumps(asdict(rendered)), "application/json")
    return rendered


def publish(settings: Settings, edition: Edition) -> tuple[RenderedEdition, RenderedEdition]:
    """Render the full email and the web page; once approved, publish the page, index and feed.

    A draft's page goes to ``_preview/`` (not public) so nothing unapproved reaches the archive.
    Returns (email, web page).  A re-render replaces the cached email of the full variant.
    """
    store = EditionStore(settings.editions_table, settings.archive_bucket)
    email = render(settings, edition, None, web=False)
    store.put_file(_email_key(edition, ALL_SECTIONS), json.dumps(asdict(email)), "application/json")
    web = render(settings, edition, None, web=True)
    if edition.status is EditionStatus.draft:
        store.put_file(f"_preview/{edition.id}/index.html", web.html, "text/html")
        return email, web
    store.put_file(f"{edition.id}/index.html", web.html, "text/html")
    branding = Branding.from_settings(settings)
    tz = ZoneInfo(settings.newsroom_timezone)
    entries = [
        ArchiveEntry(
            id=e.id,
            number=e.number,
            date=e.window_end.astimezone(tz).date(),
            headline=(e.stories()[0].headline if e.stories() else settings.newsletter_name),
            url=view_online_url(settings, e.id),
        )
        for e in reversed(store.all())
        if e.status in PUBLISHED
    ]
    base = settings.archive_base_url.rstrip("/") + "/"
    store.put_file(
        "index.html",
        render_archive_index(entries, branding, layouts_dir=settings.layouts_dir, base_url=base),
        "text/html",
    )
    store.put_file(
        "feed.xml",
        render_archive_feed(entries, branding, layouts_dir=settings.layouts_dir, base_url=base),
        "application/rss+xml",
    )
    return email, web
