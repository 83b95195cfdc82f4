"""A new member of staff and the authenticator link a privacy officer issues them."""

import re

from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.models import User
from portal.kernel.roles import SERVICE_HANDLER
from tests.factories import PASSWORD

LINK = re.compile(r"https?://[^/\s\"<]+(/staff/authenticator/[\w-]+/[\w-]+/)")


def new_handler() -> User:
    """A member of staff as *Users › Add user* makes one: a password, a role, no device."""
    user = User.objects.create_user(email="new-handler@example.com", password=PASSWORD)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=SERVICE_HANDLER))
    return user


def issue(client, staff):
    """The officer's two POSTs: the confirmation (nothing changes), then the link."""
    url = reverse("admin:portal_user_enrolment", args=[staff.pk])
    devices = list(TOTPDevice.objects.filter(user=staff).values_list("pk", "confirmed"))
    asked = client.post(url)
    assert asked.status_code == 200
    assert list(TOTPDevice.objects.filter(user=staff).values_list("pk", "confirmed")) == devices
    return client.post(url, {"confirm": "1"})


def link_of(response) -> str:
    return LINK.search(response.content.decode()).group(1)
