"""Two services and the three staff roles, for the tests that read the admin as each."""

from portal.kernel.roles import AUDITOR, SERVICE_HANDLER
from portal.kernel.staff import staff_create
from tests.factories import PASSWORD, ServiceFactory


def services_and_staff() -> dict:
    """Services A and B; a privacy officer, a handler of service A only, and an auditor,
    each with the factories' ``PASSWORD`` and an authenticator."""
    service_a = ServiceFactory(code="svc-a", name="Service A")
    service_b = ServiceFactory(code="svc-b", name="Service B")
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    handler, _device, _ = staff_create(
        email="handler@example.com", role=SERVICE_HANDLER, password=PASSWORD, services=[service_a]
    )
    auditor, _device, _ = staff_create(email="auditor@example.com", role=AUDITOR, password=PASSWORD)
    return {
        "service_a": service_a,
        "service_b": service_b,
        "officer": officer,
        "handler": handler,
        "auditor": auditor,
    }
