"""Demo business data: services, customers and years of their records.

Called by ``manage.py seed_demo``. Everything is derived from a fixed seed per
customer, so two fresh databases get the same data; a customer who already has
registrations is left alone, so running it again adds nothing. Rows are
written with bulk_create (a few thousand per customer, in one statement per
thousand), which keeps the command fast on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from portal.kernel.models import Profile, Service, ServiceRegistration, User

from .models import Inquiry, Invoice, PaymentMethod, UsageRecord

BATCH_SIZE = 1000

SERVICES = [
    # code, Japanese name, its reading where it has kanji, English name, description
    ("mobile", "スマイルモバイル", "", "Smile Mobile", "Mobile phone contracts: calls and data."),
    ("hikari", "ひかり光回線", "ヒカリヒカリカイセン", "Hikari Fibre", "Home fibre internet."),
    ("video", "シネマプラス", "", "Cinema Plus", "Video streaming service."),
    ("store", "スマイルストア", "", "Smile Store", "Online shop."),
    ("points", "スマイルポイントクラブ", "", "Smile Points Club", "Loyalty points programme."),
]


@dataclass(frozen=True)
class DemoCustomer:
    email: str
    language: str
    full_name: str
    full_name_kana: str
    postal_code: str
    address: str
    phone: str
    date_of_birth: datetime.date
    gender: str
    occupation: str
    industry: str
    # service code -> (started, ended or None)
    services: dict[str, tuple[datetime.date, datetime.date | None]]


D = datetime.date

CUSTOMERS = [
    DemoCustomer(
        "sato.kenichi@example.com", "ja", "佐藤 健一", "サトウ ケンイチ", "530-0001",
        "大阪府大阪市北区梅田3-1-3", "06-6345-1200", D(1975, 11, 3), "male", "自営業", "飲食",
        {"mobile": (D(2019, 7, 1), None), "points": (D(2019, 7, 1), None)},
    ),
    DemoCustomer(
        "suzuki.misaki@example.com", "ja", "鈴木 美咲", "スズキ ミサキ", "460-0008",
        "愛知県名古屋市中区栄3-5-1", "052-261-0456", D(1995, 2, 20), "female", "学生", "教育",
        {"video": (D(2023, 4, 1), None), "store": (D(2022, 12, 1), None)},
    ),
    DemoCustomer(
        "takahashi.sho@example.com", "ja", "高橋 翔", "タカハシ ショウ", "812-0012",
        "福岡県福岡市博多区博多駅中央街1-1", "092-431-7788", D(1990, 7, 7), "male",
        "エンジニア", "情報通信",
        {"hikari": (D(2021, 3, 1), None), "mobile": (D(2021, 3, 1), D(2024, 2, 29))},
    ),
    DemoCustomer(
        "tanaka.yumi@example.com", "ja", "田中 由美", "タナカ ユミ", "060-0005",
        "北海道札幌市中央区北5条西2-5", "011-209-3344", D(1982, 9, 30), "female", "看護師",
        "医療",
        {"points": (D(2020, 1, 15), None), "store": (D(2020, 1, 15), None)},
    ),
    DemoCustomer(
        "emily.carter@example.com", "en", "Emily Carter", "", "106-0032",
        "6-10-1 Roppongi, Minato-ku, Tokyo", "+81 3-4567-8901", D(1987, 5, 14), "female",
        "Designer", "Advertising",
        {"mobile": (D(2022, 6, 1), None), "video": (D(2022, 6, 1), None)},
    ),
    DemoCustomer(
        "michael.brown@example.com", "en", "Michael Brown", "", "150-0043",
        "2-24-12 Dogenzaka, Shibuya-ku, Tokyo", "+81 80-2345-6789", D(1979, 12, 1), "male",
        "Consultant", "Finance",
        {"hikari": (D(2020, 10, 1), None), "store": (D(2021, 2, 1), D(2023, 8, 31))},
    ),
    DemoCustomer(
        "olivia.wilson@example.com", "en", "Olivia Wilson", "", "220-0012",
        "2-2-1 Minatomirai, Nishi-ku, Yokohama, Kanagawa", "+81 45-222-3333",
        D(1998, 3, 25), "female", "Graduate student", "Education",
        {"video": (D(2024, 9, 1), None)},
    ),
    # Customers of the officer's services only (fibre, points): the demo handler
    # (mobile, video, store) does not see them, which shows the handler's scope.
    DemoCustomer(
        "watanabe.kaori@example.com", "ja", "渡辺 香織", "ワタナベ カオリ", "980-0021",
        "宮城県仙台市青葉区中央1-1-1", "022-214-5566", D(1984, 6, 18), "female", "公務員",
        "公務",
        {"hikari": (D(2018, 11, 1), None), "points": (D(2018, 11, 1), None)},
    ),
    DemoCustomer(
        "james.taylor@example.com", "en", "James Taylor", "", "604-8005",
        "251 Kiyamachi-dori, Nakagyo-ku, Kyoto", "+81 75-211-4455", D(1992, 10, 2), "male",
        "Teacher", "Education",
        {"points": (D(2023, 1, 20), None)},
    ),
]  # fmt: skip

#: Seeded customers whom the demo handler does not see (no service of theirs).
OUT_OF_HANDLER_SCOPE = ("watanabe.kaori@example.com", "james.taylor@example.com")

# The demo customer (created by seed_demo) uses every service, some for years.
DEMO_CUSTOMER_SERVICES = {
    "points": (D(2020, 6, 1), None),
    "mobile": (D(2021, 4, 1), None),
    "store": (D(2021, 5, 1), D(2023, 3, 31)),
    "hikari": (D(2021, 9, 15), None),
    "video": (D(2022, 1, 10), None),
}

TITLES = {
    "ja": [
        "ドラマ「東京の夜」第%d話",
        "映画「春の約束」",
        "アニメ「空の旅人」第%d話",
        "ドキュメンタリー「日本の職人」",
    ],
    "en": [
        "Drama 'Tokyo Nights' ep. %d",
        "Film 'Promise of Spring'",
        "Anime 'Sky Traveller' ep. %d",
        "Documentary 'Craftspeople of Japan'",
    ],
}
PRODUCTS = {
    "ja": [
        ("ワイヤレスイヤホン", 8800),
        ("モバイルバッテリー", 3980),
        ("USB-Cケーブル", 1280),
        ("スマホケース", 2480),
        ("保護フィルム", 980),
    ],
    "en": [
        ("Wireless earphones", 8800),
        ("Power bank", 3980),
        ("USB-C cable", 1280),
        ("Phone case", 2480),
        ("Screen protector", 980),
    ],
}
MONTHLY_FEE = {
    # service: (item name ja, item name en, yen incl. tax)
    "mobile": ("基本料金（ベーシックプラン）", "Basic plan", 3278),
    "hikari": ("光回線 月額料金", "Fibre monthly fee", 5720),
    "video": ("シネマプラス 月額会員", "Cinema Plus membership", 990),
}
PLANS = {
    "mobile": "ベーシック 20GB",
    "hikari": "ファミリー 1ギガ",
    "video": "スタンダード",
    "store": "",
    "points": "ゴールド会員",
}  # fmt: skip


def seed_business_demo(*, demo_customer: User, officer: User, handler: User) -> dict[str, int]:
    """Services, the demo customers and their records; returns rows created per model."""
    services = _services(officer=officer, handler=handler)
    created: dict[str, int] = {}
    people = [(demo_customer, DEMO_CUSTOMER_SERVICES)]
    for spec in CUSTOMERS:
        people.append((_customer(spec), spec.services))
    for user, plan in people:
        if _seeded_before(user):
            continue  # running again adds nothing
        for model, rows in _records(user, plan, services).items():
            model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            created[model.__name__] = created.get(model.__name__, 0) + len(rows)
    return created


def _seeded_before(user: User) -> bool:
    """Whether the user has any demo record left: an erasure may have removed the
    registrations and usage while the invoices stay under the tax rule, and new
    invoices would repeat their numbers."""
    return any(
        model.objects.filter(user=user).exists()
        for model in (ServiceRegistration, Invoice, UsageRecord, PaymentMethod, Inquiry)
    )


def _services(*, officer: User, handler: User) -> dict[str, Service]:
    services = {}
    for code, name, name_kana, name_en, description in SERVICES:
        responsible = handler if code in ("video", "store") else officer
        service, _created = Service.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_kana": name_kana,
                "name_en": name_en,
                "description": description,
                "responsible": responsible,
            },
        )
        services[code] = service
    # The handler also works on mobile requests, next to the officer.
    services["mobile"].handlers.add(handler)
    return services


def _customer(spec: DemoCustomer) -> User:
    user = User.objects.filter(email__iexact=spec.email).first()
    if user is None:
        user = User.objects.create_user(
            email=spec.email,
            password=None,  # demo customers other than demo@example.com do not log in
            email_verified_at=timezone.now(),
            language=spec.language,
        )
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "full_name": spec.full_name,
            "full_name_kana": spec.full_name_kana,
            "postal_code": spec.postal_code,
            "address": spec.address,
            "phone": spec.phone,
            "date_of_birth": spec.date_of_birth,
            "gender": spec.gender,
            "occupation": spec.occupation,
            "industry": spec.industry,
        },
    )
    return user


def _records(user: User, plan: dict, services: dict[str, Service]) -> dict[type, list]:
    rng = random.Random(f"rights-portal-demo:{user.email}")
    lang = "en" if user.language == "en" else "ja"
    today = timezone.localdate()
    rows: dict[type, list] = {
        ServiceRegistration: [],
        UsageRecord: [],
        Invoice: [],
        PaymentMethod: [],
        Inquiry: [],
    }
    first_start = min(started for started, _ended in plan.values())
    for number, (code, (started, ended)) in enumerate(sorted(plan.items()), start=1):
        service = services[code]
        rows[ServiceRegistration].append(
            ServiceRegistration(
                user=user,
                service=service,
                member_number=f"{code[:2].upper()}-{user.pk:05d}-{number:02d}",
                plan=PLANS[code],
                started_on=started,
                ended_on=ended,
            )
        )
        last = min(ended or today, today)
        rows[UsageRecord] += _usage(rng, user, service, started, last, lang)
        rows[Invoice] += _invoices(rng, user, service, started, last, lang)
    for brand, last4, added in _cards(rng, first_start):
        rows[PaymentMethod].append(
            PaymentMethod(
                user=user,
                brand=brand,
                last4=last4,
                exp_month=rng.randint(1, 12),
                exp_year=today.year + rng.randint(1, 4),
                added_at=_at(added, 12, 0),
            )
        )
    rows[Inquiry] += _inquiries(rng, user, services, plan, lang, today)
    return rows


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def _usage(rng, user, service, start, end, lang) -> list[UsageRecord]:
    """A plausible rhythm per service: calls and data, streams, purchases, points."""
    A, C = UsageRecord.Activity, UsageRecord.Channel
    records = []
    for day in _days(start, end):
        events = []
        if service.code == "mobile" and rng.random() < 0.45:
            if rng.random() < 0.5:
                minutes = rng.randint(1, 25)
                call = f"{minutes}分" if lang == "ja" else f"{minutes} min"
                events.append((A.CALL, C.NETWORK, call))
            else:
                events.append((A.DATA, C.NETWORK, f"{rng.randint(50, 2400) / 1000:.2f} GB"))
        elif service.code == "video" and rng.random() < 0.55:
            title = rng.choice(TITLES[lang])
            events.append((A.VIEW, rng.choice([C.APP, C.WEB]), _fill(title, rng)))
        elif service.code == "hikari" and rng.random() < 0.05:
            events.append((A.LOGIN, C.WEB, "マイひかり" if lang == "ja" else "My Hikari"))
        elif service.code == "store" and rng.random() < 0.08:
            product, _price = rng.choice(PRODUCTS[lang])
            events.append((A.SEARCH, C.WEB, product))
            events.append((A.PURCHASE, C.WEB, product))
        elif service.code == "points" and rng.random() < 0.15:
            points = rng.choice([30, 50, 120, 200, -500])
            events.append((A.POINTS, rng.choice([C.STORE, C.APP]), f"{points:+d} pt"))
        for activity, channel, detail in events:
            records.append(
                UsageRecord(
                    user=user,
                    service=service,
                    occurred_at=_at(day, rng.randint(7, 23), rng.randint(0, 59)),
                    activity=activity,
                    detail=detail,
                    channel=channel,
                    ip_address=None
                    if channel in (C.NETWORK, C.STORE)
                    else f"203.0.113.{rng.randint(1, 254)}",
                )
            )
    return records


def _fill(title: str, rng) -> str:
    return title % rng.randint(1, 12) if "%d" in title else title


def _month_ends(start: datetime.date, end: datetime.date):
    year, month = start.year, start.month
    while True:
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        last_day = following - datetime.timedelta(days=1)
        if last_day > end:
            return
        yield last_day
        year, month = following.year, following.month


def _invoices(rng, user, service, start, end, lang) -> list[Invoice]:
    invoices = []
    if service.code in MONTHLY_FEE:
        name_ja, name_en, fee = MONTHLY_FEE[service.code]
        for month_end in _month_ends(start, end):
            items = [{"name": name_en if lang == "en" else name_ja, "quantity": 1,
                      "unit_price_jpy": fee}]  # fmt: skip
            if service.code == "mobile" and rng.random() < 0.4:
                minutes = rng.randint(5, 120)
                items.append(
                    {
                        "name": "Call charges (per 30 s)" if lang == "en" else "通話料（30秒ごと）",
                        "quantity": minutes * 2,
                        "unit_price_jpy": 22,
                    }
                )
            invoices.append(_invoice(user, service, month_end, items, suffix=""))
    elif service.code == "store":
        for number, day in enumerate(_days(start, end)):
            if rng.random() < 0.03:
                product, price = rng.choice(PRODUCTS[lang])
                items = [{"name": product, "quantity": rng.randint(1, 2), "unit_price_jpy": price}]
                invoices.append(_invoice(user, service, day, items, suffix=f"-{number}"))
    return invoices


def _invoice(user, service, day, items, *, suffix) -> Invoice:
    return Invoice(
        user=user,
        service=service,
        number=f"INV-{day:%Y%m%d}-{service.code[:3].upper()}-{user.pk:05d}{suffix}",
        issued_on=day,
        amount_jpy=sum(item["quantity"] * item["unit_price_jpy"] for item in items),
        items=items,
    )


def _cards(rng, since: datetime.date):
    brands = [PaymentMethod.Brand.VISA, PaymentMethod.Brand.JCB, PaymentMethod.Brand.MASTERCARD]
    count = 2 if rng.random() < 0.4 else 1
    for index in range(count):
        added = since + datetime.timedelta(days=200 * index)
        yield rng.choice(brands), f"{rng.randint(0, 9999):04d}", added


INQUIRIES = {
    # service (None: general), subject, message, reply ("" while unanswered)
    "ja": [
        (
            "mobile",
            "機種変更の手続きについて",
            "機種変更をしたいのですが、店舗に行く必要はありますか。",
            "オンラインでもお手続きいただけます。マイページの「機種変更」からお進みください。",
        ),
        (
            "video",
            "二重に請求されています",
            "今月の請求が2回計上されているようです。確認をお願いします。",
            "ご迷惑をおかけしました。重複分は次回の請求で返金いたします。",
        ),
        (None, "住所変更の方法", "引っ越したので登録住所を変更したいです。", ""),
        (
            "hikari",
            "通信速度が遅い",
            "夜になると通信速度が極端に遅くなります。",
            "回線の混雑状況を確認しました。ルーターの再起動をお試しください。",
        ),
    ],
    "en": [
        (
            "mobile",
            "Roaming while abroad",
            "Will my plan work in Singapore next month?",
            "Yes, roaming is included; daily charges apply from the first data use.",
        ),
        (
            "video",
            "Subtitles in English",
            "Can I switch subtitles to English on the TV app?",
            "Yes: open Settings, then Subtitles, and choose English.",
        ),
        (None, "Change of address", "I moved; how do I update my address?", ""),
        (
            "hikari",
            "Router replacement",
            "My router keeps restarting.",
            "We are sending a replacement router; it should arrive within three days.",
        ),
    ],
}


def _inquiries(rng, user, services, plan, lang, today) -> list[Inquiry]:
    inquiries = []
    for code, subject, message, reply in INQUIRIES[lang]:
        if code is not None and code not in plan:
            continue
        if rng.random() < 0.35:
            continue
        started = plan[code][0] if code else min(s for s, _e in plan.values())
        received = started + datetime.timedelta(
            days=rng.randint(30, max(31, (today - started).days))
        )
        received_at = _at(min(received, today), rng.randint(9, 18), rng.randint(0, 59))
        inquiries.append(
            Inquiry(
                user=user,
                service=services[code] if code else None,
                received_at=received_at,
                channel=rng.choice(list(Inquiry.Channel)),
                subject=subject,
                message=message,
                reply=reply,
                replied_at=received_at + datetime.timedelta(days=1) if reply else None,
            )
        )
    return inquiries
