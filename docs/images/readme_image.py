"""Redraw docs/images/email-600.png, the README's picture of the email, from what `make demo` wrote.

    make demo && .venv/bin/python docs/images/readme_image.py

The demo's full-page screenshot at 600 px (out/edition-600.png) is several screens tall and about
half a megabyte; the README shows its top (masthead, the big story, top news), cut in headless
Chromium by the same code that took the screenshot (digest.local.preview).
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from digest.local.preview import screenshot

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "out" / "edition-600.png"
TARGET = ROOT / "docs" / "images" / "email-600.png"
HEIGHT = 1800  # CSS px of the email's top to keep


def main() -> int:
    if not SOURCE.is_file():
        sys.exit(f"{SOURCE} not found: run `make demo` first (it needs Debian's chromium)")
    data = base64.b64encode(SOURCE.read_bytes()).decode()
    page = (
        '<!doctype html><html><body style="margin:0">'
        f'<div style="width:600px;height:{HEIGHT}px;overflow:hidden">'
        f'<img src="data:image/png;base64,{data}" width="600" alt="" style="display:block"></div></body></html>'
    )
    screenshot(page, TARGET, width=600)
    print(f"wrote {TARGET.relative_to(ROOT)} ({TARGET.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
