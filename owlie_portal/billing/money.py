"""Rebilling arithmetic, in Decimal cents: every column of the export adds up to the page's totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")


def cents(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(CENT, rounding=ROUND_HALF_UP)


def default_markup() -> Decimal:
    return Decimal(settings.BILLING_DEFAULT_MARKUP_PERCENT)


@dataclass(frozen=True)
class Invoice:
    twilio_cost: Decimal
    markup_percent: Decimal
    markup: Decimal
    fee: Decimal

    @property
    def amount(self) -> Decimal:
        return self.twilio_cost + self.markup + self.fee

    @classmethod
    def of(cls, *, cost: Decimal | None, markup_percent: Decimal | None, fee: Decimal | None) -> "Invoice":
        cost_cents = cents(cost)
        percent = default_markup() if markup_percent is None else markup_percent
        return cls(twilio_cost=cost_cents, markup_percent=percent, markup=cents(cost_cents * percent / 100),
                   fee=cents(fee))
