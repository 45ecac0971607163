"""Per-reader MIME messages from an edition rendered once per variant.

Rendering MJML is the expensive part, so it happens once per variant; each reader's message only
substitutes the placeholders the layouts leave (name, unsubscribe and preferences links).

Composing is fast too.  A :class:`MessageTemplate` is built once per (letter, envelope): the standard
library's ``email`` package lays out the whole message (headers, ``multipart/alternative``, the two
UTF-8 quoted-printable parts) around markers, and each body is quoted-printable encoded once, cut
at the placeholders.  Per reader only the small things are encoded: the placeholder values (each
starts on a fresh encoded line and ends with a soft line break, so no encoded line ever passes 76
characters and the decoded body is exactly what the slow ``EmailMessage`` path would give) and the
per-reader headers (To, Date, Message-ID, List-Unsubscribe).  Quoted-printable never contains
``=_``, so the ``=_...`` MIME boundary can never collide with a body, whatever a reader's values.

Reader values are cleaned first: a name loses control and bidi-override characters and has its
whitespace collapsed (a line break in a name would otherwise break the To header), and links must
be single tokens without whitespace or control characters (the unsubscribe link goes in a header:
printable ASCII without ``<>"``).
"""

from __future__ import annotations

import html
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.quoprimime import body_encode
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from digest.render.edition import PLACEHOLDERS, PREFERENCES_URL, READER_NAME, UNSUBSCRIBE_URL, clean_text


@dataclass(frozen=True)
class Letter:
    """What one reader gets, before MIME encoding."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Reader:
    email: str
    name: str | None
    unsubscribe_url: str
    preferences_url: str
    # a complete ``mailto:`` URI for List-Unsubscribe (Settings.unsubscribe_mailbox; mail/inbound.py reads it)
    unsubscribe_mailto: str | None = None


@dataclass(frozen=True)
class Envelope:
    """Sender-side headers common to every message of a send."""

    sender: str
    sender_name: str
    list_id: str
    edition_id: str


# --------------------------------------------------------------------------------------------------
# Reader values

DEFAULT_NAME = "reader"  # the greeting when a reader gave no name: "Dear reader,"
_HEADER_URL = re.compile(r"[!#-;=?-~]+")  # printable ASCII without space, '"', '<' and '>'
_BODY_URL = re.compile(r"[^\x00-\x20\x7f-\x9f\u2028\u2029]+")
_MAILTO = re.compile(r"mailto:[!#-;=?-~]+", re.IGNORECASE)
_PLACEHOLDER = re.compile("|".join(map(re.escape, PLACEHOLDERS)))
_PLACEHOLDER_SPLIT = re.compile(f"({_PLACEHOLDER.pattern})")


def display_name(reader: Reader) -> str:
    """The reader's name as it appears in the To header and the greeting ("" when none)."""
    return clean_text(reader.name) if reader.name else ""


def _checked(reader: Reader) -> Reader:
    """``reader`` if its links are fit for a header and a body, else ValueError."""
    if not _HEADER_URL.fullmatch(reader.unsubscribe_url):
        raise ValueError(f"unsubscribe URL must be printable ASCII without spaces: {reader.unsubscribe_url!r}")
    if not _BODY_URL.fullmatch(reader.preferences_url):
        raise ValueError(f"preferences URL must have no spaces or control characters: {reader.preferences_url!r}")
    if reader.unsubscribe_mailto is not None and not _MAILTO.fullmatch(reader.unsubscribe_mailto):
        raise ValueError(f"unsubscribe mailto must be a mailto: URI: {reader.unsubscribe_mailto!r}")
    return reader


def _values(reader: Reader, name: str) -> tuple[dict[str, str], dict[str, str]]:
    """The placeholder values for the plain-text part and for the HTML part (HTML-escaped)."""
    text = {
        READER_NAME: name or DEFAULT_NAME,
        UNSUBSCRIBE_URL: reader.unsubscribe_url,
        PREFERENCES_URL: reader.preferences_url,
    }
    return text, {key: html.escape(value, quote=True) for key, value in text.items()}


