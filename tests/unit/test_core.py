"""Pure core: tokens, readers' CSV, summaries, the edition window, MIME composition."""

from __future__ import annotations

import email
import os
import time
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from digest.mail.compose import Envelope, Letter, Reader, compose
from digest.models import Section, SubscriberStatus
from digest.readers import ReaderError, csv_safe, csv_value, parse_import, subscriber_id
from digest.render.edition import PREFERENCES_URL, READER_NAME, UNSUBSCRIBE_URL
from digest.stories.summary import summarise
from digest.stories.window import WeekError, edition_window, send_time
from digest.text import sentences
from digest.tokens import Purpose, TokenError, make_token, read_token, reader_subject, split_subject


class TestTokens:
    def test_round_trip(self) -> None:
        token = make_token("k1", Purpose.unsubscribe, "abc")
        assert read_token(["k1"], token, Purpose.unsubscribe) == "abc"

    def test_rotation_keeps_old_links_working(self) -> None:
        token = make_token("old", Purpose.preferences, "abc")
        assert read_token(["new", "old"], token, Purpose.preferences) == "abc"

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # tampered signature
            lambda t: "x" + t,  # tampered payload
            lambda t: "",
            lambda t: "a.b.c",
            lambda t: "!!!.???",
            lambda t: "A" * 5000,
        ],
    )
    def test_tampered_and_malformed(self, mangle) -> None:  # type: ignore[no-untyped-def]
        token = make_token("k1", Purpose.unsubscribe, "abc")
        with pytest.raises(TokenError):
            read_token(["k1"], mangle(token), Purpose.unsubscribe)

    def test_forged_with_another_key(self) -> None:
        with pytest.raises(TokenError, match="not valid"):
            read_token(["k1"], make_token("attacker", Purpose.unsubscribe, "abc"), Purpose.unsubscribe)

    def test_wrong_purpose(self) -> None:
        with pytest.raises(TokenError, match="something else"):
            read_token(["k1"], make_token("k1", Purpose.confirm, "abc"), Purpose.unsubscribe)

    def test_expired(self, monkeypatch: pytest.MonkeyPatch) -> None:
        token = make_token("k1", Purpose.confirm, "abc", ttl_seconds=60)
        monkeypatch.setattr(time, "time", lambda: 10**10)
        with pytest.raises(TokenError, match="expired"):
            read_token(["k1"], token, Purpose.confirm)


class TestImport:
    def test_rows_and_defaults(self) -> None:
        result = parse_import(
            "Email,Name,Sections,Timezone,Status\n"
            "A@Example.com,Ada,lead;top,Europe/London,\n"
            "b@example.org,,,,pending\n"
            "broken,,,,\n"
            "c@example.net,,nonsense,,\n"
            "d@example.net,,,Mars/Olympus,\n"
            "e@example.net,,,,erased\n"
            "f@example.net,,,,,extra\n"
        )
        assert [r.email for r in result.readers] == ["A@example.com", "b@example.org"]
        first = result.readers[0]
        assert first.status is SubscriberStatus.confirmed
        assert first.sections == [Section.lead, Section.top]
        assert first.consents[0].source == "import"
        assert first.id == subscriber_id("a@example.com")
        assert result.readers[1].status is SubscriberStatus.pending
        assert len(result.errors) == 5
        assert result.errors[0].startswith("line 4:")

    def test_header_required(self) -> None:
        with pytest.raises(ReaderError, match="email"):
            parse_import("name\nAda\n")

    def test_hostile_and_oversized(self) -> None:
        result = parse_import("email,name\n" + ("x" * 400) + "@example.com,Ada\n" + "=cmd|' /C calc'!A0,\n")
        assert result.readers == [] and len(result.errors) == 2


class TestSummary:
    def test_sentences_keep_abbreviations(self) -> None:
        text = "Dr. Sandvold met Mr. Ash at 9 a.m. on Friday. The U.S. delegation left. Then it rained!"
        assert sentences(text) == [
            "Dr. Sandvold met Mr. Ash at 9 a.m. on Friday.",
            "The U.S. delegation left.",
            "Then it rained!",
        ]

    def test_summary_never_cuts_mid_word(self) -> None:
        long = "word " * 200
        summary = summarise(long, limit=100)
        assert len(summary) <= 100 and summary.endswith("…") and "wor…" not in summary

    def test_fallback(self) -> None:
        assert summarise("", "The feed summary. More.").startswith("The feed summary.")


