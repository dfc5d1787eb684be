"""twilio_sandbox — a stateful local Twilio that the unmodified ``twilio`` client talks to over HTTP.

It serves both Twilio hosts' path spaces on one port: ``/2010-04-01/…``
(api.twilio.com) and ``/v1/…`` (messaging.twilio.com), in Twilio's own wire
format (form-encoded requests, Basic auth, RFC 2822 dates in 2010 resources,
``%Y-%m-%dT%H:%M:%SZ`` in v1, ``XX`` + 32 hex SIDs, both paging shapes, legacy
error bodies ``{code, message, more_info, status}``). Standard library only;
it imports nothing from the portal. Facts come from
``docs/twilio-behaviour.md`` (cited as §n) and Twilio's OpenAPI specs (twilio/twilio-oai).

Running it
----------
``python -m twilio_sandbox [--host 127.0.0.1] [--port 8765] [--account-sid AC…]
[--auth-token …] [--snapshot FILE] [--max-subaccounts N]``

Creates the parent account and serves until SIGINT/SIGTERM, after printing
``Twilio sandbox listening on http://127.0.0.1:8765 (parent AC…)``. Credentials
default to ``TWILIO_ACCOUNT_SID`` / ``TWILIO_AUTH_TOKEN`` from the environment,
else to the well-known demo pair::

    account SID  AC00000000000000000000000000000000
    auth token   00000000000000000000000000000000

``--snapshot FILE`` loads the state from FILE at start (if it exists and was
written for the same parent SID) and writes it back on shutdown, so ``make
run`` keeps its demo between restarts. The parent's token always comes from
the command line.

In-process (tests)::

    from twilio_sandbox.testing import running_sandbox
    with running_sandbox(record_exchanges=True) as sb:     # free port, own thread
        client = sb.client()                                # twilio.rest.Client, parent creds
        sub = client.api.v2010.accounts.create(friendly_name="Acme")
        sb.client(sub.sid, sub.auth_token).messaging.v1.services.create(friendly_name="x")
        sb.control("faults", p_429=0.1, seed=1)             # control API helper
        sb.exchange_log                                     # recorded request/response pairs

``sb.client()`` uses ``SandboxHttpClient``, a ``TwilioHttpClient`` that
rewrites ``https://api.twilio.com`` and ``https://messaging.twilio.com`` to the
sandbox URL (docs/twilio-behaviour.md §9), so v1 ``meta.next_page_url`` keeps Twilio's real host.
Keep ``TWILIO_EDGE`` / ``TWILIO_REGION`` unset: the client would mangle the host.

Speed: with no fault configured one request round-trips in about 1 ms
(TCP_NODELAY, HTTP/1.1 keep-alive, headers and body in one ``sendall``);
``benchmarks/sandbox_throughput.py`` measures it.

Control API (not Twilio; no auth, JSON answers, never subject to faults)
------------------------------------------------------------------------
Settings may be sent as form fields, query parameters or a JSON object body.

``POST /_sandbox/reset``
    Back to just the parent (same SID and token); also clears faults, stats,
    pending deliveries and config (max_subaccounts, balance).
``GET /_sandbox/state``
    Every table (accounts incl. tokens, keys, numbers, messages, services,
    triggers, optouts, usage_seed) plus config and current faults, as JSON.
``POST /_sandbox/accounts/{AC}/suspend-by-twilio`` and ``…/unsuspend-by-twilio``
    Suspend or reinstate an account "as Twilio" (status suspended/active and a
    ``suspended_by_twilio`` flag). Same thing in one endpoint:
    ``POST /_sandbox/accounts/{AC}/suspension`` with ``suspended=true|false``.
``GET /_sandbox/stats``, ``POST /_sandbox/stats/reset``
    ``requests`` by endpoint pattern (``"GET /2010-04-01/Accounts/{Sid}.json"``),
    ``responses`` by HTTP status, ``in_flight`` now and ``peak_in_flight`` per
    account (the account whose credentials were used; an ``SK`` key counts for
    its owner). Control calls are not counted.
``GET|POST|DELETE /_sandbox/faults`` (``POST /_sandbox/faults/reset`` = DELETE)
    POST replaces the whole fault config; fields (all default to off):
    ``latency_ms``, ``jitter_ms`` (uniform 0..jitter added), ``p_429``,
    ``p_500``, ``p_drop``, ``p_read_timeout`` (probabilities 0..1, drawn from
    one roll so they add up), ``read_timeout_s`` (default 5), ``concurrency_limit``
    (per account, 0 = none), ``seed`` (``random.Random`` seed; same seed and
    request order → same faults). Unknown fields → 400.
``POST /_sandbox/faults/targeted`` (``endpoint``, ``outcome``, ``count``)
    Hit the next ``count`` (default 1) requests to one endpoint, named as in
    stats (``"POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"``):
    ``lose_answer`` (default) processes the request and closes the connection
    without an answer; ``drop`` closes it before processing; ``500`` answers
    500 / 20500 without processing. Kept beside the POST /faults config (which
    does not replace them); cleared by DELETE /faults and reset. In-process:
    ``sandbox.faults.add_targeted(endpoint=…, outcome=…, count=…)``.
``GET|POST /_sandbox/config``
    ``max_subaccounts`` (default 1000, docs/twilio-behaviour.md §5) and the parent's ``balance``
    (default "100.00" USD).
``POST /_sandbox/inbound`` (From, To, Body)
    An end user texts a sandbox number: opt-out keywords apply, a signed
    inbound webhook is sent (see ``resources/optouts.py``).
``POST /_sandbox/usage/seed`` (account_sid, months, seed)
    Seed monthly usage history (see ``resources/usage.py``).

Faults (for Twilio requests only)
---------------------------------
Order per request: count in flight → concurrency limit → latency + jitter
sleep → one random roll → handle. Over ``concurrency_limit`` requests in flight
for one account → 429 / 20429 with ``Twilio-Concurrent-Requests: <n>``; the
request is not processed (docs/twilio-behaviour.md §4). ``p_429`` → the same answer. ``p_500`` →
500 / 20500. ``p_drop`` → the socket is closed with no response. ``p_read_timeout``
→ the request IS processed (state changes) and the answer is held back
``read_timeout_s`` seconds, so a client with a shorter timeout gives up
although the change happened.

Where docs/twilio-behaviour.md marks a fact UNCONFIRMED, the sandbox chooses
---------------------------------------------------------
- ``PageSize`` above 1000 is clamped to 1000 (below 1 → 1); ``PageToken`` is
  ``PT<offset>``.
- Credentials: a parent's SID+token reach its subaccounts' 2010 resources;
  keys and subaccount credentials reach only their own account; v1 acts on the
  authenticating account. An unknown target account → 404 / 20404; a known one
  the credentials may not reach → 401 / 20003. Closed accounts' credentials →
  401 / 20003.
- A suspended account's own credentials (or a child of a suspended parent) may
  read; 2010 writes answer 401 / 20003 and message sends 401 / 10001.
- The main account cannot suspend or close itself, and a subaccount cannot
  change its own status: 403 / 20403. An unknown Status value: 400 / 20001.
- Status change order: closed → 21479; parent not active → 21476; target
  suspended by Twilio → 21478 (blocks every status change, closing included).
- Closed subaccounts still count towards ``max_subaccounts`` (Twilio keeps them
  listed for 30 days), so 21480 comes no later than on Twilio.
- Closing releases the account's numbers at once (deleted, so they also leave
  their Messaging Service); opt-outs, keys and messages stay.
- ``auth_token`` is null in Accounts answers when an API key made the request
  (reported as empty by a third party).
- Balance of a subaccount: 200 with ``balance`` and ``currency`` null (the
  spec only says child accounts carry no balance information).
- 21xxx validation errors answer HTTP 400. 429 answers carry no ``Retry-After``.
- A ``Content-Length`` that is not plain digits, or promises more body than
  arrives before the client closes its side, answers 400 / 20001 and closes
  the connection; above 16 MiB, 413 / 20001 without reading the body.
- Messages, numbers, services, usage and triggers document their own choices
  in their modules' docstrings.
"""

from .app import Sandbox
from .server import SandboxServer

__all__ = ["Sandbox", "SandboxServer"]
