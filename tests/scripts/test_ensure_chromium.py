"""`make test` installs Debian's Chromium when it is missing (as root), or says the one command to run."""

import os
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SCRIPT = BASE_DIR / "scripts" / "ensure_chromium.sh"

# Stand-ins for `id` and `apt-get`, found first on PATH: the fake apt-get records how it was called and
# "installs" Chromium where the script looks for it.
FAKE_ID = '#!/bin/sh\necho "$FAKE_UID"\n'
FAKE_APT_GET = """#!/bin/sh
echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND apt-get $*" >> "$APT_LOG"
if [ "$1" = install ]; then printf '#!/bin/sh\\n' > "$CHROMIUM_PATH" && chmod +x "$CHROMIUM_PATH"; fi
"""


def ensure_chromium(tmp_path: Path, *, uid: int, present: bool = False) -> tuple[subprocess.CompletedProcess, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("id", FAKE_ID), ("apt-get", FAKE_APT_GET)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    chromium = tmp_path / "chromium"
    if present:
        chromium.write_text("#!/bin/sh\n")
        chromium.chmod(0o755)
    apt_log = tmp_path / "apt.log"
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin", FAKE_UID=str(uid), APT_LOG=str(apt_log),
               CHROMIUM_PATH=str(chromium))
    env.pop("DEBIAN_FRONTEND", None)
    result = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)
    return result, apt_log.read_text() if apt_log.exists() else ""


def test_missing_chromium_is_installed_from_debian_as_root(tmp_path):
    result, apt_calls = ensure_chromium(tmp_path, uid=0)

    assert result.returncode == 0, result.stderr
    assert apt_calls.splitlines() == [
        "DEBIAN_FRONTEND=noninteractive apt-get update -q",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium",
    ]


def test_missing_chromium_without_root_stops_with_the_command_to_run(tmp_path):
    result, apt_calls = ensure_chromium(tmp_path, uid=1000)

    assert result.returncode != 0
    assert apt_calls == ""
    assert "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium" in result.stderr


def test_present_chromium_installs_nothing(tmp_path):
    result, apt_calls = ensure_chromium(tmp_path, uid=0, present=True)

    assert result.returncode == 0, result.stderr
    assert apt_calls == ""


def test_make_test_ensures_chromium_before_running_pytest():
    result = subprocess.run(["make", "-n", "test"], cwd=BASE_DIR, capture_output=True, text=True, timeout=30)

    lines = result.stdout.splitlines()
    ensure = [i for i, line in enumerate(lines) if "scripts/ensure_chromium.sh" in line]
    pytest_run = [i for i, line in enumerate(lines) if "-m pytest" in line]
    assert ensure and pytest_run and ensure[0] < pytest_run[0], result.stdout
