"""Logs: a request id on every line of a request and its tasks, no personal data."""

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel import logs
from portal.kernel.models import User
from portal.kernel.staff import staff_create
from portal.kernel.stepup import email_device_for
from rights.forms import CorrectionForm
from rights.models import RightsRequest
from tests.conftest import last_code, totp_code
from tests.factories import PASSWORD
from tests.intake_support import file_through_review
from tests.worker_support import wait_for

pytestmark = pytest.mark.django_db

# The project's loggers and Django's request logger, captured at DEBUG.
CAPTURED_LOGGERS = ["portal", "rights", "consent", "django.request", "django.security", "celery"]


@pytest.fixture
def captured_logs():
    """Everything the captured loggers write, as JSON lines and as text lines."""
    json_out, text_out = io.StringIO(), io.StringIO()
    handlers = []
    for stream, formatter in (
        (json_out, logs.JsonFormatter(logs.JSON_FIELDS)),
        (text_out, logging.Formatter(logs.TEXT_FORMAT)),
    ):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler.addFilter(logs.RequestIdFilter())
        handlers.append(handler)
    root = logging.getLogger()
    previous = {name: logging.getLogger(name).level for name in CAPTURED_LOGGERS}
    for handler in handlers:
        root.addHandler(handler)
    for name in CAPTURED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)

    class Captured:
        def json_lines(self) -> list[dict]:
            return [json.loads(line) for line in json_out.getvalue().splitlines()]

        def text(self) -> str:
            return text_out.getvalue()

        def raw_json(self) -> str:
            return json_out.getvalue()

    yield Captured()
    for handler in handlers:
        root.removeHandler(handler)
    for name, level in previous.items():
        logging.getLogger(name).setLevel(level)


def test_a_new_request_id_is_echoed_and_put_on_the_requests_log_lines(client, captured_logs):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = [r for r in captured_logs.json_lines() if r["name"] == "django.request"]
    assert line["request_id"] == request_id
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["level"] == "WARNING" and line["time"].endswith("+00:00")
    # The request object Django attaches (its repr holds the query string) is left out.
    assert "request" not in line
    assert f"[{request_id}] django.request: Not Found" in captured_logs.text()
    # Another request gets another id.
    assert client.get("/healthz")["X-Request-ID"] != request_id


