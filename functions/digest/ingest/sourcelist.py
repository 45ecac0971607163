"""Many sources at once: an OPML export of a feed reader, or a CSV (id,name,feed_url[,authority,kind,poll_minutes]).

Parsing only: every good entry becomes a Source, every bad one a one-line reason; the caller stores them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from digest.models import Source

MAX_SOURCES = 5000


class SourceListError(ValueError):
    """A file that is neither OPML nor a CSV with the needed columns."""


@dataclass
class SourceList:
    sources: list[Source] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def slug(text: str, taken: set[str]) -> str:
    """A source id from a name or URL: lower-case letters, digits and hyphens, unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:56] or "source"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _reason(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    return f"invalid {'.'.join(map(str, first['loc']))}: {first['msg']}"


def parse_opml(data: bytes, taken: set[str]) -> SourceList:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SourceListError(f"not OPML: {error}") from error
    if root.tag != "opml":
        raise SourceListError(f"not OPML: the root element is <{root.tag}>, not <opml>")
    result = SourceList()
    for n, outline in enumerate(root.iter("outline"), start=1):
        feed = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not feed:
            continue  # a folder
        name = (outline.get("title") or outline.get("text") or urlsplit(feed).netloc or feed).strip()[:200]
        try:
            source = Source(id=slug(name or feed, taken), name=name or feed, feed_url=feed)
        except ValidationError as error:
            result.errors.append(f"outline {n} ({feed[:80]}): {_reason(error)}")
            continue
        result.sources.append(source)
    return result


def parse_csv(text: str, taken: set[str]) -> SourceList:
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as error:
        raise SourceListError(f"the CSV cannot be read: {error}") from error
    header = {(k or "").strip().lower() for row in rows[:1] for k in row}
    if "feed_url" not in header:
        raise SourceListError("the CSV needs a header with feed_url (and id, name, authority, kind, poll_minutes)")
    result = SourceList()
    for line, row in enumerate(rows, start=2):
        values: dict[str, Any] = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()
                                  if isinstance(v, str)}  # fmt: skip
        feed = values.get("feed_url", "")
        name = values.get("name") or urlsplit(feed).netloc or feed
        given = {
            "id": values.get("id") or slug(name or "source", taken),
            "name": name,
            "feed_url": feed,
            **({"authority": values["authority"]} if values.get("authority") else {}),
            **({"default_kind": values["kind"]} if values.get("kind") else {}),
            **({"poll_minutes": values["poll_minutes"]} if values.get("poll_minutes") else {}),
        }
        try:
            source = Source.model_validate(given)
        except ValidationError as error:
            result.errors.append(f"line {line}: {_reason(error)}")
            continue
        taken.add(source.id)
        result.sources.append(source)
    return result


def parse_source_list(data: bytes, name: str, taken: set[str]) -> SourceList:
    """OPML (by its content or a .opml/.xml name) or CSV; ``taken`` holds the ids already in use."""
    text = data.decode("utf-8-sig", errors="replace")
    looks_xml = text.lstrip().startswith("<") or name.lower().endswith((".opml", ".xml"))
    result = parse_opml(data, taken) if looks_xml else parse_csv(text, taken)
    if len(result.sources) > MAX_SOURCES:
        raise SourceListError(f"{len(result.sources)} sources: more than {MAX_SOURCES} at once")
    if not result.sources and not result.errors:
        raise SourceListError("no feeds in the file")
    return result