class TestWindow:
    def test_week_ends_at_send_time_in_newsroom_zone(self) -> None:
        end = send_time("2026-W48", timezone="Europe/London", send_day="FRI", send_hour=7)
        assert end == datetime(2026, 11, 27, 7, tzinfo=UTC)
        summer = send_time("2026-W27", timezone="Europe/London", send_day="FRI", send_hour=7)
        assert summer == datetime(2026, 7, 3, 6, tzinfo=UTC)

    def test_default_is_next_send(self) -> None:
        now = datetime(2026, 11, 27, 8, tzinfo=UTC)  # just after Friday's send
        week, start, end = edition_window(None, timezone="Europe/London", send_day="FRI", send_hour=7, now=now)
        assert week == "2026-W49" and start == datetime(2026, 11, 27, 7, tzinfo=UTC)
        assert end == datetime(2026, 12, 4, 7, tzinfo=UTC) and end - start == timedelta(days=7)

    @pytest.mark.parametrize("bad", ["2026-48", "2026-W54", "W48", "2026-W4８", "x" * 1000])
    def test_bad_week(self, bad: str) -> None:
        with pytest.raises(WeekError):
            send_time(bad, timezone="UTC", send_day="FRI", send_hour=7)


def test_compose_is_a_complete_one_click_message() -> None:
    letter = Letter(
        subject="The Friday Digest: Storm Maren — “clean-up” begins",
        html=f'<p>Dear {READER_NAME}</p><a href="{UNSUBSCRIBE_URL}">u</a><a href="{PREFERENCES_URL}">p</a>',
        text=f"Dear {READER_NAME}\nUnsubscribe: {UNSUBSCRIBE_URL}\n",
    )
    reader = Reader(
        "zoe@example.se",
        "Zoë <script>",
        "https://api.example/unsubscribe/t?a=1&b=2",
        "https://api.example/preferences/t",
    )
    raw = compose(
        letter,
        reader,
        Envelope("digest@example.org", "The Friday Digest", "The Friday Digest <weekly.example.org>", "2026-W48"),
    )
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["List-Unsubscribe"] == "<https://api.example/unsubscribe/t?a=1&b=2>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] and message["Message-ID"] and message["Date"]
    assert message["Subject"] == letter.subject
    html = message.get_body(("html",)).get_content()
    assert "Zoë &lt;script&gt;" in html and "a=1&amp;b=2" in html
    text = message.get_body(("plain",)).get_content()
    assert "https://api.example/unsubscribe/t?a=1&b=2" in text and "Zoë <script>" in text
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_local_send_time_keeps_the_readers_clock_across_zones_and_dst() -> None:
    from digest.stories.window import local_send_time, send_time

    send = send_time("2026-W13", timezone="Europe/London", send_day="FRI", send_hour=7)  # 27 March: GMT
    assert send == datetime(2026, 3, 27, 7, tzinfo=UTC)
    new_york = local_send_time(send, newsroom_timezone="Europe/London", reader_timezone="America/New_York")
    assert new_york == datetime(2026, 3, 27, 11, tzinfo=UTC)  # New York is already on EDT (UTC-4)
    kathmandu = local_send_time(send, newsroom_timezone="Europe/London", reader_timezone="Asia/Kathmandu")
    assert kathmandu == datetime(2026, 3, 27, 1, 15, tzinfo=UTC)  # UTC+5:45
    for zone in (None, "", "Not/AZone", "../../etc/passwd", "x" * 5000):
        assert local_send_time(send, newsroom_timezone="Europe/London", reader_timezone=zone) == send


def test_wave_week_is_the_edition_within_a_day_of_its_send() -> None:
    from datetime import timedelta

    from digest.stories.window import WAVE_REACH, send_time, wave_week

    send = send_time("2026-W01", timezone="Pacific/Auckland", send_day="MON", send_hour=7)  # across New Year
    for offset in (-WAVE_REACH, timedelta(0), WAVE_REACH):
        assert wave_week(send + offset, timezone="Pacific/Auckland", send_day="MON", send_hour=7) == "2026-W01"
    for offset in (-WAVE_REACH - timedelta(minutes=1), WAVE_REACH + timedelta(minutes=1), timedelta(days=3.5)):
        assert wave_week(send + offset, timezone="Pacific/Auckland", send_day="MON", send_hour=7) is None


