"""Load: customers log in with the e-mailed code, read their data, file and read
requests; staff log in with their authenticator code and open the queue.

Started by run.py (``make load``), which sets ``LOAD_CREDENTIALS`` (the logins
setup_data.py wrote) and ``LOAD_MAIL_DIR`` (where the file e-mail backend of the
web and worker processes puts each message). Requests go to gunicorn as from
the TLS-terminating proxy in production: ``X-Forwarded-Proto: https``, so the
production settings (HTTPS-only cookies, SSL redirect, CSRF referer checks) stay
as they are.
"""

import email
import hashlib
import hmac
import itertools
import json
import os
import re
import struct
import time
from email import policy
from pathlib import Path

from locust import HttpUser, between, events, task

CREDENTIALS = json.loads(Path(os.environ["LOAD_CREDENTIALS"]).read_text())
MAIL_DIR = Path(os.environ["LOAD_MAIL_DIR"])
CODE_COOLDOWN = 31  # seconds between two e-mailed codes to one device (the setting is 30)
_customers = itertools.cycle(CREDENTIALS["customers"])
_staff = itertools.cycle(CREDENTIALS["staff"])


class Mailbox:
    """The newest code mailed to each address, read from the file e-mail backend."""

    def __init__(self, directory: Path):
        self.directory = directory
        # Bytes read per file: Django's file backend appends to a file whose
        # name (time and object id) comes round again, so a file can grow.
        self.read: dict[str, int] = {}
        self.codes: dict[str, tuple[float, str]] = {}

    def _read_new(self):
        for entry in os.scandir(self.directory):
            if not entry.name.endswith(".log") or self.read.get(entry.name) == entry.stat().st_size:
                continue
            raw = Path(entry.path).read_bytes()
            if not raw.rstrip().endswith(b"-" * 79):
                continue  # still being written
            self.read[entry.name] = len(raw)
            for part in raw.split(b"-" * 79):
                if not part.strip():
                    continue
                message = email.message_from_bytes(part.strip(), policy=policy.default)
                body = message.get_body(("plain",))
                match = re.search(r"\b(\d{6})\b", body.get_content() if body else "")
                if match:
                    self.codes[str(message["To"]).lower()] = (entry.stat().st_mtime, match[1])

    def code_for(self, address: str, sent_after: float, timeout: float = 30.0) -> str | None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            self._read_new()
            found = self.codes.get(address.lower())
            if found and found[0] >= sent_after:
                return found[1]
            time.sleep(0.2)
        return None


MAILBOX = Mailbox(MAIL_DIR)


