"""Times with their time zone's name (``portal.kernel.zones``).

``{{ req.received_at|zoned }}`` writes "6 Dec 2026, 09:33 JST" in the active time
zone; ``{{ req.due_on|zoned:"DATE_FORMAT" }}`` a day. In a table, the zone shared by
all rows goes in the heading and a cell names its own only when it differs::

    {% shared_zone requests "received_at" as received_zone %}
    <th>{% zone_heading received_label received_zone %}</th>
    ... <td>{% zoned_in r.received_at "DATE_FORMAT" zone=r.zone shared=received_zone %}</td>
"""

import datetime as dt

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from portal.kernel import readonly_values, zones

register = template.Library()


@register.filter
def zoned(value, format="DATETIME_FORMAT"):
    """``value`` in ``format`` and the active zone, with the zone's name."""
    return zones.written(value, format)


@register.simple_tag
def zoned_in(value, format="DATETIME_FORMAT", zone=None, shared=""):
    """``value`` in ``format`` and ``zone``; the zone's name unless it is ``shared``."""
    return zones.written(value, format, zone or None, shared=shared)


@register.simple_tag
def shared_zone(items, attribute):
    """The zone name all ``items``' ``attribute`` are written in (each item in its own
    ``zone`` when it has one, else the active zone), or "" when they differ."""
    return zones.shared_label(
        (getattr(item, attribute), getattr(item, "zone", None)) for item in items
    )


@register.simple_tag
def current_zone():
    """The name of the active zone now: for a heading over times all written in it."""
    return zones.label()


@register.simple_tag
def zone_heading(text, zone_label):
    """A column heading that names the zone its times are written in."""
    return zones.heading(text, zone_label)


@register.simple_tag
def readonly_contents(field):
    """What a read-only row of an admin form shows (``AdminReadonlyField.contents``); a
    time a model's DateTimeField holds with its zone's name, as every time staff read;
    a yes/no value and an empty list in words (``portal.kernel.readonly_values``)."""
    name = field.field["name"]
    model = field.form._meta.model
    if isinstance(name, str) and not hasattr(field.model_admin, name):
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            model_field = None
        value = getattr(field.form.instance, name, None)
        if isinstance(model_field, models.DateTimeField) and isinstance(value, dt.datetime):
            return zones.written(value)
    words = readonly_values.in_words(field)
    return field.contents() if words is None else words
