"""The settings read the environment as pydantic-settings did: each field from the variable of its
name in any case, keyword arguments first, bad values refused with the field named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from digest.settings import Settings


def test_fields_come_from_the_environment_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEND_HOUR", "9")
    monkeypatch.setenv("Send_Day", "monday")
    monkeypatch.setenv("READER_LOCAL_TIME", "true")
    monkeypatch.setenv("NOT_A_SETTING", "ignored")
    settings = Settings()
    assert (settings.send_hour, settings.send_day, settings.reader_local_time) == (9, "MON", True)
    assert Settings(send_hour=3).send_hour == 3, "keyword arguments win over the environment"


def test_defaults_without_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEND_HOUR", raising=False)
    monkeypatch.delenv("UNAPPROVED_AT_SEND", raising=False)
    assert (Settings().send_hour, Settings().unapproved_at_send) == (7, "skip")


BAD = [("SEND_HOUR", "24"), ("SEND_HOUR", "seven"), ("SEND_DAY", "someday"), ("UNAPPROVED_AT_SEND", "maybe"),
       ("SES_TIMEOUT_SECONDS", "0")]  # fmt: skip


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_variable_is_refused_with_its_field_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as error:
        Settings()
    assert [e["loc"] for e in error.value.errors()] == [(name.lower(),)]
