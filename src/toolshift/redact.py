"""Credentials never leave toolshift: helpers that find and remove them from URLs and text."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# scheme://user:password@host or scheme://token@host
# The scheme is bounded so a long run of letters cannot make the search quadratic.
_CRED_IN_URL = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]{0,30}://)(?P<cred>[^/@\s]+)@")
_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
REDACTED = "****"


def _is_env_ref(part: str) -> bool:
    return bool(_ENV_REF.match(part))


def has_literal_credentials(url: str) -> bool:
    """True when ``url`` carries a user/password that is not only ``${VAR}`` references."""

    m = _CRED_IN_URL.search(url)
    if not m:
        return False
    parts = m.group("cred").split(":", 1)
    return not all(_is_env_ref(p) for p in parts)


def has_credentials(url: str) -> bool:
    return bool(_CRED_IN_URL.search(url))


def strip_credentials(url: str) -> str:
    """The URL without any ``user:password@`` part."""

    try:
        parts = urlsplit(url)
    except ValueError:
        return _CRED_IN_URL.sub(lambda m: m.group("scheme"), url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def redact_url(url: str) -> str:
    """Replace literal credentials by ``****``; ``${VAR}`` references are kept."""

    def repl(m: re.Match[str]) -> str:
        parts = m.group("cred").split(":", 1)
        shown = [p if _is_env_ref(p) else REDACTED for p in parts]
        return m.group("scheme") + ":".join(shown) + "@"

    return _CRED_IN_URL.sub(repl, url)


def redact_text(text: str) -> str:
    """Redact every URL credential in free text (command output, logs)."""

    return redact_url(text)
