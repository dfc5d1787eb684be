"""One module per Twilio resource; each exposes ``register(router, sandbox)``."""
