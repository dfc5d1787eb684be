#!/usr/bin/env python3
"""Run the whole portal locally: Twilio sandbox, web server, Celery worker and Celery beat.

`make run` calls this with the project's virtualenv Python. Standard library only: it starts the
programs, it does not import Django (settings are read in a child so a bad value fails before anything
starts). Settings decide which Twilio to talk to (TWILIO_BASE_URL unset: the local sandbox on
SANDBOX_PORT); a sandbox is started only when that origin is on this machine.

Order: check settings -> migrate -> sandbox -> web -> worker -> wait for ports -> seed_demo (prints the
demo logins) -> beat -> banner. Ctrl-C or SIGTERM stops everything it started; if any child dies, the
rest are stopped and the exit code is non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
SEED_LOG = VAR_DIR / "seed_demo.log"
PY = sys.executable
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def child_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment every child gets; the port flags override PORTAL_PORT / SANDBOX_PORT."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "owlie_portal.settings")
    env["PYTHONUNBUFFERED"] = "1"
    if args.web_port is not None:
        env["PORTAL_PORT"] = str(args.web_port)
    if args.sandbox_port is not None:
        env["SANDBOX_PORT"] = str(args.sandbox_port)
    return env


SETTINGS_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "sid": settings.TWILIO_ACCOUNT_SID,
    "token": settings.TWILIO_AUTH_TOKEN,
    "base_url": settings.TWILIO_BASE_URL,
    "webhook_base_url": settings.TWILIO_WEBHOOK_BASE_URL,
    "max_concurrency": settings.TWILIO_MAX_CONCURRENCY,
    "portal_port": settings.PORTAL_PORT,
    "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    "broker": settings.CELERY_BROKER_URL.split("://", 1)[0],
}))
"""


