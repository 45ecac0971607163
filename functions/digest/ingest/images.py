"""Which images may illustrate an article: never tracking pixels, spacers or icons.

Feed bodies often carry a 1×1 beacon (FeedBurner, WordPress stats, ad and audience counters) ahead of,
or instead of, a photo. Chosen as a story's image it would load a third party's tracker in every
reader's inbox, so such images are refused wherever an article's image is taken.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

MIN_SIDE = 100  # px: a declared width or height below this is an icon, a button or a pixel

# Hosts that serve beacons and share buttons, never article photos (a host matches its subdomains).
TRACKER_HOSTS = frozenset(
    {
        "feeds.feedburner.com",  # ~r/ view beacons and ~ff/ share buttons
        "feedproxy.google.com",
        "feeds.feedblitz.com",
        "pixel.wp.com",  # WordPress.com stats
        "stats.wp.com",
        "doubleclick.net",
        "google-analytics.com",
        "googletagmanager.com",
        "quantserve.com",
        "scorecardresearch.com",  # comScore (sb.scorecardresearch.com)
        "chartbeat.net",
        "chartbeat.com",
        "imrworldwide.com",  # Nielsen
        "bat.bing.com",
        "analytics.twitter.com",
        "px.ads.linkedin.com",
        "ct.pinterest.com",
        "mc.yandex.ru",
    }
)
# Tracker paths on hosts that also serve real content: (host, path prefix).
TRACKER_PATHS = (("facebook.com", "/tr"), ("t.co", "/i/adsct"))
# A path segment that names a beacon ("/pixel?id=…", "/track/open.gif"), or a spacer's file name.
_BEACON_SEGMENT_RE = re.compile(r"^(?:pixel|beacon|track|tracking|tracker)(?:\.\w+)?$", re.IGNORECASE)
_SPACER_FILE_RE = re.compile(r"^(?:spacer|blank|pixel|clear|transparent|1x1|trans)(?:[_-]?\d*)\.(?:gif|png)$", re.I)
_SIDE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$", re.IGNORECASE)
_STYLE_SIDE_RE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.IGNORECASE)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_IMG_TAG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR_RE = re.compile(r"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))")


def _side(value: object) -> float | None:
    """A declared pixel size ("1", "1px", 640); None when absent or relative ("100%", "auto")."""
    if isinstance(value, int | float):
        return float(value)
    found = _SIDE_RE.match(value) if isinstance(value, str) else None
    return float(found.group(1)) if found else None


def too_small(width: object = None, height: object = None) -> bool:
    """True when either declared side is under MIN_SIDE pixels (so 1×1 and 0×0 too)."""
    return any(side is not None and side < MIN_SIDE for side in (_side(width), _side(height)))


def is_tracker(url: str | None) -> bool:
    """True for a URL that is a beacon or spacer, not a picture: data URIs (inline 1×1 GIFs among
    them), known tracker hosts and paths, beacon paths, spacer file names, ``utm_`` query strings."""
    if not url:
        return True
    text = url.strip()
    if text.lower().startswith("data:"):
        return True
    try:
        parts = urlsplit(text)  # relative URLs (resolved later) have no host and are judged by path
        host = (parts.hostname or "").lower()
    except ValueError:
        return True
    host = host[4:] if host.startswith("www.") else host
    if any(host == known or host.endswith("." + known) for known in TRACKER_HOSTS):
        return True
    path = parts.path
    if any(
        (host == known or host.endswith("." + known)) and (path == prefix or path.startswith(prefix + "/"))
        for known, prefix in TRACKER_PATHS
    ):
        return True
    segments = [s for s in path.split("/") if s]
    if any(_BEACON_SEGMENT_RE.match(s) for s in segments):
        return True
    if segments and _SPACER_FILE_RE.match(segments[-1]):
        return True
    return any(key.lower().startswith("utm_") for key, _ in parse_qsl(parts.query))


def first_img(html_text: str) -> str | None:
    """The first ``<img>`` in an HTML fragment that can be a picture: hidden, tiny and tracking
    images (a 1×1 beacon often comes first) are passed over."""
    for tag in _IMG_TAG_RE.findall(html_text or ""):
        attrs = {m.group(1).lower(): html.unescape(_value(m)) for m in _ATTR_RE.finditer(tag[4:])}
        style = attrs.get("style", "")
        if _HIDDEN_STYLE_RE.search(style):
            continue
        sides = {k.lower(): v for k, v in _STYLE_SIDE_RE.findall(style)}
        width, height = attrs.get("width", sides.get("width")), attrs.get("height", sides.get("height"))
        src = attrs.get("src")
        if src and not is_tracker(src) and not too_small(width, height):
            return src
    return None


def _value(attr: re.Match[str]) -> str:
    return next(g for g in attr.groups()[1:] if g is not None)
