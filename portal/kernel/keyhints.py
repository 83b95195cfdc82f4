"""How to make each secret the portal refuses to start without (DEBUG off).

The refusals name the command that prints a value, so an operator writing the
production settings from an empty environment need not look it up; the same
commands are in docs/operations.md#keys. Imports nothing from Django: the
settings module uses it before the apps are loaded.
"""

KEYS_SECTION = "docs/operations.md#keys"

#: 32 random bytes in url-safe base64: a field key or a disclosure key.
FERNET_KEY = (
    '.venv/bin/python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)
#: 64 random url-safe characters: SECRET_KEY, the hash key, the audit chain key.
RANDOM_SECRET = '.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(48))"'


def required(name: str, what: str, command: str) -> str:
    """The refusal when ``name`` is not set: what it must hold and how to make it."""
    return (
        f"{name} is required when DEBUG is off: {what}, e.g. printed by `{command}` "
        f"({KEYS_SECTION})."
    )
