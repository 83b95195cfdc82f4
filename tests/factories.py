import datetime

import factory
from django.utils import timezone

from portal.kernel.models import Profile, Service, ServiceRegistration, User
from portal.records.models import Inquiry, Invoice, PaymentMethod, UsageRecord

PASSWORD = "correct-horse-battery-42"

#: The sign-up form as a new customer fills it in.
SIGNUP = {
    "email": "Hanako.Sato@Example.com",
    "full_name": "佐藤 花子",
    "password1": "a-long-enough-secret-77",
    "password2": "a-long-enough-secret-77",
    "accept_policy": "on",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    email_verified_at = factory.LazyFunction(timezone.now)
    language = "ja"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"山田 太郎{n}")


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"サービス{n}")
    name_en = factory.Sequence(lambda n: f"Service {n}")
    responsible = factory.SubFactory(StaffFactory)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRegistration

    user = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    member_number = factory.Sequence(lambda n: f"M-{n:06d}")
    plan = "スタンダード"
    started_on = datetime.date(2022, 4, 1)


class UsageRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageRecord

    user = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    occurred_at = factory.Sequence(lambda n: timezone.now() - datetime.timedelta(hours=n + 1))
    activity = UsageRecord.Activity.LOGIN
    detail = "iPhone"
    channel = UsageRecord.Channel.APP


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    user = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    number = factory.Sequence(lambda n: f"INV-T-{n:06d}")
    issued_on = datetime.date(2025, 4, 30)
    amount_jpy = 3300
    items = factory.LazyFunction(
        lambda: [{"name": "月額料金", "quantity": 1, "unit_price_jpy": 3300}]
    )


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod

    user = factory.SubFactory(UserFactory)
    brand = PaymentMethod.Brand.VISA
    last4 = "4242"
    exp_month = 8
    exp_year = 2029


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inquiry

    user = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    received_at = factory.LazyFunction(timezone.now)
    channel = Inquiry.Channel.EMAIL
    subject = "請求について"
    message = "先月の請求額を教えてください。"
