"""The Operation ledger every app stands on: one row per intended Twilio change, never lost, never done twice.

The life of an Operation
------------------------
States: ``queued`` → ``running`` → ``succeeded`` | ``failed``; a running row may go back to ``queued``
(retry) or to ``unknown`` (its outcome at Twilio is not known and must be reconciled before acting).

1. **Written, then sent.** A service writes the row (``queued``) in the transaction that asks for the
   change; the task message goes to the broker only after that transaction commits (``dispatch``). A
   bulk writes its rows in one INSERT and sends one message that starts the batch's *lanes*
   (``lanes``): tasks that each take the batch's next untaken row and run its task body in their own
   thread, so a bulk costs no broker message per row; the row is claimed and closed as below. If the
   broker is unreachable the row stays with ``dispatched_at`` empty, the person is told the work will
   start when the queue is back, and the sweeper sends it then.
2. **Claimed exactly once.** A worker claims the row with one conditional UPDATE (queued|unknown →
   running, ``attempts + 1``). The new ``attempts`` *is the claim*: every later write of that worker —
   succeed, fail, release, heartbeat — is conditional on ``state = running AND attempts = <its claim>``
   and reports whether it won. A worker that lost its claim (the sweeper re-drove the row while it was
   still running) changes neither the row nor anything else (its callers write their effects, such as
   a tenant's status, in the same transaction and only when the close won), and logs it.
3. **Who retries what.**
   - *HTTP 20429*: the gateway's HTTP client retries in-process with full-jitter backoff (a 429 was
     never processed, so even a create is safe). Nothing else sees it unless the retries run out.
   - *Celery's retry* (a lane hands such a row to its own task, with the same backoff): a transient
     Twilio error hands the row back (``queued``); an ambiguous one (a
     create or update whose answer was lost) or an error of the portal's own (database, Redis, a bug)
     marks it ``unknown``. The task retries with backoff up to ``OPERATION_MAX_ATTEMPTS``. When they are
     spent, a Twilio error closes the row ``failed`` — conditional on nobody having claimed it since —
     and an internal error leaves it ``unknown`` for the sweeper. A permanent Twilio error closes the row
     ``failed`` at once with Twilio's code.
   - *The sweeper* (beat, every ``OPERATION_SWEEP_INTERVAL_S``): sends rows the broker never got,
     re-drives rows untouched for ``OPERATION_STALE_AFTER_S`` (a running one goes to ``unknown``, so the
     next attempt reconciles), and gives up (``failed``) on a non-running row past
     ``OPERATION_MAX_ATTEMPTS``. Each of its writes is conditional on the row being exactly as read
     (state, attempts, ``updated_at``), so a heartbeat, a finish or a new claim in between wins.
4. **Reconcile before acting.** Any attempt after the first (``attempts > 1``) may follow a change whose
   answer was lost, so the work first reads Twilio (find the subaccount by FriendlyName, fetch its
   status, look for the number in the gaining account) and only acts on what is still to do.
5. **Steps.** Work made of several Twilio changes (a close moving the subaccount's numbers to the parent
   first) writes one row per step with ``parent`` set. Steps run under the parent's claim: the sweeper
   never re-drives them on their own; the parent's next attempt settles the open ones it finds (done at
   Twilio → succeeded; otherwise run again) before going on. Long work calls ``operation_heartbeat``
   between Twilio calls, which also stops it (``ClaimLost``) when the claim was taken over.
6. **Failed for good.** Whatever closes a row ``failed`` runs the kind's ``on_failed`` hook in the same
   transaction (``registry``): e.g. a tenant whose provisioning failed leaves "provisioning".

Kinds are registered by each app in ``AppConfig.ready()`` (``registry.register_kind``): the task that
performs the kind, its label, its ``on_failed`` hook and how its batches are retried. This package
imports no app: apps import it.
"""
