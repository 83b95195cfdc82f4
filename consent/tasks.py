"""Celery entry points of the consent app: fetch by id, call a service, nothing else."""

from celery import shared_task

from . import services


@shared_task
def purge_expired_provision_records() -> int:
    """Beat, nightly: delete provision records past their retention period."""
    return services.provision_records_purge_expired()