@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("5f0c1a9e-7d2b-4c1e-9a63-1d2e3f4a5b6c", True),
        ("lb.req_000123", True),
        ("short", False),
        ("has spaces in it", False),
        ('inject"}\n{"level":"CRITICAL', False),
        ("x" * 65, False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_well_formed(client, incoming, kept):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    if kept:
        assert response["X-Request-ID"] == incoming
    else:
        assert response["X-Request-ID"] != incoming
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_lines_outside_a_request_have_no_request_id(client, captured_logs):
    client.get("/healthz")
    logging.getLogger("portal.tests").info("after the request")
    [line] = [r for r in captured_logs.json_lines() if r["name"] == "portal.tests"]
    assert line["request_id"] == "-"


def test_json_formatter_leaves_out_task_arguments_and_keeps_other_fields():
    record = logging.LogRecord("celery.app.trace", logging.ERROR, __file__, 1, "failed", (), None)
    record.data = {"args": ["secret@example.com"], "kwargs": {}}
    record.status_code = 500
    record.request_id = "-"
    out = json.loads(logs.JsonFormatter(logs.JSON_FIELDS).format(record))
    assert "data" not in out and "secret@example.com" not in json.dumps(out)
    assert out["status_code"] == 500


def test_the_logging_config_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.logging_config(log_format="xml")


# -- a whole scenario: no personal data in any log line -----------------------------

NEW_CUSTOMER = {
    "email": "Ren.Kobayashi@example.com",
    "full_name": "小林 蓮",
    "password1": "another-long-secret-42",
    "password2": "another-long-secret-42",
    "accept_policy": "on",
}
NEW_PROFILE = {
    "full_name": "小林 蓮",
    "full_name_kana": "コバヤシ レン",
    "postal_code": "604-8005",
    "address": "京都府京都市中京区桃木町1-1",
    "phone": "075-777-8899",
    "date_of_birth": "1992-08-15",
    "gender": "male",
    "occupation": "薬剤師",
    "industry": "医療",
    "save_profile": "1",
}
NEW_PHONE = "080-9876-5432"


def _personal_values(user: User) -> set[str]:
    profile = user.profile
    values = {
        user.email,
        user.email.split("@")[0],
        profile.full_name,
        profile.full_name.replace(" ", ""),
        *profile.full_name.split(),
        profile.full_name_kana,
        profile.postal_code,
        profile.address,
        profile.phone,
        re.sub(r"\D", "", profile.phone),
        profile.date_of_birth.isoformat(),
        profile.occupation,
        profile.industry,
    }
    return {value for value in values if value and len(value) >= 2}


def _step_up(client, next_url, capture):
    with capture(execute=True):
        client.post(f"/accounts/code/?next={next_url}", {"send": "1", "next": next_url})
    response = client.post(
        "/accounts/code/", {"token": last_code(), "verify": "1", "next": next_url}
    )
    assert response.status_code == 302, response.content


def test_a_full_scenario_writes_no_personal_data_to_the_logs(
    client, django_capture_on_commit_callbacks, captured_logs
):
    """Sign-up, login, step-up, my data, a request worked by staff: no PII in the logs.

    APPI Art. 23 (security control measures) and GDPR Art. 5(1)(f) and 32: logs
    are copied to places the database's access rules do not reach, so they hold
    ids and counts, never the customer's name, e-mail address, phone or profile.
    """
    capture = django_capture_on_commit_callbacks
    call_command("seed_demo", stdout=io.StringIO())
    demo = User.objects.get(email="demo@example.com")

    # A new customer signs up, follows the link, fails a login, then logs in
    # and fills in their profile behind the code check.
    with capture(execute=True):
        assert client.post("/accounts/signup/", NEW_CUSTOMER).status_code == 302
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    newcomer = User.objects.get(email__iexact=NEW_CUSTOMER["email"])
    wrong = {"username": NEW_CUSTOMER["email"], "password": "not-the-password-0"}
    assert client.post("/accounts/login/", wrong).status_code == 200
    right = {"username": NEW_CUSTOMER["email"], "password": NEW_CUSTOMER["password1"]}
    assert client.post("/accounts/login/", right).status_code == 302
    _step_up(client, "/account/", capture)
    assert client.post("/account/", NEW_PROFILE).status_code == 302
    assert client.get("/my-data/").status_code == 200
    client.post("/accounts/logout/")

    # The demo customer: a failed login, a login, the code, my data, a correction.
    wrong = {"username": "demo@example.com", "password": "demo-portal-wrong"}
    assert client.post("/accounts/login/", wrong).status_code == 200
    right = {"username": "demo@example.com", "password": "demo-portal-2026"}
    assert client.post("/accounts/login/", right).status_code == 302
    client.get("/requests/new/correction/")
    _step_up(client, "/requests/new/correction/", capture)
    assert client.get("/my-data/").status_code == 200
    assert client.get("/consent/").status_code == 200
    target = next(
        value
        for value, label in CorrectionForm(subject=demo).fields["target"].choices
        if demo.profile.phone in str(label)
    )
    with capture(execute=True):
        response = file_through_review(
            client,
            "/requests/new/correction/",
            {"target": target, "new_value": NEW_PHONE, "details": "電話番号が変わりました。"},
        )
    assert response.status_code == 302, response.content
    filed = RightsRequest.objects.get(subject=demo)
    assert client.get("/requests/").status_code == 200
    assert client.get("/requests/999999/").status_code == 404

    # Staff log in with their code, find the customer, open the queue and the
    # request, and ask for information; the customer answers; staff move it on.
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    staff = client_class_for(client)
    device = TOTPDevice.objects.get(user=officer)
    login = {"username": officer.email, "password": PASSWORD, "otp_token": totp_code(device)}
    assert staff.post("/admin/login/", login).status_code == 302
    assert staff.get("/admin/portal/user/subjects/", {"q": demo.email}).status_code == 200
    assert staff.get("/admin/portal/user/subjects/", {"q": demo.profile.phone}).status_code == 200
    assert staff.get(f"/admin/portal/user/{demo.pk}/personal-data/").status_code == 200
    assert staff.get("/admin/rights/rightsrequest/").status_code == 200
    assert staff.get(f"/admin/rights/rightsrequest/{filed.pk}/change/").status_code == 200
    transition = f"/admin/rights/rightsrequest/{filed.pk}/transition/"
    with capture(execute=True):
        staff.post(transition, {"to": "in_review"})
        staff.post(
            transition,
            {"to": "awaiting_customer", "reason": f"{demo.profile.full_name}様、請求書を"},
        )
    with capture(execute=True):
        client.post(f"/requests/{filed.pk}/", {"body": f"新しい番号は {NEW_PHONE} です。"})
    with capture(execute=True):
        staff.post(transition, {"to": "in_progress"})
    filed.refresh_from_db()
    assert filed.status == "in_progress"
    notices = [m for m in mail.outbox if m.to == [demo.email] and "R-" in m.subject]
    assert len(notices) >= 2  # received, information needed (and more)

    # The capture worked: the scenario left request lines behind.
    lines = captured_logs.json_lines()
    assert any(r["name"] == "django.request" and r["request_id"] != "-" for r in lines)

    everything = captured_logs.raw_json() + captured_logs.text()
    leaked = sorted(
        value
        for value in _personal_values(demo) | _personal_values(newcomer) | {NEW_PHONE}
        if value.lower() in everything.lower()
    )
    assert leaked == [], f"personal data in the logs: {leaked}"


def client_class_for(client):
    """A second, separate browser: the staff member's."""
    return type(client)()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker")
@pytest.mark.usefixtures("worker")
def test_a_task_queued_by_a_request_logs_under_the_requests_id(customer, captured_logs):
    """The id travels in the message to the real worker, and is gone after the task."""
    email_device_for(customer)
    client = Client()
    client.force_login(customer)
    response = client.post("/accounts/code/", {"send": "1"})
    assert response.status_code == 302
    request_id = response["X-Request-ID"]
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the code"

    def task_lines():
        return [
            r
            for r in captured_logs.json_lines()
            if r.get("task_name") == "portal.tasks.send_otp_email"
        ]

    assert wait_for(lambda: any("succeeded" in r["message"] for r in task_lines()))
    for line in task_lines():
        assert line["request_id"] == request_id
        assert line["task_id"]
    assert logs.current_request_id() is None


@pytest.mark.parametrize(
    "path, masked",
    [
        ("/downloads/dl-abc_DEF-123/", "/downloads/[token]/"),
        ("/requests/follow/eyJyIjoxfQ:1x:sig/", "/requests/follow/[token]/"),
        ("/requests/follow/eyJyIjoxfQ:1x:sig/download/", "/requests/follow/[token]/download/"),
        ("/requests/confirm-agent/12-abcdef0123/", "/requests/confirm-agent/[token]/"),
        ("/accounts/verify/MQ/c4x-abc123/", "/accounts/verify/[token]/[token]/"),
        ("/accounts/password/reset/MQ/c4x-abc/", "/accounts/password/reset/[token]/[token]/"),
        (
            "/accounts/password/reset/MQ/set-password/",
            "/accounts/password/reset/[token]/set-password/",
        ),
        ("/accounts/password/reset/done/", "/accounts/password/reset/done/"),
        ("/staff/authenticator/Mw/dj7mfv-95afa4/", "/staff/authenticator/[token]/[token]/"),
        ("/requests/12/documents/3/", "/requests/12/documents/3/"),
        (
            "GET /accounts/login/?next=/downloads/abc/ HTTP/1.1",
            "GET /accounts/login/?next=/downloads/[token]/ HTTP/1.1",
        ),
    ],
)
def test_link_tokens_are_masked_in_paths(path, masked):
    assert logs.mask_url_tokens(path) == masked


@pytest.mark.parametrize(
    "path, masked",
    [
        ("/requests/follow/eyJyIjoxfQ:forgedSECRET/", "/requests/follow/[token]/"),
        # A spent, replaced or expired staff authenticator link.
        ("/staff/authenticator/Mw/dj7-forgedSECRET/", "/staff/authenticator/[token]/[token]/"),
    ],
)
def test_djangos_not_found_line_names_the_path_without_its_token(client, path, masked):
    """A wrong or expired link is a 404, which Django logs with its path."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.UrlTokenFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        assert client.get(path).status_code == 404
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "forgedSECRET" not in text and masked in text


def test_an_unknown_host_is_one_warning_line_naming_the_host(client, caplog):
    """Scanners on a public address send any Host header: each is a warning, not an
    error with a traceback that pages whoever watches the errors."""
    with caplog.at_level(logging.INFO):
        response = client.get("/", HTTP_HOST="scanner.invalid")
    assert response.status_code == 400
    (record,) = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert record.levelno == logging.WARNING and record.levelname == "WARNING"
    assert record.exc_info is None and record.exc_text is None
    line = logs.JsonFormatter(logs.JSON_FIELDS).format(record)
    assert "\n" not in line
    assert json.loads(line)["level"] == "WARNING"
    assert "scanner.invalid" in json.loads(line)["message"]
    assert "Traceback" not in logging.Formatter(logs.TEXT_FORMAT).format(record)


@pytest.fixture
def configured_json_handler():
    """The console handler as the settings configure it (its filters), writing JSON."""
    config = logs.logging_config(log_format="json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter(logs.JSON_FIELDS))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(config["filters"][name]["()"]())
    root = logging.getLogger()
    root.addHandler(handler)
    celery_level = logging.getLogger("celery").level
    logging.getLogger("celery").setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    logging.getLogger("celery").setLevel(celery_level)


def test_a_mail_server_refusing_the_address_does_not_put_it_in_the_workers_log(
    configured_json_handler,
):
    """smtplib names the refused recipients in its error, and Celery's worker writes
    the error of each retry, and of the final failure with its traceback, into its
    lines (as it did: ``Retry in 57s: SMTPRecipientsRefused({'...@...': (550, ...)})``)."""
    import smtplib

    address = "hanako.yamada@example.jp"
    refused = smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 mailbox unavailable")})
    trace = logging.getLogger("celery.app.trace")
    # As celery.app.trace writes them: a format string and a dict of values.
    trace.info(
        "Task %(name)s[%(id)s] %(description)s: %(exc)s",
        {
            "name": "rights.tasks.send_request_notification",
            "id": "1",
            "description": "retry",
            "exc": f"Retry in 57s: {refused!r}",
        },
    )
    try:
        raise refused
    except smtplib.SMTPRecipientsRefused:
        trace.error(
            "Task %(name)s[%(id)s] %(description)s: %(exc)s",
            {
                "name": "rights.tasks.send_request_notification",
                "id": "1",
                "description": "raised unexpected",
                "exc": repr(refused),
            },
            exc_info=True,
        )
    lines = [json.loads(line) for line in configured_json_handler.getvalue().splitlines()]
    assert len(lines) == 2
    assert all("SMTPRecipientsRefused" in line["message"] for line in lines)  # still named
    assert "SMTPRecipientsRefused" in lines[1]["exc_info"]
    assert address not in configured_json_handler.getvalue()
    assert "hanako.yamada" not in configured_json_handler.getvalue()


def test_a_requests_lifecycle_is_logged_under_its_reference(
    customer, officer, captured_logs, django_capture_on_commit_callbacks
):
    """An operator follows a request through the web's and the worker's lines by its
    reference: filed, each change of status, each notice e-mailed."""
    from rights import workflow
    from rights.choices import Kind, Status
    from rights.services import request_file

    with django_capture_on_commit_callbacks(execute=True):  # the notices are mailed
        request = request_file(
            subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
        )
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    messages = [line["message"] for line in captured_logs.json_lines()]
    reference = request.reference
    assert f"request {reference} filed: disclosure, channel portal" in messages, messages
    assert f"request {reference}: submitted -> in_review" in messages, messages
    assert any(
        m.startswith(f"request {reference}: notice received") and m.endswith("e-mailed")
        for m in messages
    ), messages
    assert customer.email not in captured_logs.raw_json()


def test_the_workers_broker_line_keeps_the_brokers_address(configured_json_handler):
    """Celery writes the broker it connected to with the password as ``**``
    (``Connected to redis://:**@127.0.0.1:6379/13``); the address filter took
    ``**@127.0.0.1`` for an e-mail address and hid which server the worker uses.
    A host given by its IP address is no e-mail address; real ones stay masked."""
    logging.getLogger("celery.worker.consumer.connection").info(
        "Connected to %s", "redis://:**@127.0.0.1:6379/13"
    )
    logging.getLogger("celery.worker.consumer.connection").info(
        "Connected to %s", "redis://:**@[::1]:6379/13"
    )
    logging.getLogger("rights.tasks").info("sent to %s", "taro@mail.example.co.jp")
    lines = [json.loads(line) for line in configured_json_handler.getvalue().splitlines()]
    assert lines[0]["message"] == "Connected to redis://:**@127.0.0.1:6379/13"
    assert lines[1]["message"] == "Connected to redis://:**@[::1]:6379/13"
    assert lines[2]["message"] == "sent to [e-mail]"
