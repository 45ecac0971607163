"""Stories: articles grouped into news events (``cluster``), then ranked and placed into the edition."""
