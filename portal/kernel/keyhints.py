"""What the portal refuses to start without (DEBUG off), and how to make each secret.

The refusals name the command that prints a value, so an operator writing the
production settings from an empty environment need not look it up; the same
commands are in docs/operations.md#keys. ``production_refusals`` checks all of
them at once, so one start lists everything still missing or malformed instead
of stopping at the first. Imports nothing from Django: the settings module uses
it before the apps are loaded.
"""

import base64
import binascii

KEYS_SECTION = "docs/operations.md#keys"

#: 32 random bytes in url-safe base64: a field key or a disclosure key.
FERNET_KEY = (
    '.venv/bin/python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)
#: 64 random url-safe characters: SECRET_KEY, the hash key, the audit chain key.
RANDOM_SECRET = '.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(48))"'

#: The shortest FIELD_HASH_KEY and AUDIT_CHAIN_KEY accepted.
MIN_SECRET_LENGTH = 32

DISCLOSURE_KEY_WHAT = (
    "32 random bytes in url-safe base64, which encrypt disclosure packages and uploaded files"
)
CACHE_REQUIRED = (
    "CACHE_URL or REDIS_URL is required when DEBUG is off: rate limits and the login "
    "throttle count in the cache, which every web process must share "
    "(e.g. redis://host:6379/2)."
)


def required(name: str, what: str, command: str) -> str:
    """The refusal when ``name`` is not set: what it must hold and how to make it."""
    return (
        f"{name} is required when DEBUG is off: {what}, e.g. printed by `{command}` "
        f"({KEYS_SECTION})."
    )


def bad_fernet_keys() -> str:
    return (
        "Each FIELD_ENCRYPTION_KEYS entry must be a Fernet key: 32 random bytes in "
        f"url-safe base64 (44 characters), e.g. printed by `{FERNET_KEY}` ({KEYS_SECTION})."
    )


def too_short(name: str) -> str:
    return f"{name} must be at least {MIN_SECRET_LENGTH} characters long."


def bad_disclosure_keys() -> str:
    return (
        "Each DISCLOSURE_ENCRYPTION_KEY must be 32 random bytes in url-safe base64 "
        f"(44 characters), e.g. printed by `{FERNET_KEY}` ({KEYS_SECTION})."
    )


def _url_safe_32_bytes(text: str, *, padded: bool) -> bool:
    """``text`` decodes as url-safe base64 to 32 bytes (Fernet's form when ``padded``)."""
    text = text.strip()
    if not padded:
        text += "=" * (-len(text) % 4)
    try:
        return len(base64.urlsafe_b64decode(text.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def _keys(values: list[str]) -> list[str]:
    return [value.strip() for value in values if value.strip()]


def production_refusals(
    *,
    secret_key: str,
    cache_configured: bool,
    field_encryption_keys: list[str],
    field_hash_key: str,
    disclosure_keys: list[str],
    audit_chain_key: str,
) -> list[str]:
    """One refusal per required setting that is missing or malformed, in the order
    docs/configuration.md lists them; empty when the start may go on."""
    refusals = []
    if not secret_key.strip():
        refusals.append(required("SECRET_KEY", "50 or more random characters", RANDOM_SECRET))
    if not cache_configured:
        refusals.append(CACHE_REQUIRED)
    field_keys = _keys(field_encryption_keys)
    if not field_keys:
        refusals.append(required("FIELD_ENCRYPTION_KEYS", "a Fernet key", FERNET_KEY))
    elif not all(_url_safe_32_bytes(key, padded=True) for key in field_keys):
        refusals.append(bad_fernet_keys())
    for name, value in (("FIELD_HASH_KEY", field_hash_key), ("AUDIT_CHAIN_KEY", audit_chain_key)):
        if not value:
            refusals.append(
                required(name, f"at least {MIN_SECRET_LENGTH} random characters", RANDOM_SECRET)
            )
        elif len(value) < MIN_SECRET_LENGTH:
            refusals.append(too_short(name))
    disclosure = _keys(disclosure_keys)
    if not disclosure:
        refusals.append(required("DISCLOSURE_ENCRYPTION_KEY", DISCLOSURE_KEY_WHAT, FERNET_KEY))
    elif not all(_url_safe_32_bytes(key, padded=False) for key in disclosure):
        refusals.append(bad_disclosure_keys())
    return refusals


def refusal(refusals: list[str]) -> str:
    """The one message a start stops with: a single refusal as it is, several as a list."""
    if len(refusals) == 1:
        return refusals[0]
    listed = "\n".join(f"- {line}" for line in refusals)
    return (
        f"{len(refusals)} settings are missing or malformed, and nothing starts with "
        f"DEBUG off until each is set:\n{listed}"
    )
