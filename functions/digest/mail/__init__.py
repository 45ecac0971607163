"""Composing and sending the Friday email."""