def totp(hex_key: str, at: float | None = None) -> str:
    """RFC 6238: the 6-digit code for a 30-second step, as authenticator apps show it."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


class PortalUser(HttpUser):
    abstract = True
    #: Users whose start (their login) is over, in this locust process.
    started = 0

    def on_start(self):
        https_host = self.host.replace("http://", "https://", 1)
        self.client.headers.update({"X-Forwarded-Proto": "https", "Referer": f"{https_host}/"})

    def started_up(self):
        """Called at the end of each user's start: once every user has logged in, the
        figures start afresh. ``--reset-stats`` starts them when the last user is
        spawned, while the last ones are still logging in (a login hashes a
        password: a burst of them is no steady load)."""
        PortalUser.started += 1
        runner = self.environment.runner
        if runner is not None and PortalUser.started == runner.target_user_count:
            runner.stats.reset_all()

    def _send_secure_cookies(self):
        """The HTTPS-only cookies go over this connection: it stands for the proxy's HTTPS one."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def post(self, path, data, name=None, expect=(302,), showing=None):
        """POST; a failure unless the status is in ``expect`` (and the page holds ``showing``)."""
        self._send_secure_cookies()
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(
            path, data=data, name=name or path, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{path}: status {response.status_code}")
            elif showing and showing not in response.text:
                response.failure(f"{path}: no {showing!r} on the page")
            return response

    def get(self, path, name=None, landing=None):
        """GET, following redirects; a failure unless it ends 200 on ``landing`` (``path``)."""
        self._send_secure_cookies()
        landing = landing or path.partition("?")[0]
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.url is None:
                # No answer at all (e.g. cut off when locust stops): locust records the
                # connection's error as the failure itself.
                return response
            landed = response.url.split("://", 1)[-1].partition("/")[2]
            if response.status_code != 200 or not f"/{landed}".startswith(landing):
                response.failure(f"{path}: status {response.status_code} at /{landed}")
            return response


class LoggedInCustomer(PortalUser):
    """A customer who logs in with password and e-mailed code when starting."""

    abstract = True

    def on_start(self):
        super().on_start()
        self.account = next(_customers)
        self.request_ids: list[str] = []
        self.last_code_at = 0.0
        self.log_in()
        self.started_up()

    def log_in(self):
        self.get("/accounts/login/")
        self.post(
            "/accounts/login/",
            {"username": self.account["email"], "password": self.account["password"]},
        )
        self.get("/accounts/code/?next=/my-data/", name="/accounts/code/")
        sent_at = time.time() - 1
        self.post(
            "/accounts/code/", {"send": "1", "next": "/my-data/"}, name="/accounts/code/ send"
        )
        self.last_code_at = time.time()
        code = MAILBOX.code_for(self.account["email"], sent_at)
        if code is None:
            events.request.fire(
                request_type="MAIL",
                name="code e-mail",
                response_time=30000,
                response_length=0,
                exception=RuntimeError("no code e-mail within 30 s"),
                context={},
            )
            return
        self.post(
            "/accounts/code/",
            {"token": code, "verify": "1", "next": "/my-data/"},
            name="/accounts/code/ verify",
        )


class Customer(LoggedInCustomer):
    weight = 9
    wait_time = between(1, 3)

    @task(4)
    def my_data(self):
        self.get("/my-data/")

    @task(3)
    def my_requests(self):
        response = self.get("/requests/")
        self.request_ids = re.findall(r'href="/requests/(\d+)/"', response.text)

    @task(2)
    def read_a_request(self):
        if self.request_ids:
            self.get(f"/requests/{self.request_ids[0]}/", name="/requests/[id]/")

    @task(1)
    def file_a_request(self):
        self.get("/requests/new/purpose_notice/")
        answers = {
            "delivery_method": "electronic",
            "details": "Load test: which purposes do you use my data for?",
            "confirm_duplicate": "on",
        }
        # As a customer files: the form, its summary to check, then "File this request".
        self.post(
            "/requests/new/purpose_notice/",
            {**answers, "step": "review"},
            name="/requests/new/purpose_notice/ review",
            expect=(200,),
            showing='value="file"',
        )
        response = self.post(
            "/requests/new/purpose_notice/",
            {**answers, "step": "file"},
            name="/requests/new/purpose_notice/ file",
        )
        location = response.headers.get("Location", "")
        if re.search(r"/requests/\d+/$", location):
            self.get(location, name="/requests/[id]/")

    @task(1)
    def home(self):
        self.get("/")

    @task(2)
    def health(self):
        """The baseline of the table: the cheapest page, under the same load."""
        self.get("/healthz")

    @task(1)
    def log_out_and_in_again(self):
        if time.time() - self.last_code_at < CODE_COOLDOWN:
            return self.my_data()
        self.post("/accounts/logout/", {})
        self.log_in()


def on_schedule(per_second: float, catch_up: float = 1.0):
    """A wait time that starts tasks ``per_second`` times a second on a fixed schedule.

    Locust's ``constant_throughput`` waits what is left of each interval after
    the task, so every late wake-up (the load generator shares the CPU with the
    server) is lost for good: 25 users offered about 95 pages a second, not
    100. Here each start is due one interval after the previous one was due, so
    a late start is made up; a user more than ``catch_up`` seconds behind (a
    slow server) starts again from now instead of sending a burst.
    """
    interval = 1.0 / per_second

    def wait_time(user) -> float:
        now = time.monotonic()
        due = getattr(user, "_schedule_due", now) + interval
        if due < now - catch_up:
            due = now
        user._schedule_due = due
        return max(0.0, due - now)

    return wait_time


class MyDataReader(LoggedInCustomer):
    """The throughput scenario (``run.py --scenario my-data``): logged-in customers
    reading "my data" again and again, with /healthz beside it as the baseline.

    Each user starts a page every 0.2 s on a fixed schedule (or when the last
    one has come back), in a fixed turn of four "my data" pages and one
    /healthz: N users offer exactly 4N "my data" pages a second (a weighted
    random choice would offer it only on average, and a goal equal to the
    offered rate would then be met or missed by chance). run.py names the
    classes of each scenario, so this one never joins the mixed one.
    """

    wait_time = on_schedule(5)
    TURN = ("/my-data/",) * 4 + ("/healthz",)

    def on_start(self):
        super().on_start()
        self.turn = itertools.cycle(self.TURN)

    @task
    def read(self):
        self.get(next(self.turn))


class Staff(PortalUser):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        super().on_start()
        self.account = next(_staff)
        self.change_paths: list[str] = []
        self.get("/admin/login/")
        self.post(
            "/admin/login/",
            {
                "username": self.account["email"],
                "password": self.account["password"],
                "otp_token": totp(self.account["totp_key"]),
            },
        )
        self.started_up()

    @task(5)
    def queue(self):
        response = self.get("/admin/rights/rightsrequest/")
        self.change_paths = re.findall(
            r'href="(/admin/rights/rightsrequest/\d+/change/)', response.text
        )

    @task(2)
    def queue_submitted(self):
        self.get(
            "/admin/rights/rightsrequest/?status__exact=submitted",
            name="/admin/rights/rightsrequest/?status",
        )

    @task(2)
    def open_a_request(self):
        if self.change_paths:
            self.get(self.change_paths[0], name="/admin/rights/rightsrequest/[id]/change/")

    @task(1)
    def admin_home(self):
        self.get("/admin/")
