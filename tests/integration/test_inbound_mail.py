"""Unsubscribe by mail: the List-Unsubscribe mailto, received by SES and handed to InboundMailFunction.

The handler is called with events/inbound_unsubscribe.json (what `sam local invoke` gets), its
subject carrying the token a real composed message puts in its mailto, and with forged, spammy,
malformed and oversized mail.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from digest.handlers import inbound_mail
from digest.local.context import LocalContext
from digest.local.inbound import SAMPLE, mailto_reply
from digest.local.inbound import receipt_event as mail
from digest.local.motoserver import LocalAws
from digest.mail.compose import Envelope, Letter, compose
from digest.mail.service import mail_reader
from digest.models import Subscriber, SubscriberStatus
from digest.readers import subscriber_id
from digest.settings import Settings, get_settings
from digest.store.secrets import token_keys
from digest.store.subscribers import SubscriberStore
from digest.tokens import Purpose, issue

MAILBOX = "unsubscribe@news.example.org"


def settings() -> Settings:
    return get_settings().model_copy(update={"unsubscribe_mailbox": MAILBOX})


def reader(address: str, status: SubscriberStatus = SubscriberStatus.confirmed) -> Subscriber:
    found = Subscriber(id=subscriber_id(address), email=address, status=status)
    SubscriberStore(get_settings().subscribers_table).put(found)
    return found


def status(address: str) -> SubscriberStatus:
    found = SubscriberStore(get_settings().subscribers_table).get(subscriber_id(address))
    assert found is not None
    return found.status


def invoke(event: Any) -> list[str]:
    return inbound_mail.handler(event, LocalContext("inbound"))["results"]


def mailto_subject(address: str) -> str:
    """The subject a mail client writes when the reader uses the mailto of a composed edition."""
    raw = compose(Letter("Friday", "<p>hi</p>", "hi"), mail_reader(settings(), subscriber_id(address), address),
                  Envelope("digest@example.org", "Digest", "Digest <weekly.example.org>", "2026-W48"))  # fmt: skip
    reply = mailto_reply(raw.decode())
    assert reply is not None and reply[0] == MAILBOX
    return reply[1]


def test_the_mailto_of_a_composed_message_unsubscribes_its_reader(stack: LocalAws) -> None:
    reader("mailto.reader@example.com")
    subject = mailto_subject("mailto.reader@example.com")
    assert subject.startswith("unsubscribe ")
    # a client that sends from another address (an alias) still works: the token names the reader
    results = invoke(mail(subject, sender="Alias <alias@elsewhere.example.net>", spf="FAIL", dkim="FAIL"))
    assert results == [f"unsubscribed: {subscriber_id('mailto.reader@example.com')}"]
    assert status("mailto.reader@example.com") is SubscriberStatus.unsubscribed
    stored = SubscriberStore(get_settings().subscribers_table).get(subscriber_id("mailto.reader@example.com"))
    assert stored is not None and stored.consents[-1].source == "mailto"
    assert invoke(mail("Re: " + subject)) == results  # twice (a retry, a reply) changes nothing


def test_without_a_token_only_an_authenticated_sender_is_unsubscribed(stack: LocalAws) -> None:
    reader("plain.sender@example.com")
    forged = invoke(mail("please stop", sender="<plain.sender@example.com>", spf="FAIL", dkim="GRAY", dmarc="GRAY"))
    assert forged[0].startswith("ignored: no unsubscribe token") and "authenticated" in forged[0]
    spoofed = invoke(mail("stop", sender="plain.sender@example.com", spf="PASS", dmarc="FAIL"))
    assert spoofed[0].startswith("ignored:")
    assert status("plain.sender@example.com") is SubscriberStatus.confirmed
    assert invoke(mail("", sender="Plain <PLAIN.Sender@example.com>", spf="GRAY", dkim="PASS")) == [
        f"unsubscribed: {subscriber_id('plain.sender@example.com')}"
    ]
    assert status("plain.sender@example.com") is SubscriberStatus.unsubscribed


def test_spam_strangers_and_bad_tokens_change_nothing(stack: LocalAws) -> None:
    victim = reader("victim@example.com")
    token = issue(token_keys(get_settings())[0], Purpose.unsubscribe, victim.id)
    assert invoke(mail(f"unsubscribe {token}", spam="FAIL"))[0] == "ignored: SES judged the mail spam or a virus"
    assert invoke(mail(f"unsubscribe {token}", virus="FAIL"))[0].startswith("ignored: SES judged")
    wrong_purpose = issue(token_keys(get_settings())[0], Purpose.preferences, victim.id)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for subject in (f"unsubscribe {wrong_purpose}", f"unsubscribe {forged}", "unsubscribe x.y", "unsubscribe"):
        assert invoke(mail(subject, sender="<stranger@example.com>", spf="FAIL"))[0].startswith("ignored:"), subject
    assert (
        invoke(mail("stop", sender="<stranger@example.com>", spf="PASS"))[0] == "ignored: The sender is not a reader."
    )
    assert status("victim@example.com") is SubscriberStatus.confirmed


def test_erased_readers_stay_erased(stack: LocalAws) -> None:
    gone = reader("gone@example.com", SubscriberStatus.erased)
    token = issue(token_keys(get_settings())[0], Purpose.unsubscribe, gone.id)
    assert invoke(mail(f"unsubscribe {token}"))[0].startswith("ignored:")
    assert status("gone@example.com") is SubscriberStatus.erased


def _records(*records: Any) -> dict[str, Any]:
    return {"Records": list(records)}


def _bad_records() -> list[Any]:
    good = json.loads(SAMPLE.read_text())["Records"][0]
    no_receipt = copy.deepcopy(good)
    del no_receipt["ses"]["receipt"]
    wrong_source = copy.deepcopy(good)
    wrong_source["eventSource"] = "aws:sqs"
    odd_verdict = copy.deepcopy(good)
    odd_verdict["ses"]["receipt"]["spfVerdict"] = {"status": "<script>"}
    return [
        None,
        "Records",
        {},
        _records(),
        _records(*([good] * 11)),
        {"Records": "x"},
        _records({}),
        _records(no_receipt),
        _records(wrong_source),
        _records(odd_verdict),
    ]


@pytest.mark.parametrize("event", _bad_records(), ids=range(len(_bad_records())))
def test_malformed_events_are_skipped(stack: LocalAws, event: Any) -> None:
    assert all(result.startswith("skipped") for result in invoke(event))


def test_oversized_and_hostile_subjects_are_ignored(stack: LocalAws) -> None:
    victim = reader("hostile@example.com")
    token = issue(token_keys(get_settings())[0], Purpose.unsubscribe, victim.id)
    hostile = [
        f"unsubscribe {token}" + " x" * 5000,  # longer than any mail client writes
        "unsubscribe " + "A" * 100_000 + "." + "B" * 24,
        f"unsubscribe <script>{token[:20]}</script>",
        "\u202eebircsbusnu 🚫 " + "ض" * 300,
    ]
    for subject in hostile:
        assert invoke(mail(subject, sender="<nobody@example.com>", spf="FAIL"))[0].startswith("ignored:")
    assert status("hostile@example.com") is SubscriberStatus.confirmed


def _with_results(event: dict[str, Any], *results: str) -> dict[str, Any]:
    headers = event["Records"][0]["ses"]["mail"]["headers"]
    headers[:0] = [{"name": "Authentication-Results", "value": value} for value in results]
    return event


def test_a_forged_sender_cannot_unsubscribe_a_reader_by_mail(stack: LocalAws) -> None:
    """The attack: envelope sender on the attacker's own domain (SPF PASS), From: the victim, whose
    domain has no DMARC record (GRAY), and no DKIM signature, or the attacker's own."""
    reader("forged.victim@example.com")
    victim = "Victim <forged.victim@example.com>"
    unsigned = mail("stop", sender=victim, spf="PASS", dkim="GRAY", dmarc="GRAY")
    own_signature = _with_results(
        mail("stop", sender=victim, spf="PASS", dkim="PASS", dmarc="GRAY"),
        "amazonses.com; spf=pass smtp.mailfrom=attacker.example; dkim=pass header.i=@attacker.example",
    )
    planted = _with_results(  # a header the attacker wrote, below SES's own
        mail("stop", sender=victim, spf="PASS", dkim="PASS", dmarc="GRAY"),
        "amazonses.com; dkim=pass header.i=@attacker.example",
        "amazonses.com; dkim=pass header.i=@example.com",
    )
    for event in (unsigned, own_signature, planted):
        result = invoke(event)[0]
        assert result.startswith("ignored:") and "not authenticated" in result, result
    assert status("forged.victim@example.com") is SubscriberStatus.confirmed


def test_a_sender_whose_domain_is_authenticated_is_unsubscribed(stack: LocalAws) -> None:
    reader("signed.reader@example.com")
    signed = _with_results(
        mail("stop", sender="<signed.reader@example.com>", spf="GRAY", dkim="PASS", dmarc="GRAY"),
        "amazonses.com; spf=none; dkim=pass header.i=@mail.example.com header.d=example.com; dmarc=none",
    )
    assert invoke(signed) == [f"unsubscribed: {subscriber_id('signed.reader@example.com')}"]
    reader("dmarc.reader@example.com")
    assert invoke(mail("stop", sender="<dmarc.reader@example.com>", spf="GRAY", dkim="GRAY", dmarc="PASS")) == [
        f"unsubscribed: {subscriber_id('dmarc.reader@example.com')}"
    ]
