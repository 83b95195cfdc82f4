"""What a customer may ask to correct: each editable item of their records."""

from __future__ import annotations

from portal.kernel.registry import registry

from .correction import field_label

# A source with more records than this per customer (e.g. usage history) is
# not offered for field-by-field correction on the form; the customer
# describes the error in the details instead.
CORRECTABLE_RECORD_LIMIT = 20


def correctable_fields(subject) -> list[tuple[str, str, object]]:
    """(target, label, stored value) for each field the customer may ask to correct.

    ``target`` is ``source|record id|field``, which the correction request stores;
    the label names the record's service where the source holds several records.
    """
    choices = []
    for source in registry.sources():
        editable = [f for f in source.fields if f.editable]
        if not editable:
            continue
        records = source.records(subject, limit=CORRECTABLE_RECORD_LIMIT + 1)
        if len(records) > CORRECTABLE_RECORD_LIMIT:
            continue
        for record in records:
            for personal_field in editable:
                value = record.values.get(personal_field.name)
                label = field_label(
                    source.key,
                    personal_field.name,
                    record=str(record.id),
                    service=record.service,
                    name=record.values.get(source.named_by),
                )
                choices.append((f"{source.key}|{record.id}|{personal_field.name}", label, value))
    return choices
