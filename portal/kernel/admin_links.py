"""Read-only related records on a change page: a link only for staff who may open it.

Django shows a related record in a read-only field as a link to its change page
whatever the reader may open, so a service handler reading a fee or a legal
hold is sent to the account of the officer who recorded it, and gets a 404.
Here the link is kept for staff who may view the related record, and the
record's name is shown as text to the others.
"""

from __future__ import annotations

from django.contrib.admin import helpers


class ScopedReadonlyField(helpers.AdminReadonlyField):
    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def get_admin_url(self, remote_field, remote_obj):
        target = self.model_admin.admin_site._registry.get(remote_field.model)
        if target is None or not target.has_view_or_change_permission(self.request, remote_obj):
            return str(remote_obj)
        return super().get_admin_url(remote_field, remote_obj)


class ScopedFieldline(helpers.Fieldline):
    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def __iter__(self):
        for i, field in enumerate(self.fields):
            if field in self.readonly_fields:
                yield ScopedReadonlyField(
                    self.form,
                    field,
                    is_first=(i == 0),
                    model_admin=self.model_admin,
                    request=self.request,
                )
            else:
                yield helpers.AdminField(self.form, field, is_first=(i == 0))


class ScopedFieldset(helpers.Fieldset):
    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def __iter__(self):
        for field in self.fields:
            yield ScopedFieldline(
                self.form,
                field,
                self.readonly_fields,
                model_admin=self.model_admin,
                request=self.request,
            )


class ScopedAdminForm(helpers.AdminForm):
    """The change page's form, its read-only links checked against ``request``'s user."""

    @classmethod
    def of(cls, form: helpers.AdminForm, request) -> ScopedAdminForm:
        scoped = cls.__new__(cls)
        scoped.__dict__.update(form.__dict__)
        scoped.request = request
        return scoped

    def __iter__(self):
        for name, options in self.fieldsets:
            yield ScopedFieldset(
                self.form,
                name,
                readonly_fields=self.readonly_fields,
                model_admin=self.model_admin,
                request=self.request,
                **options,
            )
