"""Demo fees for ``seed_demo``: a published schedule, as a company might set it."""

import datetime as dt

from .choices import DeliveryMethod, FeeBasis, Kind, Regime
from .models import FeeSchedule

DEMO_FEES = [
    # kind, regime, basis, delivery method, amount, note in Japanese and in English
    (Kind.DISCLOSURE, Regime.APPI, FeeBasis.PUBLISHED, DeliveryMethod.ELECTRONIC, 1000, "", ""),
    (
        Kind.DISCLOSURE,
        Regime.APPI,
        FeeBasis.PUBLISHED,
        DeliveryMethod.PAPER,
        1500,
        "郵送料込み",
        "Postage included",
    ),
    (Kind.PURPOSE_NOTICE, Regime.APPI, FeeBasis.PUBLISHED, "", 500, "", ""),
    (Kind.DISCLOSURE, Regime.GDPR, FeeBasis.FURTHER_COPY, "", 1000, "", ""),
]


def seed_fee_demo() -> int:
    """Publish the demo fees once (idempotent); returns how many rows were added."""
    added = 0
    for kind, regime, basis, delivery, amount, note, note_en in DEMO_FEES:
        _row, created = FeeSchedule.objects.get_or_create(
            kind=kind,
            regime=regime,
            basis=basis,
            delivery_method=delivery,
            defaults={
                "amount": amount,
                "effective_from": dt.date(2024, 4, 1),
                "note": note,
                "note_en": note_en,
            },
        )
        added += created
    return added
