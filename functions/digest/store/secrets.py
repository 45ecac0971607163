"""Secrets Manager, through Powertools' cached parameters utility."""

from __future__ import annotations

from digest.settings import Settings

CACHE_SECONDS = 300


def token_keys(settings: Settings) -> list[str]:
    """Keys that may sign reader links: the current one first, then any still in their grace period.

    The secret may hold one key or several separated by newlines (newest first) for rotation.
    """
    raw = settings.token_secret
    if settings.token_secret_arn:
        raw = _secret(settings.token_secret_arn)
    keys = [k.strip() for k in raw.splitlines() if k.strip()]
    if not keys:
        raise RuntimeError("the token secret is empty")
    return keys


def admin_api_key(settings: Settings) -> str:
    if settings.admin_api_key_secret_arn:
        return _secret(settings.admin_api_key_secret_arn)
    return settings.admin_api_key


def _secret(arn: str) -> str:
    # Powertools' parameters utility loads here: the send dispatch (which imports this module with
    # the mail service) never reads a secret, and laptops use the plain settings.
    from aws_lambda_powertools.utilities.parameters import get_secret

    return str(get_secret(arn, max_age=CACHE_SECONDS))
