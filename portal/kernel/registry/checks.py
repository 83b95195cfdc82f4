"""The system checks of the declarations: rights.E001 (a model pointing at the
user model is neither declared nor exempt) and rights.E002 (a declaration
that does not match its model).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import checks

from .engine import registry
from .model_source import _label


def check_personal_data(app_configs=None, *, models_to_check=None, **kwargs):
    """rights.E001: every model pointing at the user model is declared or exempt.

    rights.E002: every declaration matches its model.
    """
    user_label = settings.AUTH_USER_MODEL.lower()
    if models_to_check is None:
        if app_configs is None:
            models_to_check = apps.get_models()
        else:
            models_to_check = [m for config in app_configs for m in config.get_models()]
    errors = []
    for model in models_to_check:
        points_at_user = any(
            f.is_relation
            # A label while unresolved (e.g. in an isolated app registry).
            and _label(f.related_model) == user_label
            and (f.concrete or f.many_to_many)
            for f in model._meta.get_fields(include_parents=True, include_hidden=False)
            if not f.auto_created
        )
        if not points_at_user or registry.is_declared(model) or registry.is_exempt(model):
            continue
        errors.append(
            checks.Error(
                f"{model._meta.label} points at {settings.AUTH_USER_MODEL} but its personal "
                "data is not declared.",
                hint=(
                    f"Declare it in {model._meta.app_label}/personal_data.py with "
                    "registry.register(ModelSource(...)), or, if it holds no customer data, "
                    f'registry.exempt("{model._meta.label}", reason="...").'
                ),
                obj=model,
                id="rights.E001",
            )
        )
    for source in registry.sources():
        model = getattr(source, "model", None)
        if app_configs is None or model is None or model._meta.app_config in app_configs:
            errors.extend(source.check())
    return errors