def test_local_invocations_print_no_metrics_when_metrics_are_off(capsys: pytest.CaptureFixture[str]) -> None:
    """Powertools prints kept metrics at 100 values even when disabled; local runs must not (CLI JSON)."""
    from digest.local.context import invoke
    from digest.observability import metrics

    @metrics.log_metrics
    def handler(event: dict[str, int], context: object) -> int:
        metrics.add_metric(name="Tested", unit="Count", value=1)
        return event["n"]

    assert os.environ.get("POWERTOOLS_METRICS_DISABLED") == "true"  # set by tests/conftest.py, as local runs do
    assert [invoke(handler, {"n": n}, "test") for n in range(150)] == list(range(150))
    assert capsys.readouterr().out == ""


CSV_VALUES = ["=1+1", "+x@example.com", "-2", "@SUM(A1)", "\tx", "\uff1dcmd()", "\uff0b1",
              "'quoted", "''", "'=x", "plain", ""]  # fmt: skip


@pytest.mark.parametrize("value", CSV_VALUES)
def test_csv_neutralising_round_trips_and_leaves_no_formula(value: str) -> None:
    cell = csv_safe(value)
    assert csv_value(cell) == value
    assert not cell[:1] or cell[:1] == "'" or cell[:1] not in "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"


def test_reader_subjects_carry_the_token_version() -> None:
    assert reader_subject("abc") == "abc"  # links from before versions read as version 0
    assert split_subject("abc") == ("abc", 0, None)
    assert split_subject(reader_subject("abc", 3)) == ("abc", 3, None)
    assert split_subject(reader_subject("abc", 0, "n0nce")) == ("abc", 0, "n0nce")
    with pytest.raises(TokenError):
        split_subject("abc-x")


def test_a_token_of_512_characters_is_read_and_one_of_513_is_malformed() -> None:
    def token_of(length: int) -> tuple[str, str]:
        for n in range(300, 400):
            token = make_token("key", Purpose.unsubscribe, "s" * n)
            if len(token) == length:
                return token, "s" * n
        raise AssertionError(f"no token of {length} characters")

    token, subject = token_of(512)
    assert read_token(["key"], token, Purpose.unsubscribe) == subject
    longer, _ = token_of(513)  # signed and valid, but one character over the limit
    with pytest.raises(TokenError, match=r"^The link is malformed\.$"):
        read_token(["key"], longer, Purpose.unsubscribe)


@pytest.mark.parametrize(
    ("purpose", "lifetime"),
    # the desk's week is stated in tokens.py (the README's list of lifetimes does not name the desk yet)
    [(Purpose.confirm, 7 * 86400), (Purpose.data, 86400), (Purpose.review, 3 * 86400), (Purpose.desk, 7 * 86400)],
)
def test_links_live_as_long_as_the_readme_says(
    purpose: Purpose, lifetime: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.tokens import issue

    monkeypatch.setattr("digest.tokens.time.time", lambda: 1_800_000_000.0)
    token = issue("key", purpose, "reader")
    monkeypatch.setattr("digest.tokens.time.time", lambda: 1_800_000_000.0 + lifetime)
    assert read_token(["key"], token, purpose) == "reader"  # still good at the last second
    monkeypatch.setattr("digest.tokens.time.time", lambda: 1_800_000_000.0 + lifetime + 1)
    with pytest.raises(TokenError, match=r"^The link has expired\.$"):
        read_token(["key"], token, purpose)


def test_unsubscribe_and_preferences_links_never_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    from digest.tokens import issue

    tokens = {p: issue("key", p, "reader") for p in (Purpose.unsubscribe, Purpose.preferences)}
    monkeypatch.setattr("digest.tokens.time.time", lambda: 4_000_000_000.0)
    assert {p: read_token(["key"], t, p) for p, t in tokens.items()} == dict.fromkeys(tokens, "reader")


def test_a_signed_payload_of_the_wrong_shape_is_malformed() -> None:
    from digest.tokens import _b64, _mac

    payload = b"confirm.reader"  # no expiry field
    token = f"{_b64(payload)}.{_b64(_mac('key', payload))}"
    with pytest.raises(TokenError, match=r"^The link is malformed\.$"):
        read_token(["key"], token, Purpose.confirm)
