"""What SES tells us after sending: bounces and complaints suppress readers, the rest feeds stats.

Events arrive through the configuration set's EventBridge destination in SES's event-publishing
shape (``detail.eventType`` with ``detail.mail`` and a type-specific object).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import ConfigDict, Field

from digest.models import Model, SubscriberStatus
from digest.settings import Settings
from digest.store.editions import EditionStore
from digest.store.sendlog import SendLog
from digest.store.subscribers import SubscriberStore

STAT_OF_EVENT = {
    "Send": "accepted",
    "Delivery": "delivered",
    "Bounce": "bounced",
    "Complaint": "complained",
    "Reject": "rejected",
    "Open": "opened",
    "Click": "clicked",
    "DeliveryDelay": "delayed",
    "Subscription": "unsubscribed",
    "Rendering Failure": "rendering_failed",
}
# events that prove SES accepted the message (so a reader in doubt was mailed)
SETTLES_AS_SENT = {"Send", "Delivery", "Bounce", "Complaint", "DeliveryDelay", "Open", "Click"}
SOFT_BOUNCE_LIMIT = 3  # soft (transient) bounces within SOFT_BOUNCE_WINDOW suppress a reader
SOFT_BOUNCE_WINDOW = timedelta(days=30)


class SesMail(Model):
    model_config = ConfigDict(extra="ignore")
    messageId: str = Field(max_length=200)
    destination: list[str] = Field(default_factory=list, max_length=50)
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesEvent(Model):
    """The part of an SES event we act on; everything else is ignored."""

    model_config = ConfigDict(extra="ignore")
    eventType: str = Field(max_length=40)
    mail: SesMail
    bounce: dict[str, Any] | None = None
    complaint: dict[str, Any] | None = None
    click: dict[str, Any] | None = None  # SES's click event: the link (without our tracking, as sent)

    def tag(self, name: str) -> str | None:
        values = self.mail.tags.get(name) or []
        return values[0] if values else None

    @property
    def bounce_type(self) -> Literal["Permanent", "Transient", "Undetermined"] | None:
        return (self.bounce or {}).get("bounceType")


def apply_event(settings: Settings, event: SesEvent) -> str:
    """Record one SES event; returns what was done (for the log)."""
    readers = SubscriberStore(settings.subscribers_table)
    subscriber_id = event.tag("subscriber_id")
    edition_id = event.tag("edition_id")
    action = "counted"
    reader = readers.get(subscriber_id) if subscriber_id else None
    if reader is not None:
        if event.eventType == "Complaint" or (event.eventType == "Bounce" and event.bounce_type == "Permanent"):
            reader.status = SubscriberStatus.suppressed
            action = "suppressed"
        elif event.eventType == "Bounce":
            now = datetime.now(UTC)
            recent = [t for t in reader.soft_bounce_times if now - t < SOFT_BOUNCE_WINDOW]
            reader.soft_bounce_times = [*recent, now][-SOFT_BOUNCE_LIMIT * 4 :]
            reader.soft_bounces = len(recent) + 1
            action = "counted a soft bounce"
            if reader.soft_bounces >= SOFT_BOUNCE_LIMIT:
                reader.status = SubscriberStatus.suppressed
                action = "suppressed after soft bounces"
        elif event.eventType == "Subscription":
            reader.status = SubscriberStatus.unsubscribed
            action = "unsubscribed"
        if action != "counted":
            readers.put(reader)
    # a call whose answer was lost (or a worker that died) left the row in doubt: SES's own event
    # for the message, carrying our tags, tells what became of it
    if edition_id and subscriber_id and event.eventType in SETTLES_AS_SENT | {"Reject"}:
        log = SendLog(settings.send_log_table)
        if event.eventType == "Reject":
            if log.settle_unsent(edition_id, subscriber_id, "rejected by SES", how="ses-event"):
                action = "settled an in-doubt send as rejected"
        elif log.settle(edition_id, subscriber_id, event.mail.messageId):
            action = "settled an in-doubt send"
        if action.startswith("settled") and not settings.reader_local_time:
            from digest.mail.service import settle_edition

            settle_edition(settings, edition_id, waiting=0)  # the last doubt settled: the edition is sent
    stat = STAT_OF_EVENT.get(event.eventType)
    if (
        edition_id
        and stat
        and not EditionStore(settings.editions_table, settings.archive_bucket).add_stats(edition_id, **{stat: 1})
    ):
        action += f" (no edition {edition_id} to count it on)"
    link = (event.click or {}).get("link")
    if edition_id and event.eventType == "Click" and isinstance(link, str) and link.startswith(("https://", "http://")):
        EditionStore(settings.editions_table, settings.archive_bucket).add_link_click(edition_id, link)
    return action
