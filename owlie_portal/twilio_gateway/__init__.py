"""The Twilio boundary: the only package in the portal that imports `twilio`.

Functions take plain values, return frozen dataclasses (`records`), and raise the `errors` family.
"""
