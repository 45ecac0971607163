"""digest.local.preview: full-page screenshots in headless Chromium, and its failures."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path
from types import ModuleType

import pytest

from digest.local import preview as preview_module
from digest.local.preview import NOT_FOUND, PreviewError, find_chromium, preview, screenshot
from digest.render.edition import Branding
from digest.settings import Settings


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def edition_html(render_tests: ModuleType) -> str:
    return str(render_tests.render(render_tests.make_edition(), Branding.from_settings(Settings())).html)


@pytest.mark.browser
def test_preview_writes_full_page_pngs_at_both_widths(chromium: str, edition_html: str, tmp_path: Path) -> None:
    paths = preview(edition_html, tmp_path / "out", "w48")
    assert paths == [tmp_path / "out" / "w48-375.png", tmp_path / "out" / "w48-600.png"]
    (phone_w, phone_h), (desk_w, desk_h) = png_size(paths[0]), png_size(paths[1])
    assert (phone_w, desk_w) == (375, 600)
    # the whole edition, not one screenful: 16 stories, the appeal and the footer
    assert 2500 < desk_h < 8000, desk_h
    assert desk_h < phone_h < 12000, (phone_h, desk_h)  # narrower: text wraps more, so taller


@pytest.mark.browser
def test_screenshot_is_as_tall_as_the_page(chromium: str, tmp_path: Path) -> None:
    html = '<!doctype html><body style="margin:0"><div style="height:1234px;background:#b3121f"></div></body>'
    path = screenshot(html, tmp_path / "page.png", width=420)
    assert path == tmp_path / "page.png"
    assert png_size(path) == (420, 1234)
    short = '<body style="margin:0"><p style="margin:0;height:20px">Hi</p></body>'
    short_path = screenshot(short, tmp_path / "short.png", width=375)
    assert png_size(short_path) == (375, 20)  # not padded to a window's height


def test_missing_chromium_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on PATH
    monkeypatch.setattr(preview_module, "_DEFAULT_EXECUTABLES", (str(tmp_path / "chromium"),))
    with pytest.raises(PreviewError) as missing:
        find_chromium()
    assert str(missing.value) == "headless Chromium not found: install Debian's chromium package"
    with pytest.raises(PreviewError) as missing:
        preview("<p>hi</p>", tmp_path / "out")
    assert str(missing.value) == NOT_FOUND
    assert not (tmp_path / "out" / "edition-375.png").exists()


def test_chromium_env_var_must_name_an_executable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(PreviewError) as missing:
        screenshot("<p>hi</p>", tmp_path / "x.png", width=375)
    assert str(missing.value).startswith(f"{NOT_FOUND} (CHROMIUM=")


def fake_browser(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-chromium"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(path)


def test_a_browser_that_dies_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHROMIUM", fake_browser(tmp_path, 'echo "cannot open display" >&2; exit 3'))
    with pytest.raises(PreviewError, match=r"exited \(status 3\).*cannot open display"):
        screenshot("<p>hi</p>", tmp_path / "x.png", width=375, timeout=20)


def test_a_browser_that_hangs_times_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    monkeypatch.setenv("CHROMIUM", fake_browser(tmp_path, f'echo $$ > "{pid_file}"; exec sleep 60'))
    started = time.monotonic()
    with pytest.raises(PreviewError, match="timed out"):
        screenshot("<p>hi</p>", tmp_path / "x.png", width=375, timeout=1)
    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left behind
        os.kill(pid, 0)


def test_width_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="width"):
        screenshot("<p>hi</p>", tmp_path / "x.png", width=0)
