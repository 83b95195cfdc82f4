"""A variable with a value that cannot work stops every process at its start, by name.

Before, these values passed `manage.py check` and every start, then failed where
they were first used: a time zone with a typo made every filing a server error,
a rate that is no rate every public request page, a fiscal year ending in month
13 the nightly sweep (Corporation Tax Act art. 59 retention periods).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What gunicorn and the Celery processes load (no system checks run there).
START = [
    "-c",
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
    "'portal.settings'); django.setup()",
]


def _start(**variables) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RIGHTS_")}
    env.update(DEBUG="1", **variables)
    return subprocess.run(
        [sys.executable, *START], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "variable, value, says",
    [
        ("RIGHTS_DEFAULT_REGIME", "GDPR", "RIGHTS_DEFAULT_REGIME must be one of appi, gdpr, ccpa"),
        ("RIGHTS_APPI_TIME_ZONE", "Asia/Tokio", "RIGHTS_APPI_TIME_ZONE: 'Asia/Tokio' is not"),
        ("RIGHTS_GDPR_HOLIDAY_COUNTRY", "XX", "RIGHTS_GDPR_HOLIDAY_COUNTRY: 'XX' is not"),
        ("RIGHTS_PUBLIC_RATE_START_IP", "10 per hour", "RIGHTS_PUBLIC_RATE_START_IP: '10 per"),
        ("RIGHTS_PUBLIC_RATE_FORM_EMAIL", "5/hour", "RIGHTS_PUBLIC_RATE_FORM_EMAIL: '5/hour'"),
        ("RIGHTS_FISCAL_YEAR_END_MONTH", "13", "RIGHTS_FISCAL_YEAR_END_MONTH must be a month"),
        ("ACCOUNT_EMAIL_CHANGE_RATE_IP", "20/hr", "ACCOUNT_EMAIL_CHANGE_RATE_IP: '20/hr' is not"),
        ("ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT", "5", "ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT: '5' is"),
        ("ACCOUNT_MAIL_RATE_EMAIL", "5 a day", "ACCOUNT_MAIL_RATE_EMAIL: '5 a day' is not"),
        ("CUSTOMER_TIME_ZONE", "Europe/Berln", "CUSTOMER_TIME_ZONE: 'Europe/Berln' is not"),
        ("TIME_ZONE", "Asia/Tokio", "TIME_ZONE: 'Asia/Tokio' is not a time zone"),
        ("CONNECTOR_ANSWER_MAX_BYTES", "64MB", "CONNECTOR_ANSWER_MAX_BYTES: '64MB' is not a"),
        ("CONNECTOR_ANSWER_MAX_BYTES", "0", "CONNECTOR_ANSWER_MAX_BYTES: '0' is not a"),
        # URLs may hold a password: the message names the variable and the scheme only.
        ("DATABASE_URL", "portal-db.internal", "DATABASE_URL is not a database URL (scheme ''"),
        ("DATABASE_URL", "postgress://u:pw@db/portal", "DATABASE_URL is not a database URL (s"),
        ("REDIS_URL", "127.0.0.1:6379", "REDIS_URL is not a Redis URL (scheme ''"),
        ("CACHE_URL", "redis//127.0.0.1:6379/2", "CACHE_URL is not a Redis URL (s"),
        ("CACHE_URL", "memcache://127.0.0.1:11211", "CACHE_URL is not a Redis URL"),
    ],
)
def test_a_value_that_cannot_work_stops_the_start_naming_the_variable(variable, value, says):
    result = _start(**{variable: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {says}" in result.stderr


def test_the_documented_values_start():
    result = _start(
        RIGHTS_DEFAULT_REGIME="gdpr",
        RIGHTS_GDPR_TIME_ZONE="Europe/Paris",
        RIGHTS_GDPR_HOLIDAY_COUNTRY="DE",
        RIGHTS_PUBLIC_RATE_START_IP="20/15m",
        RIGHTS_PUBLIC_RATE_CODE_IP="100/d",
        ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT="3/30m",
        RIGHTS_FISCAL_YEAR_END_MONTH="12",
        CONNECTOR_ANSWER_MAX_BYTES="134217728",
    )
    assert result.returncode == 0, result.stderr
