"""``python -m twilio_sandbox``: serve a sandbox until SIGINT/SIGTERM (see the package docstring)."""

import argparse
import os
import signal
import sys
import threading

from .server import SandboxServer
from .store import DEFAULT_MAX_SUBACCOUNTS

# Well-known demo credentials, used when neither flags nor environment give any.
DEMO_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEMO_AUTH_TOKEN = "00000000000000000000000000000000"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m twilio_sandbox", description="A stateful local Twilio.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID") or DEMO_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN") or DEMO_AUTH_TOKEN)
    parser.add_argument("--snapshot", help="JSON file: loaded at start if present, saved on shutdown")
    parser.add_argument("--max-subaccounts", type=int, default=DEFAULT_MAX_SUBACCOUNTS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    server = SandboxServer(host=args.host, port=args.port, account_sid=args.account_sid,
                           auth_token=args.auth_token, max_subaccounts=args.max_subaccounts)
    store = server.sandbox.store
    if args.snapshot and os.path.exists(args.snapshot):
        store.load(args.snapshot)
    stopping = threading.Event()

    def on_signal(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server.start()
    print(f"Twilio sandbox listening on {server.url} (parent {store.parent_sid})", flush=True)
    try:
        stopping.wait()
    finally:
        # Save before stopping the server so a slow shutdown cannot lose the demo state.
        if args.snapshot:
            store.save(args.snapshot)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
