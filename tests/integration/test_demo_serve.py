"""`digest demo --serve` (issue 16, item 4): the demo, then addresses a person can open, and all of them work."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from digest.local.motoserver import free_port


def fetch(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.status, reply.read()


def test_demo_serve_ends_with_addresses_that_open(tmp_path: Path) -> None:
    api, archive = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_ENDPOINT_URL", "API_BASE_URL", "ARCHIVE_BASE_URL"}}
    env["DIGEST_SERVE_QUIET"] = "1"
    env["PYTHONFAULTHANDLER"] = "1"  # a demo that will not stop dumps its threads on SIGABRT
    out = tmp_path / "out"
    demo = subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "demo", "--out", str(out), "--serve", "--port", str(api),
         "--archive-port", str(archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert demo.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, f"the demo ended early: {''.join(lines)[-2000:]}"
            lines.append(line)
            if line.startswith("  mail sent meanwhile"):
                break
        links = dict(re.findall(r"^  (archive|this edition|editor's review|sign-up page|a reader's settings)\s+(\S+)",
                                "".join(lines), re.M))  # fmt: skip
        assert set(links) == {"archive", "this edition", "editor's review", "sign-up page", "a reader's settings"}
        for name, url in links.items():
            status, body = fetch(url)
            assert status == 200, (name, url)
            assert b"Traceback" not in body
        _, page = fetch(links["this edition"])
        images = re.findall(rb'<img[^>]+src="([^"]+)"', page)
        assert images and not [i for i in images if i.startswith(b"http://127.0.0.1") and b"/images/" in i]
        for image in images:
            if image.startswith(b"../img/"):
                assert fetch(links["archive"] + image.decode().removeprefix("../"))[0] == 200
        assert links["this edition"].encode() in (out / "edition.html").read_bytes()  # "View in your browser"
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            _, err = demo.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            demo.send_signal(signal.SIGABRT)
            _, err = demo.communicate(timeout=30)
            raise AssertionError(f"Ctrl-C did not stop the demo; its threads:\n{err[-6000:]}") from None
    assert demo.returncode == 0, err
    assert "Traceback" not in err
