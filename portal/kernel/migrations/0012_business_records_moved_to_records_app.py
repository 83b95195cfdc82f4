from django.db import migrations


class Migration(migrations.Migration):
    """The business records leave the kernel's state for the ``records`` app's.

    State only: the tables stay as they are (``portal_usagerecord``,
    ``portal_invoice``, ``portal_paymentmethod``, ``portal_inquiry``) and
    belong to ``records.0001_initial`` from now on, which created the models
    in its state and moved their content types.
    """

    dependencies = [
        ("portal", "0011_scheduled_run"),
        ("records", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Inquiry"),
                migrations.DeleteModel(name="Invoice"),
                migrations.DeleteModel(name="PaymentMethod"),
                migrations.DeleteModel(name="UsageRecord"),
            ],
            database_operations=[],
        ),
    ]
