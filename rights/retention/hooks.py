"""Wiring, connected from ``RightsConfig.ready``: the registry's retention texts."""

from rights.registry import registry

from .texts import retention_text


def connect() -> None:
    registry.set_retention_provider(retention_text)
