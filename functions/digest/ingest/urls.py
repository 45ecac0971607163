"""Canonical article URLs and the ids derived from them.

One story reached through a newsletter link, a feed and a share button must get one id,
so the id is computed from a canonical form of the URL: tracking parameters, fragments
and cosmetic differences (case of scheme and host, default port, parameter order) removed.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only say where a click came from.  courlan's own tracker filter is not
# used for the query: its pattern is unanchored and also drops meaningful parameters such as
# ``gallery``, ``global``, ``source`` or ``uid`` (checked with courlan 1.4), which would merge
# distinct pages into one id.  This list is explicit instead.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "ref_src", "ref_url",
        "_ga", "_gl", "mkt_tok", "xtor", "ito", "ncid", "ocid", "cmpid", "cmp", "smid", "emc",
        "s_cid", "spm", "sr_share", "wt.mc_id", "wt_mc_id", "rb_clickid", "oly_anon_id",
        "oly_enc_id", "vero_conv", "vero_id", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp",
        "hsctatracking", "mbid", "trk", "trkcampaign",
    }
)  # fmt: skip
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "mtm_", "matomo_", "pk_", "hsa_", "at_", "ns_", "itm_", "ga_")

_HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$")
_ID_LEN = 24


def is_tracking_param(name: str) -> bool:
    """True for a query parameter that identifies a campaign or a click, not content."""
    key = name.strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _ascii_host(host: str, original: str) -> str:
    """The host in lower-case ASCII (IDNA), so the same site always spells the same."""
    host = host.rstrip(".").lower()
    if host.startswith("[") or ":" in host:  # IPv6 literal, already validated by urlsplit
        return host if host.startswith("[") else f"[{host}]"
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"URL has an invalid host name: {original!r}") from exc
    if not _HOST_RE.match(ascii_host):
        raise ValueError(f"URL has an invalid host name: {original!r}")
    return ascii_host


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical form of an http(s) URL, resolved against ``base`` when relative.

    Raises ``ValueError`` with a readable reason for anything that is not an http(s) URL.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("empty URL")
    raw = url.strip()
    if any(ch in raw for ch in "\x00\r\n\t"):
        raise ValueError(f"URL contains control characters: {url!r}")
    # Feeds often escape query separators twice, leaving ``&amp;`` inside the URL.
    raw = raw.replace("&amp;", "&")
    if base:
        raw = urljoin(base.strip(), raw)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {url!r} ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = scheme + ":" if scheme else "no scheme"
        raise ValueError(f"only http and https URLs are accepted, got {shown} in {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    host = _ascii_host(parts.hostname, url)
    default_port = port is None or (scheme, port) in (("http", 80), ("https", 443))
    netloc = host if default_port else f"{host}:{port}"  # credentials are dropped on purpose
    # courlan normalises the path (percent-encoding); host, port and query are handled here.  It loads
    # on the first article, not at import: most polls end in a 304 that has none.
    from courlan import normalize_url

    path = urlsplit(normalize_url(urlunsplit((scheme, netloc, parts.path or "/", "", "")))).path
    path = _remove_dot_segments(path) or "/"
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def _clean_query(query: str) -> str:
    """Drop tracking parameters, keep the rest (blank values too), sorted by name."""
    if not query:
        return ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k and not is_tracking_param(k)]
    pairs.sort(key=lambda kv: kv[0])  # stable: repeated keys keep their order
    return urlencode(pairs)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, which courlan does not do for absolute URLs."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/".join(out)


def absolute_http_url(url: str | None, base: str | None = None) -> str | None:
    """``url`` made absolute, or None unless it is http(s); left otherwise as is (for images)."""
    if not url or not isinstance(url, str):
        return None
    candidate = url.strip().replace("&amp;", "&")
    if base:
        try:
            candidate = urljoin(base, candidate)
        except ValueError:
            return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(c in candidate for c in " \n\r\t"):
        return None
    return candidate


def article_id(canonical: str) -> str:
    """A short stable id: the first 24 hex digits of the SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:_ID_LEN]
