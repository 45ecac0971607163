"""`digest doctor`: is this stack ready to send a Friday edition?  A pass/fail list.

Each check says what it found; a check that cannot run here (no DNS offline, no CloudFormation
stack on a local endpoint) is skipped with the reason, never passed silently.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from digest.settings import Settings
from digest.store import inspect

Outcome = Literal["pass", "fail", "skip", "warn"]


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    detail: str


def _resources(settings: Settings) -> Check:
    missing = inspect.missing_resources(settings)
    if missing:
        return Check("stack resources", "fail", "missing: " + "; ".join(missing))
    return Check("stack resources", "pass", "tables, buckets and queues all found")


def _identity(settings: Settings) -> list[Check]:
    address = settings.sender_address
    domain = address.rpartition("@")[2]
    status = inspect.identity_status([address, domain])
    verified = [i for i in (address, domain) if status[i].get("VerificationStatus") == "Success"]
    checks = [
        Check("sender identity", "pass", f"{' and '.join(verified)} verified")
        if verified
        else Check("sender identity", "fail", f"neither {address} nor {domain} is verified in SES")
    ]
    dkim = status[domain]
    if dkim.get("DkimEnabled") and dkim.get("DkimVerificationStatus") == "Success":
        checks.append(Check("DKIM signing", "pass", f"{domain} signs with DKIM"))
    else:
        checks.append(Check("DKIM signing", "fail", f"{domain} does not sign with DKIM (Easy DKIM: set SenderDomain)"))
    return checks


def _account() -> Check:
    account = inspect.sending_account()
    rate = f"quota {account['max_24h']:.0f}/24 h at {account['max_rate']:.0f} msg/s"
    if account["production"] is True:
        return Check("SES production access", "pass", rate)
    if account["production"] is False:
        return Check("SES production access", "fail", f"the account is in the SES sandbox ({rate})")
    hint = " — a sandbox-sized quota" if account["max_24h"] <= 200 else ""
    return Check("SES production access", "warn", f"the endpoint does not say; {rate}{hint}")


def _configuration_set(settings: Settings) -> Check:
    try:
        destinations = inspect.event_destinations(settings.ses_configuration_set)
    except LookupError as error:
        return Check("configuration set", "fail", str(error))
    enabled = [d for d in destinations if d.get("Enabled", True)]
    if not enabled:
        return Check("configuration set", "fail", f"{settings.ses_configuration_set} has no event destination")
    return Check("configuration set", "pass", f"{settings.ses_configuration_set} publishes events")


def _unsubscribe_mailbox(settings: Settings) -> Check:
    mailbox = settings.unsubscribe_mailbox
    if not mailbox:
        return Check("unsubscribe by mail", "skip", "no UnsubscribeMailbox: List-Unsubscribe has the https link only")

    def receives(rule: dict[str, Any]) -> bool:
        recipients = {r.lower() for r in rule.get("Recipients", [])}
        return (
            bool(rule.get("Enabled"))
            and mailbox.lower() in recipients
            and any("LambdaAction" in action for action in rule.get("Actions", []))
        )

    rules = [rule for rule in inspect.active_receipt_rules() if receives(rule)]
    if not rules:
        return Check("unsubscribe by mail", "fail", f"no enabled rule in the active receipt rule set hands {mailbox} "
                     "to a Lambda: activate the stack's rule set (docs/deploy.md) and add the MX record")  # fmt: skip
    return Check("unsubscribe by mail", "pass", f"{mailbox} is received by rule {rules[0].get('Name', '?')}")


def dmarc_record(domain: str, resolver: str | None = None, timeout: float = 3.0, port: int = 53) -> str | None:
    """The domain's DMARC TXT record, by one DNS query over UDP (no library needed); None if none.

    Raises OSError when no resolver answers (offline).
    """
    name = f"_dmarc.{domain}".encode("idna")
    ident = random.randrange(65536)
    question = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\0" + struct.pack(">HH", 16, 1)
    packet = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0) + question
    server, _, given_port = (resolver or _nameserver()).partition(":")
    port = int(given_port) if given_port else port
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(packet, (server, port))
        reply = sock.recv(4096)
    answers = struct.unpack(">H", reply[6:8])[0]
    offset = 12 + len(question)
    records: list[str] = []
    for _ in range(answers):
        while reply[offset] and reply[offset] < 0xC0:  # owner name, uncompressed labels
            offset += reply[offset] + 1
        offset += 2 if reply[offset] >= 0xC0 else 1
        kind, _, _, length = struct.unpack(">HHIH", reply[offset : offset + 10])
        offset += 10
        data, offset = reply[offset : offset + length], offset + length
        if kind == 16:
            text, i = b"", 0
            while i < len(data):
                text += data[i + 1 : i + 1 + data[i]]
                i += data[i] + 1
            records.append(text.decode("utf-8", "replace"))
    return next((r for r in records if r.lower().startswith("v=dmarc1")), None)


def _nameserver() -> str:
    try:
        with open("/etc/resolv.conf") as handle:
            for line in handle:
                if line.startswith("nameserver"):
                    return line.split()[1]
    except OSError:
        pass
    return "127.0.0.53"


def _dmarc(settings: Settings, resolver: str | None) -> Check:
    domain = settings.sender_address.rpartition("@")[2]
    try:
        record = dmarc_record(domain, resolver)
    except OSError as error:
        return Check("DMARC record", "skip", f"no DNS answer ({error}); offline?")
    if record:
        return Check("DMARC record", "pass", record[:120])
    return Check("DMARC record", "fail", f"no DMARC record at _dmarc.{domain} (Gmail and Yahoo require one)")


def _is_wave(schedule: dict[str, str]) -> bool:
    """The local-time waves schedule (its input asks the dispatch for a wave)."""
    try:
        return bool(json.loads(schedule.get("Input") or "{}").get("waves"))
    except ValueError:
        return False


def _schedules(settings: Settings, stack: str | None) -> Check:
    if not stack:
        return Check("schedules", "skip", "no CloudFormation stack named (--stack): schedules not checked")
    states = inspect.schedules(stack)
    if not states:
        return Check("schedules", "fail", f"stack {stack} has no schedules")
    # ReaderLocalTime off: the template creates the waves schedule DISABLED - off, as configured
    off = [n for n, s in states.items() if _is_wave(s) and not settings.reader_local_time and s["State"] != "ENABLED"]
    disabled = [n for n, s in states.items() if s["State"] != "ENABLED" and n not in off]
    if disabled:
        return Check("schedules", "fail", f"disabled: {', '.join(disabled)}")
    enabled = len(states) - len(off)
    note = f"; local-time waves off (ReaderLocalTime is false): {', '.join(off)}" if off else ""
    return Check("schedules", "pass", f"{enabled} schedules enabled{note}")


def _secrets(settings: Settings) -> Check:
    arns = [a for a in (settings.token_secret_arn, settings.admin_api_key_secret_arn) if a]
    if not arns:
        return Check("secrets", "warn", "no secret ARNs configured: the local default keys are in use")
    missing = [a for a in arns if not inspect.secret_exists(a)]
    if missing:
        return Check("secrets", "fail", f"missing: {', '.join(missing)}")
    return Check("secrets", "pass", "link-signing and admin keys present")


FOOTER = {"postal_address": "PostalAddress", "privacy_policy_url": "PrivacyPolicyUrl", "support_url": "SupportUrl"}


def _footer(settings: Settings) -> Check:
    """The footer's address and links: the template's defaults are the sample newsroom's, fine for a
    trial, but anti-spam law wants the sender's real postal address in every mail."""
    samples = [parameter for field, parameter in FOOTER.items()
               if getattr(settings, field) == Settings.model_fields[field].default]  # fmt: skip
    if samples:
        return Check("mail footer", "warn", f"{', '.join(samples)} still the sample newsroom's: set your own "
                     "before the first edition (sam deploy --parameter-overrides)")  # fmt: skip
    return Check("mail footer", "pass", f"postal address {settings.postal_address!r}; privacy and support links set")


