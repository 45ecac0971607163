"""The fast MIME composer against the standard library doing everything, on hostile input.

``reference_compose`` is the slow path ``compose`` used to be (personalise the letter, then build an
``EmailMessage`` per reader), fed the same cleaned reader values.  The fast path must parse back
(``policy.default``) to the same bodies and headers, and be a well-formed message (RFC 5322, 2045,
2047, 2369, 8058) in its own right.  Where the reference itself is wrong (List-Unsubscribe encoded
as RFC 2047, a name holding "=?" read as an encoded word), the fast path is checked against what
the header should say.
"""

from __future__ import annotations

import email
import quopri
import random
import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path

import pytest

from digest.mail.compose import (
    Envelope,
    Letter,
    Reader,
    _qp_value,
    compose,
    display_name,
    message_template,
    personalise,
)
from digest.models import Edition, EditionSection, Kind, Section, Story, StoryArticle
from digest.render.edition import PREFERENCES_URL, READER_NAME, UNSUBSCRIBE_URL, Branding, render_edition
from digest.settings import Settings

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
ENVELOPE = Envelope("digest@example.org", "The Friday Digest", "The Friday Digest <weekly.example.org>", "2026-W48")
NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
TOKEN = "dW5zdWJzY3JpYmUuMGY4ZmFkNWItZDllZS00YjZlLWE4ZGUtOWYwNWM1ODI5YTEyLjA.Jx3aV0m8kQ1rYb2c4d5e6f7g8h9i"


