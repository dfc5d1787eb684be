"""Signed Twilio webhooks (inbound STOP messages and status callbacks) against the portal served by gunicorn,
beside the same load on a bare Django view of the same server.

The portal runs under gunicorn on 127.0.0.1 (a free port, sync workers as deploy/systemd runs it, 2 x cores + 1
by default; the script used gthread workers of 4 threads until 2026-11-30, where threads of one worker
contended for its GIL: ratio ≈ 0.5 then, ≈ 0.6-0.7 with sync workers, bare_rps unchanged) with its
own throw-away database. A second process (this script with --client) posts the requests from a thread
pool, a new connection each, and reports which were answered 2xx. Half the requests are inbound STOPs
(unique MessageSid, recipients spread over 5 tenants), half status callbacks for messages already in the
database; every one is signed with its account's auth token, exactly as Twilio signs. The bare view gets
the very same requests (same bodies, same signature headers) at /bench/bare/, in alternating rounds (bare,
webhooks, bare, …) so that both meet the same load on a shared machine.

`lost` = requests the portal answered 2xx whose effect is not in the database afterwards (an opt-out event
for the STOP's MessageSid, a recorded callback for the status); it must be 0.

Usage: .venv/bin/python benchmarks/webhooks.py [--requests 2000] [--concurrency 16] [--workers 2 x cores + 1]
       [--rounds 4] [--time-limit 60] [--database-url postgres://postgres@127.0.0.1:5432/bench_owlie_webhooks | sqlite:///f]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from _common import REPO, configure_django, free_port, fresh_database, row

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_owlie_webhooks"
PARENT_SID, PARENT_TOKEN = "AC" + "b" * 32, "c" * 32
TENANTS = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per target (webhooks, then bare)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default: gunicorn's suggested 2 x cores + 1)")
    parser.add_argument("--time-limit", type=float, default=60, help="seconds per round and target at most")
    parser.add_argument("--rounds", type=int, default=4, help="alternating bare / webhook rounds")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: run as the load process
    return parser.parse_args()


# -- the load process -----------------------------------------------------------------------------------

def _post(port: int, path: str, body: str, signature: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
        answer = connection.getresponse()
        answer.read()
        return answer.status
    except OSError:
        return 0
    finally:
        connection.close()


def client_main(spec_file: str) -> None:
    """Post every request of the spec to one path prefix; print {"ok": [indices answered 2xx], "seconds"}."""
    spec = json.loads(Path(spec_file).read_text())
    deadline = time.monotonic() + spec["time_limit"]

    def one(index: int):
        if time.monotonic() > deadline:
            return index, None
        item = spec["items"][index]
        path = item["path"] if spec["target"] == "webhooks" else "/bench/bare/"
        return index, _post(spec["port"], path, item["body"], item["signature"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=spec["concurrency"]) as pool:
        results = list(pool.map(one, range(len(spec["items"]))))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "ok": [i for i, status in results if status and 200 <= status < 300],
                      "sent": sum(1 for _, status in results if status is not None),
                      "statuses": sorted({status for _, status in results if status is not None})}))


# -- the benchmark ----------------------------------------------------------------------------------------

def _requests(count: int, base_url: str, tenants, message_sids) -> list[dict]:
    from twilio_sandbox.delivery import sign

    items = []
    for i in range(count):
        tenant = tenants[i % len(tenants)]
        if i % 2 == 0:
            path = "/twilio/inbound/"
            params = {"MessageSid": f"SM{i:032x}", "AccountSid": tenant.subaccount_sid, "From": f"+1415555{i // 2 % 10000:04d}",
                      "To": "+14155550100", "Body": "STOP", "NumSegments": "1", "SmsStatus": "received",
                      "OptOutType": "STOP", "ApiVersion": "2010-04-01"}
        else:
            path = "/twilio/status/"
            sid = message_sids[tenant.pk][i // 2 % len(message_sids[tenant.pk])]
            status = ("sent", "delivered")[i // 2 // len(message_sids[tenant.pk]) % 2]
            params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": tenant.subaccount_sid,
                      "To": "+14155550123", "ApiVersion": "2010-04-01"}
        items.append({"path": path, "body": urlencode(params), "params": params,
                      "signature": sign(base_url + path, params, tenant.auth_token)})
    return items


def _seed(count: int):
    from owlie_portal.messaging.models import Message
    from owlie_portal.tenants.models import Tenant

    tenants = [Tenant.objects.create(name=f"Bench {i}", external_ref=f"BENCH-{i}", status=Tenant.Status.ACTIVE,
                                     subaccount_sid=f"AC{i + 1:032x}", auth_token=secrets.token_hex(16))
               for i in range(TENANTS)]
    per_tenant = max(count // (4 * TENANTS), 1)
    sids = {}
    for tenant in tenants:
        sids[tenant.pk] = [f"SM{tenant.pk:08x}{j:024x}" for j in range(per_tenant)]
        Message.objects.bulk_create(Message(sid=sid, tenant=tenant, to_number="+14155550123", body="Hi",
                                            status=Message.Status.ACCEPTED) for sid in sids[tenant.pk])
    return tenants, sids


def _load(target: str, items, port: int, args, env) -> dict:
    spec = Path(env["BENCH_SPEC_DIR"]) / f"{target}.json"
    spec.write_text(json.dumps({"target": target, "port": port, "concurrency": args.concurrency,
                                "time_limit": args.time_limit,
                                "items": [{k: it[k] for k in ("path", "body", "signature")} for it in items]}))
    out = subprocess.run([sys.executable, __file__, "--client", str(spec)], cwd=REPO, capture_output=True,
                         text=True, timeout=args.time_limit + 60, check=True)
    spec.unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


def _alternate(items, port: int, args, env) -> tuple[dict, dict]:
    """Bare and webhook loads in alternating rounds, so both meet the same load on a shared machine."""
    totals = {target: {"seconds": 0.0, "ok": [], "sent": 0, "statuses": set()} for target in ("bare", "webhooks")}
    size = -(-len(items) // args.rounds)
    for start in range(0, len(items), size):
        chunk = items[start:start + size]
        for target in ("bare", "webhooks"):
            result = _load(target, chunk, port, args, env)
            total = totals[target]
            total["seconds"] += result["seconds"]
            total["ok"] += [start + i for i in result["ok"]]
            total["sent"] += result["sent"]
            total["statuses"] |= set(result["statuses"])
    for total in totals.values():
        total["statuses"] = sorted(total["statuses"])
    return totals["bare"], totals["webhooks"]


def _lost(items, ok: list[int]) -> int:
    from owlie_portal.messaging.models import OptOutEvent, StatusCallback

    inbound = {items[i]["params"]["MessageSid"] for i in ok if items[i]["path"] == "/twilio/inbound/"}
    status = {(items[i]["params"]["MessageSid"], items[i]["params"]["MessageStatus"]) for i in ok
              if items[i]["path"] == "/twilio/status/"}
    found_in = set(OptOutEvent.objects.filter(message_sid__in=inbound).values_list("message_sid", flat=True))
    found_st = set(StatusCallback.objects.values_list("message_sid", "status"))
    return len(inbound - found_in) + len(status - found_st)


def _gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "owlie_portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--pythonpath", f"{REPO / 'benchmarks'},{REPO}", "--log-level", "warning"],
        cwd=REPO, env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "webhooks_settings"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _post(port, "/bench/bare/", "", "") == 204:
            return process
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    args = parse_args()
    if args.client:
        client_main(args.client)
        return
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with fresh_database(args.database_url) as db_url:
        import tempfile

        spec_dir = tempfile.mkdtemp(prefix="owlie-bench-webhooks-")
        env = {"DATABASE_URL": db_url, "TWILIO_BASE_URL": "http://127.0.0.1:9",
               "TWILIO_ACCOUNT_SID": PARENT_SID, "TWILIO_AUTH_TOKEN": PARENT_TOKEN, "LOG_LEVEL": "WARNING",
               "DEBUG": "false", "SECURE": "false", "SECRET_KEY": secrets.token_urlsafe(50),
               "TWILIO_WEBHOOK_BASE_URL": base_url,
               "BENCH_SPEC_DIR": spec_dir}
        from cryptography.fernet import Fernet

        env["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
        configure_django(env)
        tenants, sids = _seed(args.requests)
        items = _requests(args.requests, base_url, tenants, sids)
        server = _gunicorn(env, port, args.workers)
        try:
            bare, hooks = _alternate(items, port, args, env)
        finally:
            server.terminate()
            server.wait(timeout=30)
        lost = _lost(items, hooks["ok"])
        from django.db import connections

        connections.close_all()
    webhook_rps, bare_rps = len(hooks["ok"]) / hooks["seconds"], len(bare["ok"]) / bare["seconds"]
    print(f"Signed webhooks ({args.requests} per target: half inbound STOP, half status callbacks) from a second "
          f"process, {args.concurrency} at a time, gunicorn with {args.workers} sync workers on 127.0.0.1; "
          f"database {db_url.split('://')[0]}")
    print(row("webhooks answered 2xx", f"{len(hooks['ok'])} of {hooks['sent']} sent", args.requests))
    print(row("webhook_rps", f"{webhook_rps:.0f}", f"{bare_rps:.0f} bare view"))
    print(row("ratio (target >= 0.5)", f"{webhook_rps / bare_rps:.2f}"))
    print(row("lost (must be 0)", lost))
    print(row("answer codes (webhooks / bare)", f"{hooks['statuses']} / {bare['statuses']}"))
    print(f"RESULT requests={args.requests} webhook_rps={webhook_rps:.0f} bare_rps={bare_rps:.0f} "
          f"ratio={webhook_rps / bare_rps:.2f} lost={lost} answered={len(hooks['ok'])} sent={hooks['sent']}")


if __name__ == "__main__":
    main()