def personalise(letter: Letter, reader: Reader) -> Letter:
    """The letter as this reader reads it: every placeholder replaced (HTML-escaped in the HTML), in
    one pass, so a value that looks like a placeholder stays as it is."""
    text_values, html_values = _values(_checked(reader), display_name(reader))
    return Letter(
        subject=letter.subject,
        html=_PLACEHOLDER.sub(lambda match: html_values[match.group()], letter.html),
        text=_PLACEHOLDER.sub(lambda match: text_values[match.group()], letter.text),
    )


# --------------------------------------------------------------------------------------------------
# Encoding pieces

_CRLF = "\r\n"
_QP_WIDTH = 75  # + the "=" of a soft line break: RFC 2045's 76
_QP_LITERAL = re.compile(r"[ -<>-~]+")  # printable ASCII but "=": stands for itself (before a soft break)
_UTF8 = Charset("utf-8")
_ENCODED_WORD_MAX = 75  # RFC 2047
_MAX_LINE = 78  # RFC 5322: lines SHOULD be at most 78 characters...
_HARD_MAX_LINE = 998  # ... and MUST be at most 998
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ATOM_PHRASE = re.compile(rf"{_ATEXT}(?: {_ATEXT})*")
_PRINTABLE = re.compile(r"[ -~]+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_SIMPLE_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})*")


def _normalise_lines(text: str) -> str:
    """``text`` as UTF-8 bytes seen as Latin-1, with line ends as ``set_content`` leaves them: every
    CR, LF and CRLF one LF, and a final LF (email.contentmanager's ``_encode_text``)."""
    return (b"\n".join(text.encode("utf-8").splitlines()) + b"\n").decode("latin-1")


def _qp(chunk: str) -> bytes:
    """Quoted-printable for ``chunk`` (Latin-1 view of UTF-8), CRLF line ends, lines of at most 76.

    A chunk not ending a line ends with a soft line break, so whatever follows starts on a fresh
    encoded line: chunks encoded separately concatenate into valid quoted-printable whose decoding
    is the concatenation of the chunks.
    """
    encoded = body_encode(chunk, _QP_WIDTH, _CRLF)
    if not chunk.endswith("\n"):
        encoded += "=" + _CRLF
    return encoded.encode("ascii")


def _qp_value(value: str) -> bytes:
    """``_qp(value)`` for a placeholder value (never empty, never a line break)."""
    if _QP_LITERAL.fullmatch(value):  # the usual URL or name: quoted-printable is the value, cut every 75
        return "".join([value[i : i + _QP_WIDTH] + "=\r\n" for i in range(0, len(value), _QP_WIDTH)]).encode("ascii")
    return _qp(value.encode("utf-8").decode("latin-1"))


def _folded(line: str) -> str | None:
    """``line`` plus CRLF, folded at spaces into lines of at most 78 characters; None if it cannot be."""
    if len(line) <= _MAX_LINE:
        return line + _CRLF
    head, *words = line.split(" ")
    lines, current = [], f"{head} {words.pop(0)}" if words else head  # never fold right after "To:"
    for word in words:
        if len(current) + 1 + len(word) <= _MAX_LINE:
            current += " " + word
        else:
            lines.append(current)
            current = " " + word
    lines.append(current)
    if any(len(folded) > _MAX_LINE for folded in lines):
        return None
    return _CRLF.join(lines) + _CRLF