def reference_compose(letter: Letter, reader: Reader, envelope: Envelope, *, now: datetime | None = None) -> bytes:
    """The old per-reader ``EmailMessage`` path, fed the same cleaned values as the fast one."""
    personal = personalise(letter, reader)
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(envelope.sender_name, addr_spec=envelope.sender)
    message["To"] = Address(display_name(reader), addr_spec=reader.email)
    message["Subject"] = personal.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=envelope.sender.rpartition("@")[2])
    message["List-Id"] = envelope.list_id
    message["List-Unsubscribe"] = f"<{reader.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Digest-Edition"] = envelope.edition_id
    message.set_content(personal.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(personal.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


# ------------------------------------------------------------------------------------------------ inputs

LONG_LINE = "<td>" + "Ünïcödé, emoji 🚣‍♂️, RTL مرحبا بالعالم, and = signs =3D " * 60 + "</td>"  # ~3,500 chars
HOSTILE_HTML = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The Friday Digest</title></head>'
    f'<body><p dir="auto">Dear {READER_NAME},</p>{LONG_LINE}'
    f'<a href="{UNSUBSCRIBE_URL}">Unsubscribe</a> · <a href="{PREFERENCES_URL}">Preferences</a>'
    f"<p>{READER_NAME}{READER_NAME} adjacent, then at a line end {READER_NAME}\n"
    f"{READER_NAME} at a line start, trailing space before a break \n"
    "From the start of a line\n.\n..\n"
    "ends with a tab\t\n"
    "שלום עולם — RTL with a = sign and =?utf-8?q?x?= and --=_boundary-ish text\r\n"
    "a lone carriage return\rthen more\r\n"
    "@@NOT_A_PLACEHOLDER@@ @@READER_NAME @@\n"
    f"{'x' * 1200}{UNSUBSCRIBE_URL}{'y' * 1200}\n"
    f"</p></body></html>{PREFERENCES_URL}"
)
HOSTILE_TEXT = (
    f"Dear {READER_NAME},\n\n{LONG_LINE}\n"
    f"Unsubscribe: {UNSUBSCRIBE_URL}\nManage preferences: {PREFERENCES_URL}\n"
    "trailing spaces   \nFrom here\n=3D literally\n"
    "Windows line\r\nold Mac line\rend"
)
HOSTILE_LETTER = Letter(
    subject="The Friday Digest: Storm Maren — “clean-up” begins 🌊 as مرحبا meets שלום, and a very long subject line",
    html=HOSTILE_HTML,
    text=HOSTILE_TEXT,
)
EDGE_LETTERS = [
    Letter("Only placeholders", f"{READER_NAME}", f"{UNSUBSCRIBE_URL}"),
    Letter("No placeholders", "<p>nothing personal</p>\n", "nothing personal\n\n\n"),
    Letter("Empty", "", ""),
    Letter("Ends with a break", f"<p>{READER_NAME}</p>\r\n", f"{PREFERENCES_URL}\n"),
]

LONG_URL = "https://api.example.org/unsubscribe/" + TOKEN + "?utm_source=digest&utm_medium=email&x=" + "ab=cd&" * 120
READERS = [
    Reader("zoe@example.se", "Zoë Ångström", f"https://api.example/unsubscribe/{TOKEN}", "https://api.example/p/t"),
    Reader("anna@example.com", "Anna Lindqvist", "https://api.example/u/t?a=1&b=2", "https://api.example/p/t?x=1&y=="),
    Reader("noname@example.com", None, "https://api.example/u/t", "https://api.example/p/t"),
    Reader("empty@example.com", "", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("blank@example.com", " \n\t ", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("boss@example.com", 'Zoë "the" <boss>, Esq.', "https://api.example/u/t", "https://api.example/p/t"),
    Reader("pat@example.ie", "O'Brien, Pat", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("quote@example.com", 'back\\slash "quoted"', "https://api.example/u/t", "https://api.example/p/t"),
    Reader("xss@example.com", "<script>alert(1)</script>", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("inject@example.com", "Anna\r\nBcc: victim@example.net", "https://api.example/u/t", "https://a.example/p"),
    Reader("ew@example.com", "=?utf-8?q?Admin?=", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("ph@example.com", f"{UNSUBSCRIBE_URL} {READER_NAME}", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("rtl@example.com", "محمد بن سلمان الأحمد", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("he@example.co.il", "דוד בן־גוריון", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("cjk@example.cn", "李小龍", "https://api.example/u/t", "https://api.example/p/t"),
    Reader(
        "emoji@example.com", "🚀 Rocket 👩🏽‍🚀 Family 👨‍👩‍👧‍👦", "https://api.example/u/t", "https://api.example/p/t"
    ),
    Reader("bidi@example.com", "\u202eevil\u202c Name", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("nfd@example.com", "Zoe\u0308 Decomposed", "https://api.example/u/t", "https://api.example/p/t"),
    Reader("long@example.com", "Wolfeschlegelsteinhausenbergerdorff " * 8, LONG_URL, LONG_URL),
    Reader("longu@example.com", "Ænæs Ørsted-Ågård " * 12, "https://api.example/u/t", "https://api.example/p/t"),
    Reader("eq@example.com", "A=B C==D", "https://x.example/u?q==_&r=--=_&s=%3D%0D%0A", "https://x.example/p?a=&b='"),
    Reader("first.last+tag@mail.example.co.uk", "Dr. Who", "https://api.example/u/t", "https://api.example/p/t"),
    Reader('"odd local"@example.com', "Odd Address", "https://api.example/u/t", "https://api.example/p/t"),
    Reader(
        "mailto@example.com",
        "Mail To",
        f"https://api.example/unsubscribe/{TOKEN}",
        "https://api.example/p/t",
        unsubscribe_mailto=f"mailto:unsubscribe@example.org?subject=unsubscribe%20{TOKEN}",
    ),
]


def _render_edition_letter() -> Letter:
    published = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

    def story(key: str, headline: str, summary: str, source: str, kind: Kind = Kind.news) -> Story:
        lead = StoryArticle(
            id=f"a-{key}", url=f"https://news.example.com/{key}?a=1&b=2", title=headline, source=source,
            published=published,
        )  # fmt: skip
        return Story(id=key, headline=headline, summary=summary, kind=kind, score=0.5, lead=lead)

    sections = [
        (Section.lead, [story("lead", "Storm Maren: the clean-up begins", "Crews worked through the night.", "NRB")]),
        (Section.top, [story("ar", "مفاوضات وقف إطلاق النار", "قال مسؤولون إن المحادثات أحرزت تقدماً.", "الجزيرة")]),
        (Section.features, [story("f", "The last ferryman 🚣‍♂️🌊", "Forty years on the river.", "Meridian")]),
    ]
    edition = Edition(
        id="2026-W48",
        number=48,
        window_start=datetime(2026, 11, 20, 7, tzinfo=UTC),
        window_end=datetime(2026, 11, 27, 7, tzinfo=UTC),
        sections=[EditionSection(key=key, title=key.value, stories=items) for key, items in sections],
        article_count=12,
    )
    rendered = render_edition(
        edition,
        Branding.from_settings(Settings()),
        layouts_dir=LAYOUTS,
        timezone="Europe/London",
        view_online_url="https://archive.example.org/2026-W48.html",
    )
    return Letter(rendered.subject, rendered.html, rendered.text)


@pytest.fixture(scope="module")
def rendered_letter() -> Letter:
    return _render_edition_letter()


# ------------------------------------------------------------------------------------------------ helpers


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def decoded(value: str) -> str:
    """What ``set_content(value)`` parses back to: every CR, LF or CRLF a CRLF, and a final one."""
    return (b"\r\n".join(value.encode("utf-8").splitlines()) + b"\r\n").decode("utf-8")


def assert_same_message(fast_raw: bytes, slow_raw: bytes, letter: Letter, reader: Reader) -> None:
    fast, slow = parse(fast_raw), parse(slow_raw)
    assert bodies(fast) == bodies(slow)
    personal = personalise(letter, reader)
    assert bodies(fast) == (decoded(personal.text), decoded(personal.html))
    for name in ("From", "Subject", "List-Id", "List-Unsubscribe-Post", "X-Digest-Edition", "MIME-Version"):
        assert str(fast[name]) == str(slow[name]), name
    # the reference folds (and RFC 2047-encodes) long ones: compare with what it should be
    mailto = f", <{reader.unsubscribe_mailto}>" if reader.unsubscribe_mailto else ""
    assert str(fast["List-Unsubscribe"]) == f"<{reader.unsubscribe_url}>{mailto}"
    assert raw_header(fast_raw, "List-Unsubscribe").replace(" ", "") == f"<{reader.unsubscribe_url}>{mailto}".replace(
        " ", ""
    )
    assert_to_header(fast_raw, reader)
    to_slow = raw_header(slow_raw, "To")
    if "=?" not in display_name(reader) and to_slow.count("=?") <= 1 and raw_header(fast_raw, "To").count("=?") <= 1:
        assert str(fast["To"]) == str(slow["To"])  # (the stdlib lets "=?" in a name read as an encoded word)
    for part_fast, part_slow in zip(fast.iter_parts(), slow.iter_parts(), strict=True):
        assert part_fast.get_content_type() == part_slow.get_content_type()
        assert part_fast.get_content_charset() == part_slow.get_content_charset() == "utf-8"
        assert part_fast["Content-Transfer-Encoding"] == "quoted-printable"


def raw_header(raw: bytes, name: str) -> str:
    """The unfolded value of header ``name`` as it is on the wire."""
    found = re.search(rf"^{name}:(.*(?:\r\n[ \t].*)*)\r\n".encode(), header_block(raw), re.M)
    assert found, name
    return found.group(1).decode("ascii").replace("\r\n", "").strip()


def assert_to_header(raw: bytes, reader: Reader) -> None:
    """The To header carries the reader's address and cleaned name, as an RFC 2047 reader decodes it.

    CPython's modern parser keeps the folding whitespace between two encoded words of a display
    name (RFC 2047 section 6.2 says it is not part of the name), so a name needing several encoded
    words is checked with the RFC-conforming ``email.header.decode_header`` instead.
    """
    (to,) = parse(raw)["To"].addresses
    name = display_name(reader)
    assert to.addr_spec == reader.email
    value = raw_header(raw, "To")
    if value.count("=?") > 1:
        assert str(make_header(decode_header(value))) == f"{name} <{reader.email}>"
    else:
        assert to.display_name == name


def header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0] + b"\r\n"


def assert_well_formed(raw: bytes) -> None:
    """CRLF only, 7-bit, lines within limits, valid quoted-printable bodies, two parts."""
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert max(raw) < 0x80, "the message must be 7-bit: everything non-ASCII encoded"
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    headers = header_block(raw)
    assert headers.count(b"\r\nMIME-Version: 1.0\r\n") == 1
    assert re.search(rb"^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", headers, re.M)
    assert re.search(rb"^List-Unsubscribe: <https?://[^\s>]+>", headers, re.M), "no RFC 2047 in List-Unsubscribe"
    for line in headers.split(b"\r\n"):
        if not line.startswith((b"List-Unsubscribe:", b" <mailto:")):  # URLs are never broken
            assert len(line) <= 78, line
    message = parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    boundary = message.get_boundary()
    assert boundary
    for part in parts:
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
    bodies_raw = raw.split(f"--{boundary}".encode())[1:-1]
    assert len(bodies_raw) == 2
    for chunk in bodies_raw:
        body = chunk.split(b"\r\n\r\n", 1)[1]
        for line in body.split(b"\r\n"):
            assert len(line) <= 76, line
            assert not re.search(rb"=(?![0-9A-F]{2}|$)", line), line  # "=" starts an escape...
            assert not line.endswith((b" ", b"\t")), line  # ... or a soft break; no bare trailing space


# ------------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.email)
def test_fast_path_matches_reference_on_hostile_input(reader: Reader) -> None:
    fast = compose(HOSTILE_LETTER, reader, ENVELOPE, now=NOW)
    assert_same_message(fast, reference_compose(HOSTILE_LETTER, reader, ENVELOPE, now=NOW), HOSTILE_LETTER, reader)
    assert_well_formed(fast)


@pytest.mark.parametrize("letter", EDGE_LETTERS, ids=lambda letter: letter.subject)
def test_edge_letters_match_reference(letter: Letter) -> None:
    for reader in READERS[:3] + READERS[-3:]:
        fast = compose(letter, reader, ENVELOPE)
        assert_same_message(fast, reference_compose(letter, reader, ENVELOPE), letter, reader)
        assert_well_formed(fast)


def test_rendered_edition_matches_reference(rendered_letter: Letter) -> None:
    assert len(max(rendered_letter.html.splitlines(), key=len)) > 998  # MJML's output is one long line
    for reader in READERS:
        fast = compose(rendered_letter, reader, ENVELOPE, now=NOW)
        assert_same_message(fast, reference_compose(rendered_letter, reader, ENVELOPE), rendered_letter, reader)
        assert_well_formed(fast)


def test_bodies_are_the_personalised_letter() -> None:
    reader = READERS[5]
    text, html = bodies(parse(compose(HOSTILE_LETTER, reader, ENVELOPE)))
    assert "Dear Zoë &quot;the&quot; &lt;boss&gt;, Esq.," in html
    assert 'Dear Zoë "the" <boss>, Esq.,' in text
    assert 'href="https://api.example/u/t"' in html and "Manage preferences: https://api.example/p/t\r\n" in text
    assert "@@NOT_A_PLACEHOLDER@@ @@READER_NAME @@" in html  # near misses are left alone
    assert LONG_LINE in html and LONG_LINE in text


def test_reader_values_are_not_rescanned_for_placeholders() -> None:
    reader = READERS[11]  # named "@@UNSUBSCRIBE_URL@@ @@READER_NAME@@"
    text, html = bodies(parse(compose(HOSTILE_LETTER, reader, ENVELOPE)))
    assert f"Dear {UNSUBSCRIBE_URL} {READER_NAME}," in text and f"Dear {UNSUBSCRIBE_URL} {READER_NAME}," in html


def test_names_are_cleaned_and_cannot_inject_headers() -> None:
    raw = compose(HOSTILE_LETTER, READERS[9], ENVELOPE)  # "Anna\r\nBcc: victim@example.net"
    message = parse(raw)
    assert message["Bcc"] is None and b"\r\nBcc:" not in raw
    assert message["To"].addresses[0].display_name == "Anna Bcc: victim@example.net"
    assert "Dear Anna Bcc: victim@example.net," in bodies(message)[0]
    blank = parse(compose(HOSTILE_LETTER, READERS[4], ENVELOPE))  # only whitespace: no display name
    assert str(blank["To"]) == "blank@example.com" and "Dear reader," in bodies(blank)[0]
    bidi = parse(compose(HOSTILE_LETTER, READERS[16], ENVELOPE))
    assert bidi["To"].addresses[0].display_name == "evil Name"


def test_encoded_word_lookalike_name_round_trips() -> None:
    message = parse(compose(HOSTILE_LETTER, READERS[10], ENVELOPE))
    assert message["To"].addresses[0].display_name == "=?utf-8?q?Admin?="
    # the old path emitted the name raw, and it came back as "Admin"
    assert parse(reference_compose(HOSTILE_LETTER, READERS[10], ENVELOPE))["To"].addresses[0].display_name == "Admin"


def test_headers_are_ascii_and_rfc2047_for_non_ascii_names() -> None:
    for reader in [*READERS[12:16], READERS[19]]:
        raw = compose(HOSTILE_LETTER, reader, ENVELOPE)
        assert "=?utf-8?" in raw_header(raw, "To")
        assert_to_header(raw, reader)


def test_long_ascii_names_are_folded_not_encoded() -> None:
    for name in ["Wolfeschlegelsteinhausenbergerdorff " * 8, 'Dr. "Long" Name, ' * 9]:
        reader = Reader("long@example.com", name, "https://api.example/u/t", "https://api.example/p/t")
        raw = compose(HOSTILE_LETTER, reader, ENVELOPE)
        assert "=?" not in raw_header(raw, "To")
        assert parse(raw)["To"].addresses[0].display_name == display_name(reader)


def test_list_unsubscribe_is_never_encoded_or_broken() -> None:
    """The old path RFC 2047-encoded any List-Unsubscribe longer than a line: mailbox providers
    then cannot find the one-click URL.  Real unsubscribe links (token URLs) are that long."""
    reader = READERS[0]
    raw = compose(HOSTILE_LETTER, reader, ENVELOPE)
    assert f"\r\nList-Unsubscribe: <{reader.unsubscribe_url}>\r\n".encode() in raw
    assert b"=?utf-8?q?=3Chttps" in reference_compose(HOSTILE_LETTER, reader, ENVELOPE)
    long = READERS[18]
    assert f"\r\nList-Unsubscribe: <{long.unsubscribe_url}>\r\n".encode() in compose(HOSTILE_LETTER, long, ENVELOPE)
    with_mailto = READERS[-1]
    message = parse(compose(HOSTILE_LETTER, with_mailto, ENVELOPE))
    assert str(message["List-Unsubscribe"]) == f"<{with_mailto.unsubscribe_url}>, <{with_mailto.unsubscribe_mailto}>"


def test_one_click_headers_exact() -> None:
    raw = compose(HOSTILE_LETTER, READERS[1], ENVELOPE, now=NOW)
    headers = header_block(raw)
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in headers
    assert b"\r\nList-Id: The Friday Digest <weekly.example.org>\r\n" in headers
    assert b"\r\nMIME-Version: 1.0\r\n" in headers
    assert b"\r\nDate: Fri, 27 Nov 2026 07:00:00 +0000\r\n" in headers
    message = parse(raw)
    assert message["List-Unsubscribe"] == "<https://api.example/u/t?a=1&b=2>"
    assert parsedate_to_datetime(str(message["Date"])) == NOW


def test_message_ids_are_unique_and_well_formed() -> None:
    raws = [compose(EDGE_LETTERS[0], READERS[0], ENVELOPE) for _ in range(2000)]
    ids = [raw_header(raw, "Message-ID") for raw in raws]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"<[^<>@\s]+@example\.org>", i) for i in ids)
    assert str(parse(raws[0])["Message-ID"]) == ids[0]


def test_boundary_cannot_be_forged_by_reader_values() -> None:
    template = message_template(HOSTILE_LETTER, ENVELOPE)
    raw = template.compose(READERS[20])  # URLs holding "--=_" and "=="
    message = parse(raw)
    assert message.get_boundary().startswith("=_")
    assert len(list(message.iter_parts())) == 2


def test_compose_reuses_one_template_per_letter() -> None:
    message_template.cache_clear()
    for reader in READERS[:5]:
        compose(HOSTILE_LETTER, reader, ENVELOPE)
    info = message_template.cache_info()
    assert (info.misses, info.hits) == (1, 4)


def test_date_defaults_to_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    date = parsedate_to_datetime(str(parse(compose(EDGE_LETTERS[0], READERS[0], ENVELOPE))["Date"]))
    assert before <= date <= datetime.now(UTC)


@pytest.mark.parametrize(
    "field, value",
    [
        ("unsubscribe_url", "https://api.example/u/t\r\nBcc: x@example.com"),
        ("unsubscribe_url", "https://api.example/u/t>, <https://evil.example/"),
        ("unsubscribe_url", "https://api.example/u/ t"),
        ("unsubscribe_url", "https://api.example/ü"),
        ("unsubscribe_url", ""),
        ("unsubscribe_url", "https://api.example/u?" + "x" * 1000),
        ("preferences_url", "https://api.example/p\n"),
        ("preferences_url", ""),
        ("unsubscribe_mailto", "https://not-mailto.example/"),
    ],
)
def test_unsafe_links_are_refused(field: str, value: str) -> None:
    reader = Reader("a@example.com", "A", "https://api.example/u/t", "https://api.example/p/t")
    reader = Reader(**{**reader.__dict__, field: value})
    with pytest.raises(ValueError):
        compose(HOSTILE_LETTER, reader, ENVELOPE)


def _random_text(rng: random.Random) -> str:
    alphabet = [
        *"abcdefghij ABC=.?_-<>&\"'\t",
        "\n", "\r\n", "\r", " \n", "=\n", "é", "ü", "中", "😀", "🚣‍♂️", "ش", "\u200f", "\x0b", "\x0c", "\x85", "\u2028",
        READER_NAME, UNSUBSCRIBE_URL, PREFERENCES_URL, "=" * 3, "-" * 3,
    ]  # fmt: skip
    return "".join(rng.choice(alphabet) * rng.choice((1, 1, 1, 2, 40)) for _ in range(rng.randrange(0, 120)))


def test_fuzz_against_reference() -> None:
    rng = random.Random(20261127)
    names = [r.name for r in READERS] + ["x" * 80, "é" * 30, "a b " * 30]
    for _ in range(50):
        letter = Letter("Fuzz ✓", _random_text(rng), _random_text(rng))
        reader = Reader(
            f"r{rng.randrange(10**6)}@example.com",
            rng.choice(names),
            "https://api.example/u/" + "".join(rng.choice("a=&?%-_.~/") for _ in range(rng.randrange(1, 200))),
            "https://api.example/p/" + "".join(rng.choice("a=&é'\"<>") for _ in range(rng.randrange(1, 90))),
        )
        fast = compose(letter, reader, ENVELOPE)
        assert_same_message(fast, reference_compose(letter, reader, ENVELOPE), letter, reader)
        assert_well_formed(fast)


def test_value_encoding_is_exact_quoted_printable() -> None:
    """Each encoded value ends in a soft line break, keeps lines within 76 and decodes to itself."""
    rng = random.Random(7)
    samples = ["a", "x" * 75, "x" * 76, "y " * 100, "https://api.example/u/" + TOKEN, "a=b", "é" * 40, " ", "\t=\t"]
    samples += ["".join(rng.choice("ab =&<>é中😀\t.") for _ in range(rng.randrange(1, 300))) for _ in range(200)]
    for value in samples:
        encoded = _qp_value(value)
        assert encoded.endswith(b"=\r\n")
        assert all(len(line) <= 76 for line in encoded.split(b"\r\n"))
        assert quopri.decodestring(encoded.replace(b"\r\n", b"\n")).decode("utf-8") == value
