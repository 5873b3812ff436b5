from __future__ import annotations

import time

import pytest

from toolshift.redact import (
    has_credentials,
    has_literal_credentials,
    redact_text,
    redact_url,
    strip_credentials,
)


@pytest.mark.parametrize(
    ("url", "redacted", "stripped", "literal"),
    [
        (
            "https://u:p@h.example/simple",
            "https://****:****@h.example/simple",
            "https://h.example/simple",
            True,
        ),
        (
            "https://token@h.example/simple",
            "https://****@h.example/simple",
            "https://h.example/simple",
            True,
        ),
        (
            "https://${USER}:${TOKEN}@h.example/s",
            "https://${USER}:${TOKEN}@h.example/s",
            "https://h.example/s",
            False,
        ),
        (
            "https://${USER}:secret@h.example/s",
            "https://${USER}:****@h.example/s",
            "https://h.example/s",
            True,
        ),
        ("https://h.example/simple", "https://h.example/simple", "https://h.example/simple", False),
    ],
)
def test_urls(url: str, redacted: str, stripped: str, literal: bool) -> None:
    assert redact_url(url) == redacted
    assert strip_credentials(url) == stripped
    assert has_literal_credentials(url) is literal
    assert has_credentials(url) is ("@" in url)


def test_free_text_is_redacted() -> None:
    text = "error: GET https://bob:hunter2@pypi.corp/simple/x/ failed"
    out = redact_text(text)
    assert "hunter2" not in out and "bob" not in out
    assert "https://****:****@pypi.corp/simple/x/" in out


def test_long_inputs_stay_linear() -> None:
    start = time.perf_counter()
    for text in ("a" * 50_000, "a://" + "b" * 50_000, "x://" * 10_000):
        redact_text(text)
    assert time.perf_counter() - start < 2.0
