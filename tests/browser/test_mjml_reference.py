"""mjml-python (MRML) against the reference MJML, as a reader sees them.

The edition layout is rendered for the unit tests' realistic edition (tests/unit/test_render.py's
``make_edition``), once by ``render_edition`` (Jinja2 → MJML → HTML with mjml-python) and once by
npm ``mjml`` 4 from the very same MJML source; both HTML documents are screenshot full-page in
headless Chromium at phone (375 px) and desktop (600 px) widths and compared pixel by pixel: at
most 0.5 % of the pixels may differ (pixels outside the smaller screenshot count as different).

The layout's remote images (the lead story's picture, the logo) are pointed at local PNGs in both
documents alike, so that image sizing is compared too; all other network access is off.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import digest.render.edition as edition_module
from digest.local.preview import PREVIEW_WIDTHS, preview
from digest.render.edition import Branding, RenderedEdition
from digest.settings import Settings

pytestmark = pytest.mark.browser

MAX_DIFFERING = 0.005  # share of pixels
LEAD_IMAGE = "https://images.example.com/lead.jpg"  # make_edition's lead picture
LOGO = "https://cdn.example.com/logo.png"
BRAND_RED = (0xB3, 0x12, 0x1F)  # Branding.primary_colour: the masthead's top rule


# -- PNG, just enough for Chromium's screenshots ----------------------------------------------------


def png_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks[kind] = chunks.get(kind, b"") + data[offset + 8 : offset + 8 + length]  # IDATs concatenate
        offset += 12 + length
    return chunks


def decode_png(data: bytes, rows: int | None = None) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The RGB pixels (height × width × 3) of an 8-bit, non-interlaced RGB or RGBA PNG; only the
    first ``rows`` rows when given."""
    chunks = png_chunks(data)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    height = min(height, rows) if rows else height
    raw = zlib.decompressobj().decompress(chunks[b"IDAT"], (stride + 1) * height)
    pixels = np.zeros((height, stride), dtype=np.uint8)
    above = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, np.uint8, stride, start + 1)
        if kind == 0:  # None
            row = line.copy()
        elif kind == 1:  # Sub: a running sum along the row, per channel
            row = (np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint32) & 0xFF).astype(np.uint8).reshape(-1)
        elif kind == 2:  # Up
            row = line + above
        else:  # Average, Paeth: byte by byte
            out, up = bytearray(line.tobytes()), above.tobytes()
            for x in range(stride):
                left = out[x - bpp] if x >= bpp else 0
                corner = up[x - bpp] if x >= bpp else 0
                if kind == 3:
                    out[x] = (out[x] + ((left + up[x]) >> 1)) & 0xFF
                else:
                    p = left + up[x] - corner
                    pa, pb, pc = abs(p - left), abs(p - up[x]), abs(p - corner)
                    predictor = left if pa <= pb and pa <= pc else up[x] if pb <= pc else corner
                    out[x] = (out[x] + predictor) & 0xFF
            row = np.frombuffer(bytes(out), np.uint8)
        pixels[y] = row
        above = row
    return pixels.reshape(height, width, bpp)[:, :, :3]


