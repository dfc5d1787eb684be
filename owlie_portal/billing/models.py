"""Usage as Twilio estimates it, and each tenant's billing settings. Data and constraints only."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

MONEY = {"max_digits": 18, "decimal_places": 6}
AMOUNT = {"max_digits": 20, "decimal_places": 4}


class UsageRecord(models.Model):
    """One Usage Record: an account's category over one day or one month (Twilio's estimate)."""

    class Scope(models.TextChoices):
        TENANT = "tenant", "Tenant's subaccount"
        PARENT_OWN = "parent_own", "Parent account's own usage"
        # IncludeSubaccounts=true at the parent: only used to reconcile the month overview's total.
        PARENT_ALL = "parent_all", "Parent account with all subaccounts"

    class Period(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"

    # No index of its own: billing_tenant_month_idx starts with it (one index less to keep per row written,
    # 131,000 rows in a 1,000-tenant backfill).
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="usage_records", db_index=False)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.TENANT)
    account_sid = models.CharField(max_length=34)
    category = models.CharField(max_length=80)
    period = models.CharField(max_length=5, choices=Period.choices)
    month = models.DateField(help_text="First day of the month the period falls in.")
    start = models.DateField()
    end = models.DateField()
    count = models.DecimalField(**AMOUNT)
    count_unit = models.CharField(max_length=40, blank=True)
    usage = models.DecimalField(**AMOUNT)
    usage_unit = models.CharField(max_length=40, blank=True)
    price = models.DecimalField(**MONEY)
    price_unit = models.CharField(max_length=8, blank=True)
    as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month", "start", "category"]
        verbose_name = "usage (month overview)"
        verbose_name_plural = "usage (month overview)"
        constraints = [
            models.UniqueConstraint(fields=["scope", "account_sid", "period", "start", "category"],
                                    name="billing_one_record_per_period")
        ]
        indexes = [
            models.Index(fields=["tenant", "period", "month"], name="billing_tenant_month_idx"),
            models.Index(fields=["period", "month", "category"], name="billing_month_cat_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.start} ({self.period}): {self.price} {self.price_unit}"


class BillingProfile(models.Model):
    """A tenant's rebilling settings and spend cap, with what the cap has already done this month."""

    class CapPolicy(models.TextChoices):
        NOTIFY = "notify", "Warn the account manager only"
        SUSPEND = "suspend", "Warn, and suspend the subaccount when the cap is crossed"

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="billing_profile")
    markup_percent = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
        help_text="Added to Twilio's cost when rebilling. Empty: the portal's default (BILLING_DEFAULT_MARKUP_PERCENT).")
    monthly_fee = models.DecimalField(
        "monthly platform fee", max_digits=12, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))])
    spend_cap = models.DecimalField(
        "monthly spend cap", max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Twilio's estimated cost per month (USD) at which the cap policy applies. Empty: no cap.")
    warning_percent = models.PositiveSmallIntegerField(
        "warning level (% of the cap)", default=80, validators=[MinValueValidator(1), MaxValueValidator(100)])
    cap_policy = models.CharField(max_length=10, choices=CapPolicy.choices, default=CapPolicy.NOTIFY)
    # The month (first day) whose warning was sent / whose cap suspended the subaccount: never twice a month.
    warned_month = models.DateField(null=True, blank=True)
    capped_month = models.DateField(null=True, blank=True)
    usage_synced_at = models.DateTimeField(null=True, blank=True)
    usage_sync_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "billing settings"
        verbose_name_plural = "billing settings"

    def __str__(self) -> str:
        return f"Billing settings of {self.tenant}"
