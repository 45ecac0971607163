"""The subscriber and admin API, with its server-rendered pages."""
