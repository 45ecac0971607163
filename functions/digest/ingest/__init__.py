"""Ingest core: turn feeds and article pages into clean ``Article`` records.

Everything in this package is pure Python with no AWS dependency, so it runs and is tested
on a laptop exactly as in Lambda: ``fetch`` talks HTTP, ``feeds`` parses RSS/Atom/JSON Feed,
``extract`` pulls article text out of a page, ``urls`` and ``sanitize`` keep identifiers and
text safe and stable.  The handlers wire these to queues and tables.
"""