def encode_png(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> bytes:
    """An RGB PNG (no filtering) of ``pixels`` (height × width × 3)."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\0" + pixels[y].tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def picture(width: int, height: int) -> bytes:
    """A made-up photo: diagonal colour bands, so that any scaling difference shows."""
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([(x * 255 // width), (y * 255 // height), ((x + y) // 8 % 2) * 200], axis=-1)
    return encode_png(pixels.astype(np.uint8))


# -- the two renders --------------------------------------------------------------------------------


def render_with_source(render: Callable[[], RenderedEdition]) -> tuple[RenderedEdition, str]:
    """``render()``'s result and the MJML source its HTML was made from.

    render_edition does not expose the intermediate MJML, so mjml-python is wrapped while it runs
    (the size gate may render more than once: the source kept is the one whose HTML was returned).
    """
    calls: list[tuple[str, str]] = []
    real = edition_module.mjml_to_html

    def recording(source: str) -> str:
        html = real(source)
        calls.append((source, html))
        return html

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(edition_module, "mjml_to_html", recording)
        rendered = render()
    return rendered, next(source for source, html in calls if html == rendered.html)


@pytest.fixture(scope="module", params=["email", "web-with-logo"])
def shots(
    request: pytest.FixtureRequest,
    chromium: str,
    reference_mjml: Callable[[str], str],
    render_tests: ModuleType,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Screenshots of one edition variant as rendered by mjml-python and by the reference MJML."""
    out = tmp_path_factory.mktemp(f"mjml-{request.param}")
    branding = Branding.from_settings(Settings())
    kwargs: dict[str, Any] = {}
    if request.param == "web-with-logo":
        branding = Branding.from_settings(Settings(), logo_url=LOGO)
        kwargs = {"web": True, "subscribe_url": render_tests.SUBSCRIBE}
    rendered, source = render_with_source(lambda: render_tests.render(render_tests.make_edition(), branding, **kwargs))
    assert rendered.dropped == []
    (out / "edition.mjml").write_text(source, encoding="utf-8")
    htmls = {"mjml-python": rendered.html, "reference": reference_mjml(source)}
    assert htmls["mjml-python"] != htmls["reference"], "two different renderers should not agree to the byte"

    images = {LEAD_IMAGE: ("lead.png", 1200, 675), LOGO: ("logo.png", 480, 96)}
    shots: dict[str, Any] = {"dir": out}
    for renderer, html in htmls.items():
        for url, (name, width, height) in images.items():
            if url in source:
                local = out / name
                if not local.exists():
                    local.write_bytes(picture(width, height))
                assert url in html, (renderer, url)
                html = html.replace(url, local.as_uri())
        (out / f"{renderer}.html").write_text(html, encoding="utf-8")
        shots[renderer] = dict(zip(PREVIEW_WIDTHS, preview(html, out, renderer), strict=True))
    return shots


def differing_pixels(a: Path, b: Path) -> tuple[int, int, np.ndarray[Any, np.dtype[np.bool_]] | None]:
    """(pixels that differ, pixels in all, map of the differences), over the union of both images."""
    data_a, data_b = a.read_bytes(), b.read_bytes()
    if data_a == data_b:  # Chromium's encoder is deterministic: same bytes, same pixels
        width, height = struct.unpack(">II", png_chunks(data_a)[b"IHDR"][:8])
        return 0, width * height, None
    pixels_a, pixels_b = decode_png(data_a), decode_png(data_b)
    height = max(pixels_a.shape[0], pixels_b.shape[0])
    width = max(pixels_a.shape[1], pixels_b.shape[1])
    diff = np.ones((height, width), dtype=bool)
    h, w = min(pixels_a.shape[0], pixels_b.shape[0]), min(pixels_a.shape[1], pixels_b.shape[1])
    diff[:h, :w] = np.any(pixels_a[:h, :w] != pixels_b[:h, :w], axis=2)
    return int(diff.sum()), height * width, diff


def describe(diff: np.ndarray[Any, np.dtype[np.bool_]]) -> str:
    """The bands of rows that differ, with the columns spanned: where to look."""
    rows = np.flatnonzero(diff.any(axis=1))
    bands: list[tuple[int, int]] = []
    for y in rows.tolist():
        if bands and y == bands[-1][1] + 1:
            bands[-1] = (bands[-1][0], y)
        else:
            bands.append((y, y))
    parts = []
    for top, bottom in bands[:12]:
        cols = np.flatnonzero(diff[top : bottom + 1].any(axis=0))
        parts.append(f"y {top}-{bottom} x {cols[0]}-{cols[-1]}")
    return "; ".join(parts) + (f"; … {len(bands) - 12} more bands" if len(bands) > 12 else "")


@pytest.mark.parametrize("width", PREVIEW_WIDTHS)
def test_mjml_python_matches_reference_mjml(shots: dict[str, Any], width: int, mjml_version: str) -> None:
    ours, reference = shots["mjml-python"][width], shots["reference"][width]
    # not two blank pages: the masthead's brand-red top rule is there
    top = decode_png(ours.read_bytes(), rows=120)
    assert np.all(top == BRAND_RED, axis=2).any(), "no masthead in the screenshot"
    height = struct.unpack(">I", png_chunks(ours.read_bytes())[b"IHDR"][4:8])[0]
    assert height > 2000, f"a whole edition is taller than {height} px"

    different, total, diff = differing_pixels(ours, reference)
    share = different / total
    print(f"{width}px: {different} of {total} pixels differ ({share:.3%}) from npm mjml {mjml_version}")
    if share > MAX_DIFFERING:
        assert diff is not None
        marked = np.full((*diff.shape, 3), 255, dtype=np.uint8)
        marked[diff] = (255, 0, 0)
        (shots["dir"] / f"diff-{width}.png").write_bytes(encode_png(marked))
        pytest.fail(
            f"at {width}px {share:.3%} of the pixels differ between mjml-python and npm mjml {mjml_version} "
            f"(limit {MAX_DIFFERING:.1%}): {describe(diff)}. Screenshots, HTML, MJML and diff-{width}.png "
            f"are in {shots['dir']}"
        )
