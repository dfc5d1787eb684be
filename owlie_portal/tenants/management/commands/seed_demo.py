"""Demo data for `make run`: "Owlie Notifications" with ~50 customers, their subaccounts, numbers,
a Messaging Service each and 13 months of usage, plus one demo login per role.

Runs against whatever TWILIO_BASE_URL points at, and refuses to run against real Twilio. Safe to run
again: existing tenants are kept, missing logins are created, the logins are printed every time.
"""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.roles import roles_sync
from owlie_portal.tenants.services.provisioning import API_KEY_NAME
from owlie_portal.twilio_gateway import accounts, messaging, phone_numbers

CUSTOMERS = [
    "Falcon Flights", "Heron Health", "Kestrel Kitchens", "Osprey Outfitters", "Puffin Pharmacy",
    "Raven Realty", "Sparrow Salons", "Toucan Travel", "Wren Wellness", "Albatross Auto",
    "Bluebird Bakery", "Cardinal Clinics", "Dove Dental", "Eagle Electric", "Finch Fitness",
    "Goldfinch Grocers", "Hawk Hardware", "Ibis Insurance", "Jay Jewelers", "Kite Kindergarten",
    "Lark Legal", "Magpie Motors", "Nightingale Nursing", "Oriole Optics", "Pelican Plumbing",
    "Quail Quilts", "Robin Rentals", "Swift Shipping", "Tern Tutoring", "Umbrella Bird Umbrellas",
    "Vireo Vets", "Warbler Wines", "Xenops Xpress", "Yellowhammer Yoga", "Zebra Finch Zoo",
    "Avocet Accounting", "Bunting Books", "Crane Construction", "Dunlin Deli", "Egret Events",
    "Flamingo Florists", "Grebe Garages", "Hoopoe Hotels", "Jacana Joinery", "Kingfisher Kayaks",
    "Lapwing Laundry", "Merlin Movers", "Nuthatch Nurseries", "Owlet Opticians", "Plover Pizza",
]
DEMO_USERS = [
    ("admin", "Administrators", True),
    ("support", "Support staff", False),
    ("manager", "Account managers", False),
    ("manager2", "Account managers", False),
]
DEMO_PASSWORD = "owlie-demo-2026"


class Command(BaseCommand):
    help = "Seed the Twilio sandbox and the portal with demo customers and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=len(CUSTOMERS))

    def handle(self, *args, customers: int, **options):
        if not settings.TWILIO_BASE_URL:
            raise CommandError("seed_demo only runs against the Twilio sandbox (TWILIO_BASE_URL is empty).")
        self._users()
        if not Tenant.objects.exists():
            # A fresh database beside an old sandbox snapshot: start the sandbox over too, or the old
            # subaccounts would all show up as drift.
            self._control("reset", {})
            self._parent_name()
            for index, name in enumerate(CUSTOMERS[:customers]):
                self._customer(index, name)
            self._legacy_subaccounts()
            self._spare_parent_numbers()
            self._control("usage/seed", {"months": 13, "seed": 99})  # the parent's own usage (billing)
            self.stdout.write(f"Seeded {customers} customers in the sandbox.")
        self._print_logins()

    def _users(self) -> None:
        roles_sync(apps)
        User = get_user_model()
        for username, role, superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "email": f"{username}@owlie.example"})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_superuser = superuser
                user.save()
            user.groups.add(Group.objects.get(name=role))

    def _parent_name(self) -> None:
        # The seed's story: the parent account is "Owlie Notifications".
        accounts.account_rename(sid=settings.TWILIO_ACCOUNT_SID, friendly_name="Owlie Notifications")

    @transaction.atomic
    def _customer(self, index: int, name: str) -> None:
        # Customers spread over the demo account managers (billing shows each their own); Falcon Flights is manager's.
        managers = [u for u, role, _ in DEMO_USERS if role == "Account managers"]
        tenant = Tenant(name=name, external_ref=f"OWL-{1000 + index}",
                        account_manager=get_user_model().objects.get(username=managers[index % len(managers)]))
        tenant.friendly_name = tenant.twilio_friendly_name()
        record = accounts.subaccount_create(friendly_name=tenant.friendly_name)
        key = accounts.api_key_create(account_sid=record.sid, friendly_name=API_KEY_NAME)
        tenant.subaccount_sid, tenant.auth_token = record.sid, record.auth_token
        tenant.api_key_sid, tenant.api_key_secret = key.sid, key.secret
        tenant.status, tenant.last_synced_at = Tenant.Status.ACTIVE, timezone.now()
        tenant.save()
        credentials = tenant_credentials(tenant)
        service = messaging.service_create(credentials=credentials, friendly_name=f"{name} notifications")
        service_row = MessagingService.objects.create(sid=service.sid, tenant=tenant,
                                                      friendly_name=service.friendly_name, is_default=True)
        for area_code in ("415", "212")[: 1 + index % 2]:
            number = phone_numbers.number_buy(account_sid=record.sid, area_code=area_code)
            PhoneNumber.objects.create(sid=number.sid, phone_number=number.phone_number, tenant=tenant,
                                       friendly_name=number.friendly_name, sms_capable=number.sms,
                                       mms_capable=number.mms, voice_capable=number.voice,
                                       messaging_service=service_row)
            messaging.service_add_number(credentials=credentials, service_sid=service.sid, number_sid=number.sid)
        self._control("usage/seed", {"account_sid": record.sid, "months": 13, "seed": index})
        if index % 12 == 5:  # a few customers are suspended, for the demo's filters
            accounts.subaccount_set_status(sid=record.sid, status="suspended")
            Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.SUSPENDED,
                                                       suspension_reason=Tenant.SuspensionReason.NON_PAYMENT)

    def _spare_parent_numbers(self) -> None:
        # Spare numbers in the parent account, to move to customers (issue 9's +1 415 874 0103 among them).
        wanted = ["+14158740103"] + [None] * 24
        for phone_number in wanted:
            number = phone_numbers.number_buy(account_sid=settings.TWILIO_ACCOUNT_SID, area_code="" if phone_number
                                              else "628", phone_number=phone_number or "")
            PhoneNumber.objects.create(sid=number.sid, phone_number=number.phone_number, tenant=None,
                                       friendly_name=number.friendly_name, sms_capable=number.sms,
                                       mms_capable=number.mms, voice_capable=number.voice)

    def _legacy_subaccounts(self) -> None:
        # Two subaccounts made outside the portal: "Import subaccounts from Twilio" picks them up.
        for name in ("Legacy Lark Logistics", "Legacy Loon Lending"):
            accounts.subaccount_create(friendly_name=name)

    def _control(self, path: str, form: dict) -> None:
        """The sandbox's control API (not Twilio's): seeds history only a simulator can have."""
        data = urlencode(form).encode()
        request = urllib.request.Request(f"{settings.TWILIO_BASE_URL}/_sandbox/{path}", data=data, method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            json.loads(answer.read() or b"null")

    def _print_logins(self) -> None:
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for username, role, _ in DEMO_USERS:
            self.stdout.write(f"  {role:<17} {username}")