def _api(settings: Settings) -> Check:
    url = f"{settings.api_base_url.rstrip('/')}/openapi.json"
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return Check("API reachable", "pass", f"{url} answered {reply.status}")
    except OSError as error:
        return Check("API reachable", "fail", f"{url}: {error}")


def _archive(settings: Settings) -> Check:
    """ "View in your browser": the newest published edition's page answers at its link."""
    from digest.render.publish import PUBLISHED, view_online_url
    from digest.store.editions import EditionStore

    store = EditionStore(settings.editions_table, settings.archive_bucket)
    published = [e for e in store.all() if e.status in PUBLISHED]
    if not published:
        return Check("archive page", "skip", "no edition published yet: nothing to fetch")
    edition = published[-1]
    url = view_online_url(settings, edition.id)
    request = urllib.request.Request(url, headers={"User-Agent": "digest-doctor"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            kind = reply.headers.get("Content-Type", "")
            if "html" not in kind:
                detail = f"{url} answered {reply.status} with {kind or 'no type'}, not a page"
                return Check("archive page", "fail", detail)
            return Check("archive page", "pass", f"{edition.id}: {url} answered {reply.status}")
    except urllib.error.HTTPError as error:
        hint = " (is ArchiveBaseUrl the archive's distribution, and was the page published?)"
        return Check("archive page", "fail", f"{edition.id}: {url} answered {error.code} {error.reason}{hint}")
    except OSError as error:
        return Check("archive page", "fail", f"{edition.id}: {url} did not answer: {error}")


def run_checks(settings: Settings, stack: str | None = None, resolver: str | None = None) -> list[Check]:
    """Every check; an AWS error in one check fails that check and the others still run."""
    steps: list[tuple[str, Callable[[], Check | list[Check]]]] = [
        ("stack resources", lambda: _resources(settings)),
        ("sender identity", lambda: _identity(settings)),
        ("SES production access", _account),
        ("configuration set", lambda: _configuration_set(settings)),
        ("unsubscribe by mail", lambda: _unsubscribe_mailbox(settings)),
        ("DMARC record", lambda: _dmarc(settings, resolver)),
        ("schedules", lambda: _schedules(settings, stack)),
        ("secrets", lambda: _secrets(settings)),
        ("mail footer", lambda: _footer(settings)),
        ("API reachable", lambda: _api(settings)),
        ("archive page", lambda: _archive(settings)),
    ]
    checks: list[Check] = []
    for name, step in steps:
        try:
            result = step()
        except (ClientError, BotoCoreError) as error:
            result = Check(name, "fail", f"AWS said: {error}")
        checks.extend(result if isinstance(result, list) else [result])
    return checks