def read_settings(env: dict[str, str]) -> dict:
    """Load the settings module in a child; exit with its message if a value is bad."""
    result = subprocess.run([PY, "-c", SETTINGS_PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        say("the settings do not load: " + (lines[-1] if lines else f"exit code {result.returncode}"))
        sys.exit(2)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_step(title: str, cmd: list[str], env: dict[str, str]) -> None:
    """Run a one-shot command in the foreground, showing its output; exit if it fails."""
    say(title)
    result = subprocess.run(cmd, cwd=BASE_DIR, env=env)
    if result.returncode != 0:
        say(f"'{' '.join(cmd[1:])}' failed with exit code {result.returncode}; nothing was started.")
        sys.exit(result.returncode or 1)


def run_teed(cmd: list[str], env: dict[str, str], log_path: Path) -> tuple[int, str]:
    """Run a command showing its output live; return its exit code and stdout (also saved to log_path).

    stderr (log lines) goes straight to the terminal, so only what the command prints is kept.
    """
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            text=True)
    captured = []
    for line in proc.stdout:
        captured.append(line)
        print(line, end="", flush=True)
    code = proc.wait()
    log_path.write_text("".join(captured))
    return code, "".join(captured)


def port_is_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Supervisor:
    """Starts named children in their own process groups, prefixes their output, stops them all."""

    def __init__(self, stop_timeout: float) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stop_timeout = stop_timeout

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        """Start `python <args>` in its own process group, so stopping it also stops its children."""
        say(f"starting {name}: {' '.join(cmd)}")
        # process_group=0 rather than a preexec_fn: the reader threads of earlier children are running,
        # and code between fork and exec in a threaded parent can deadlock.
        proc = subprocess.Popen([PY, *cmd], cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, process_group=0)
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()
        self.children.append((name, proc))
        return proc

    @staticmethod
    def _pump(name: str, proc: subprocess.Popen) -> None:
        prefix = f"[{name}] ".encode()
        out = sys.stdout.buffer
        for line in iter(proc.stdout.readline, b""):
            out.write(prefix + line)
            out.flush()

    def dead_child(self) -> tuple[str, int] | None:
        for name, proc in self.children:
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def wait_for_port(self, name: str, host: str, port: int, timeout: float, stop: threading.Event) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop.is_set():
            if port_is_open(host, port):
                return True
            if self.dead_child():
                return False
            time.sleep(0.2)
        if not stop.is_set():
            say(f"{name} did not accept connections on {host}:{port} within {timeout:.0f}s.")
        return False

    def stop_all(self) -> None:
        """SIGINT each group (what Ctrl-C would do), wait, then SIGKILL what is left."""
        running = [(name, proc) for name, proc in self.children if proc.poll() is None]
        if running:
            say("stopping " + ", ".join(name for name, _ in running) + " ...")
        for _, proc in reversed(running):
            _signal_group(proc, signal.SIGINT)
        deadline = time.monotonic() + self.stop_timeout
        for name, proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {self.stop_timeout:.0f}s; killing it.")
        for _, proc in self.children:
            _signal_group(proc, signal.SIGKILL)  # also reaps grandchildren left in the group
            if proc.poll() is None:
                proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass  # the group is gone: the child was reaped and had no children left


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web-port", type=int, help="overrides PORTAL_PORT (default 8000)")
    parser.add_argument("--sandbox-port", type=int, help="overrides SANDBOX_PORT (default 8765)")
    parser.add_argument("--no-seed", action="store_true", help="skip `manage.py seed_demo`")
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    parser.add_argument("--stop-timeout", type=float, default=10.0)
    return parser.parse_args(argv)


def sandbox_port(base_url: str) -> int | None:
    """The local port to run the sandbox on, or None when the portal talks to something else."""
    if not base_url:
        return None  # empty TWILIO_BASE_URL: real Twilio
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        return None  # a sandbox or proxy somebody else runs
    return parts.port or 80


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(BASE_DIR)
    VAR_DIR.mkdir(exist_ok=True)
    env = child_environment(args)
    conf = read_settings(env)
    target = conf["base_url"] or "real Twilio (TWILIO_BASE_URL is empty)"
    say(f"database: {conf['database']}, broker: {conf['broker']}, Twilio: {target}")

    local_sandbox = sandbox_port(conf["base_url"])
    for name, port in (("web server", conf["portal_port"]), ("sandbox", local_sandbox)):
        if port and port_is_open("127.0.0.1", port):
            say(f"port {port} for the {name} is already in use; stop whatever listens there first.")
            return 2

    run_step("applying migrations", [PY, "manage.py", "migrate", "--noinput"], env)

    stop = threading.Event()
    received = []

    def on_signal(signum, frame):
        received.append(signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    sup = Supervisor(stop_timeout=args.stop_timeout)
    try:
        return _run(args, env, conf, local_sandbox, sup, stop)
    finally:
        sup.stop_all()
        if received:
            say("stopped.")


def _run(args, env, conf, local_sandbox, sup: Supervisor, stop: threading.Event) -> int:
    if local_sandbox:
        sandbox_env = dict(env, TWILIO_ACCOUNT_SID=conf["sid"], TWILIO_AUTH_TOKEN=conf["token"])
        sup.start("sandbox", ["-m", "twilio_sandbox", "--port", str(local_sandbox), "--account-sid",
                              conf["sid"], "--snapshot", str(VAR_DIR / "sandbox.json")], sandbox_env)
    sup.start("web", ["manage.py", "runserver", f"127.0.0.1:{conf['portal_port']}", "--noreload"], env)
    pool = os.environ.get("CELERY_POOL", "threads")
    # Half again the budget: threads waiting for a slot cost nothing and take one the moment it is free.
    concurrency = os.environ.get("CELERY_CONCURRENCY", str(-(-3 * conf["max_concurrency"] // 2)))
    sup.start("worker", ["-m", "celery", "-A", "owlie_portal", "worker", "-l", "info", "--pool", pool,
                         "--concurrency", concurrency], env)

    waits = [("sandbox", local_sandbox)] if local_sandbox else []
    waits.append(("web server", conf["portal_port"]))
    for name, port in waits:
        if not sup.wait_for_port(name, "127.0.0.1", port, args.startup_timeout, stop):
            return _failure(sup, stop)

    seed_output = ""
    if not conf["base_url"]:
        say("real Twilio: no demo data (seed_demo only runs against a sandbox).")
    elif not args.no_seed:
        say("seeding demo data (manage.py seed_demo)")
        code, seed_output = run_teed([PY, "manage.py", "seed_demo"], env, SEED_LOG)
        if stop.is_set():
            return 130
        if code != 0:
            say(f"seed_demo failed with exit code {code}; stopping.")
            return 1

    # The first sync now, not one beat interval later: subaccounts changed outside the portal show as drift.
    say("syncing subaccounts from Twilio (manage.py sync_subaccounts)")
    code, _ = run_teed([PY, "manage.py", "sync_subaccounts"], env, VAR_DIR / "first_sync.log")
    if code != 0:
        say(f"the first sync failed (exit code {code}, see var/first_sync.log); beat retries it.")
    code, _ = run_teed([PY, "manage.py", "sync_usage"], env, VAR_DIR / "first_usage_sync.log")  # billing pages
    say("syncing phone numbers from Twilio (manage.py sync_numbers)")
    code, _ = run_teed([PY, "manage.py", "sync_numbers"], env, VAR_DIR / "first_number_sync.log")
    if code != 0:
        say(f"the first number sync failed (exit code {code}, see var/first_number_sync.log); beat retries it.")
    sup.start("beat", ["-m", "celery", "-A", "owlie_portal", "beat", "-l", "info",
                       "-s", str(VAR_DIR / "celerybeat-schedule")], env)
    _banner(conf, local_sandbox, seed_output)
    while not stop.is_set():
        if sup.dead_child():
            return _failure(sup, stop)
        stop.wait(0.5)
    return 0


def _failure(sup: Supervisor, stop: threading.Event) -> int:
    if stop.is_set():
        return 130
    dead = sup.dead_child()
    if dead:
        say(f"{dead[0]} exited with code {dead[1]}; stopping the rest.")
    return 1


def _banner(conf, local_sandbox, seed_output: str) -> None:
    twilio = conf["base_url"] + " (sandbox)" if local_sandbox else conf["base_url"] or "real Twilio"
    print("\n".join([
        "",
        "=" * 72,
        "Owlie Portal is running.",
        f"  Admin:    http://127.0.0.1:{conf['portal_port']}/admin/",
        f"  Twilio:   {twilio}",
        f"  Webhooks: {conf['webhook_base_url']}",
    ]), flush=True)
    seed_lines = seed_output.strip().splitlines()
    if seed_lines and len(seed_lines) <= 30:
        print("  Demo data (seed_demo):")
        print("\n".join("    " + line for line in seed_lines))
    elif seed_lines:
        print(f"  Demo logins: printed by seed_demo above, also in {SEED_LOG.relative_to(BASE_DIR)}")
    else:
        print("  Demo logins: none (not seeded); use `.venv/bin/python manage.py createsuperuser`.")
    print("  Press Ctrl-C to stop everything.\n" + "=" * 72 + "\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