def _to_header(name: str, address: str) -> bytes:
    """``To: name <address>``, folded as RFC 5322 and, for a name that is not printable ASCII, encoded
    as RFC 2047 words (email.header)."""
    if not _SIMPLE_ADDRESS.fullmatch(address):
        # unusual addresses (quoted local parts, IDN...): the full header machinery, slow but exact
        return SMTP.header_factory("To", Address(name, addr_spec=address)).fold(policy=SMTP).encode("ascii")
    if not name:
        return f"To: {address}{_CRLF}".encode("ascii")
    # "=?" would read as an RFC 2047 encoded word, even in a quoted string: such names are encoded
    if "=?" not in name and _PRINTABLE.fullmatch(name):
        phrase = name if _ATOM_PHRASE.fullmatch(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        folded = _folded(f"To: {phrase} <{address}>")
        if folded:
            return folded.encode("ascii")
    # One encoded word holds ~45 bytes of UTF-8; a longer name is several, folded between them (the
    # whitespace between encoded words is not part of the name, RFC 2047 section 6.2).
    word = _UTF8.header_encode(name)
    if len(word) <= _ENCODED_WORD_MAX:
        line = f"To: {word}"
    else:
        line = "To: " + Header(name, "utf-8", header_name="To").encode(linesep=_CRLF)
    last = line.rpartition(_CRLF)[2]
    line += f" <{address}>" if len(last) + len(address) + 3 <= _MAX_LINE else f"{_CRLF} <{address}>"
    return (line + _CRLF).encode("ascii")


def _list_unsubscribe(url: str, mailto: str | None) -> bytes:
    """RFC 2369 / RFC 8058 List-Unsubscribe: URLs are never encoded or broken, only folded between."""
    line = f"List-Unsubscribe: <{url}>"
    if len(line) > _HARD_MAX_LINE or (mailto and len(mailto) > _HARD_MAX_LINE - 4):
        raise ValueError(f"unsubscribe URL too long for a header line ({len(url)} characters)")
    if mailto:
        line += f", <{mailto}>" if len(line) + len(mailto) + 4 <= _MAX_LINE else f",{_CRLF} <{mailto}>"
    return (line + _CRLF).encode("ascii")


# --------------------------------------------------------------------------------------------------
# The template


_TO, _DATE, _MESSAGE_ID, _UNSUBSCRIBE = range(4)  # per-reader header slots
_TEXT, _HTML = 0, 1  # body parts, in the order _values gives their values


class MessageTemplate:
    """One letter's message for every reader of a send: built and encoded once, filled per reader.

    ``compose(reader)`` gives the message the slow path (personalise, then an ``EmailMessage`` per
    reader) would: the same headers and structure, and bodies that decode to exactly
    ``personalise(letter, reader)``; only where the quoted-printable soft line breaks fall differs.
    """

    def __init__(self, letter: Letter, envelope: Envelope) -> None:
        self.domain = envelope.sender.rpartition("@")[2]
        token = secrets.token_hex(8)
        header_markers = [f"X-Slot-{token}-{slot}" for slot in range(4)]
        body_markers = [f"BODYSLOT{token}{part}" for part in (_TEXT, _HTML)]

        message = EmailMessage(policy=SMTP)
        message["From"] = Address(envelope.sender_name, addr_spec=envelope.sender)
        message[header_markers[_TO]] = "-"
        message["Subject"] = letter.subject
        message[header_markers[_DATE]] = "-"
        message[header_markers[_MESSAGE_ID]] = "-"
        message["List-Id"] = envelope.list_id
        message[header_markers[_UNSUBSCRIBE]] = "-"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["X-Digest-Edition"] = envelope.edition_id
        message.set_content(body_markers[_TEXT], subtype="plain", charset="utf-8", cte="quoted-printable")
        message.add_alternative(body_markers[_HTML], subtype="html", charset="utf-8", cte="quoted-printable")
        # "=_" never occurs in quoted-printable, so no reader's values can end the part early
        message.set_boundary(f"=_{secrets.token_hex(16)}")
        skeleton = message.as_bytes()

        # The message as constant chunks around slots: a per-reader header, or a placeholder of a part
        self._chunks: list[bytes] = []
        self._slots: list[tuple[int, int, str]] = []  # (header slot, -1, "") or (-1, part, placeholder)
        cuts = {f"{marker}: -\r\n".encode("ascii"): (slot, -1) for slot, marker in enumerate(header_markers)}
        cuts.update({f"{marker}\r\n".encode("ascii"): (-1, part) for part, marker in enumerate(body_markers)})
        found = re.findall(b"|".join(map(re.escape, cuts)), skeleton)
        if sorted(found) != sorted(cuts):
            raise RuntimeError("the message skeleton lost a slot marker")  # pragma: no cover
        pending, position = b"", 0
        for match in re.finditer(b"|".join(map(re.escape, cuts)), skeleton):
            pending += skeleton[position : match.start()]
            position = match.end()
            slot, part = cuts[match.group()]
            if slot >= 0:
                self._chunks.append(pending)
                self._slots.append((slot, -1, ""))
                pending = b""
                continue
            body = _normalise_lines(letter.text if part == _TEXT else letter.html)
            for i, piece in enumerate(_PLACEHOLDER_SPLIT.split(body)):
                if i % 2:
                    self._chunks.append(pending)
                    self._slots.append((-1, part, piece))
                    pending = b""
                elif piece:
                    pending += _qp(piece)
        self._chunks.append(pending + skeleton[position:])
        # per reader: values = the 4 headers, then one encoded value per (part, placeholder); the
        # message is the chunks with values[order[i]] between chunk i and chunk i + 1
        self._placeholders = sorted({(part, key) for slot, part, key in self._slots if slot < 0})
        self._order = [
            slot if slot >= 0 else 4 + self._placeholders.index((part, key)) for slot, part, key in self._slots
        ]
        self._layout: list[bytes] = [b""] * (2 * len(self._chunks) - 1)
        self._layout[::2] = self._chunks
        self._date = (-1, b"")

    def _date_header(self, now: datetime | None) -> bytes:
        if now is not None:
            return f"Date: {format_datetime(now)}\r\n".encode("ascii")
        second = int(time.time())
        if self._date[0] != second:
            stamp = datetime.fromtimestamp(second, UTC)
            self._date = (second, f"Date: {format_datetime(stamp)}\r\n".encode("ascii"))
        return self._date[1]

    def compose(self, reader: Reader, *, now: datetime | None = None) -> bytes:
        """The complete message for ``reader``."""
        name = display_name(_checked(reader))
        by_part = _values(reader, name)
        values = [
            _to_header(name, reader.email),
            self._date_header(now),
            f"Message-ID: {make_msgid(domain=self.domain)}\r\n".encode("ascii"),
            _list_unsubscribe(reader.unsubscribe_url, reader.unsubscribe_mailto),
        ]
        done: dict[str, bytes] = {}  # a value the same in both parts is encoded once
        for part, key in self._placeholders:
            value = by_part[part][key]
            if value not in done:
                done[value] = _qp_value(value)
            values.append(done[value])
        out = self._layout.copy()
        out[1::2] = [values[i] for i in self._order]
        return b"".join(out)


@lru_cache(maxsize=16)
def message_template(letter: Letter, envelope: Envelope) -> MessageTemplate:
    """The template for ``letter`` sent with ``envelope`` (the last few are kept: one per variant)."""
    return MessageTemplate(letter, envelope)


def compose(letter: Letter, reader: Reader, envelope: Envelope, *, now: datetime | None = None) -> bytes:
    """A complete multipart/alternative message with one-click unsubscribe headers (RFC 8058)."""
    return message_template(letter, envelope).compose(reader, now=now)


def compose_notice(envelope: Envelope, to: str, subject: str, text: str, *, now: datetime | None = None) -> bytes:
    """A plain-text service message (confirmation, goodbye): no list headers, it is not the newsletter."""
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(envelope.sender_name, addr_spec=envelope.sender)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=envelope.sender.rpartition("@")[2])
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()
