"""What readers see: an edition rendered as email (MJML → HTML plus a plain-text part), as its web
archive page, and the archive's index page and RSS feed.

Pure code: the only I/O is reading the Jinja2 layouts under ``layouts_dir``.  Per-reader details
(name, unsubscribe and preferences links) are left as placeholders that the mail composer fills in
at send time; see :mod:`digest.render.edition`.
"""
