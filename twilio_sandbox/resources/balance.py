"""Balance: the parent's balance; subaccounts carry none (docs/twilio-behaviour.md §5)."""

from ..routing import ACCOUNT
from ..wire import Response


def register(router, sandbox) -> None:
    store = sandbox.store

    def fetch(request):
        account_sid = request.params["AccountSid"]
        with store.lock:
            account = store.accounts[account_sid]
            if account.is_parent:
                return Response(200, {"account_sid": account_sid, "balance": store.balance,
                                      "currency": "USD"})
        # "Child accounts do not contain balance information" ([v2010] Balance).
        # The exact answer is UNCONFIRMED; the sandbox answers 200 with null
        # balance/currency (both nullable in the schema) so a caller that reads
        # a child's balance sees "no information" instead of a number.
        return Response(200, {"account_sid": account_sid, "balance": None, "currency": None})

    router.add("GET", rf"{ACCOUNT}/Balance\.json", fetch)
