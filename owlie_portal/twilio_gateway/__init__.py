"""The Twilio boundary: the only package in the portal that imports `twilio`.

Functions take plain values (a subaccount's credentials as a `records.SubaccountCredentials`, never a
model), return frozen dataclasses (`records`), and raise the `errors` family.
"""
