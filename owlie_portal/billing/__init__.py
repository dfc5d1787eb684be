"""Billing: each tenant's usage as Twilio estimates it (Usage Records), per month and per day; who sees
which customers; the rebilling export with markup and fee; spend caps that warn and may suspend.

The figures are Twilio's estimates (the invoice is authoritative). Money is Decimal end to end.
"""
