"""The README's two commands, read from the README itself, so that CI runs what a person copies.

    python infra/readme.py command run|test   prints that command line
    python infra/readme.py check-run          runs the run command as a person would and checks
                                              the portal it starts, then stops it

The commands are the two `sh` blocks of the section "## The two commands", in that order, one
line each. check-run starts the run command from the repository root in a session of its own,
waits (through the first build) until the portal says where it runs, checks `/api/health`, that
`/` is the app's HTML page, and that the first administrator signs in with the password the
portal wrote where it said; then stops it with SIGINT, as Ctrl+C would, and expects a clean exit.
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## The two commands"
# The first build (crates, the web app's npm packages) plus the start.
START_TIMEOUT_S = 20 * 60
LOG = ROOT / "test-output" / "readme-run.log"


def commands(readme: str) -> dict[str, str]:
    start = readme.find(f"\n{SECTION}\n")
    if start < 0:
        raise SystemExit(f'README.md has no section "{SECTION}"')
    section = readme[start + len(SECTION) + 2 :]
    following = re.search(r"^## ", section, re.MULTILINE)
    if following:
        section = section[: following.start()]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    lines = [[line for line in block.splitlines() if line.strip()] for block in blocks]
    if len(lines) != 2 or any(len(block) != 1 for block in lines):
        raise SystemExit(
            f'"{SECTION}" must hold exactly two ```sh blocks of one line each (found {lines})'
        )
    return {"run": lines[0][0].strip(), "test": lines[1][0].strip()}


def readme_commands() -> dict[str, str]:
    return commands((ROOT / "README.md").read_text(encoding="utf-8"))


def request(
    url: str, body: dict | None = None, token: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    if body is not None:
        req.add_header("content-type", "application/json")
    if token is not None:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def check_run() -> None:
    command = readme_commands()["run"]
    LOG.parent.mkdir(parents=True, exist_ok=True)
    print(f"$ {command}   (from README.md; its output: {LOG.relative_to(ROOT)})", flush=True)
    started = time.monotonic()
    with LOG.open("w", encoding="utf-8") as log:
        # As argv, not through a shell: Ctrl+C then reaches the portal itself (cargo run execs it)
        # rather than a shell that dies of it.
        portal = subprocess.Popen(
            shlex.split(command),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        printed: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert portal.stdout is not None
            for line in portal.stdout:
                log.write(line)
                log.flush()
                printed.append(line.rstrip("\n"))
                if line.startswith("Stop it with"):
                    ready.set()
            ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if not ready.wait(START_TIMEOUT_S) or portal.poll() is not None:
                fail(f"the run command did not start the portal (exit {portal.poll()})", printed)
            print(f"the portal started {time.monotonic() - started:.0f} s after the command (first build included)")
            verify_portal(printed)
        finally:
            stopped = stop(portal)
        reader.join(timeout=10)
    if stopped != 0:
        fail(f"Ctrl+C (SIGINT) did not stop the portal cleanly: exit status {stopped}", printed)
    print("stopped by Ctrl+C (SIGINT): exit status 0")


def verify_portal(printed: list[str]) -> None:
    said = "\n".join(printed)
    found = re.search(r"^The portal is running at (\S+)$", said, re.MULTILINE)
    admin = re.search(r"Sign in as the administrator: (\S+) — the password in (.+)$", said, re.MULTILINE)
    if not found or not admin:
        fail("the portal did not say where it runs and how to sign in", printed)
    url, email, where = found.group(1), admin.group(1), admin.group(2).strip()

    status, _, _ = request(f"{url}/api/health")
    if status != 200:
        fail(f"GET {url}/api/health answered {status}", printed)
    print(f"GET {url}/api/health: {status}")

    status, headers, body = request(f"{url}/")
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    if status != 200 or not content_type.startswith("text/html") or b'<div id="root"' not in body:
        fail(f"GET {url}/ is not the app's page: {status} {content_type}", printed)
    print(f"GET {url}/: {status} {content_type}, the app's page")

    if where == "PORTAL_ADMIN_PASSWORD":
        password = os.environ["PORTAL_ADMIN_PASSWORD"]
    else:
        password_file = (ROOT / where) if not os.path.isabs(where) else Path(where)
        password = password_file.read_text(encoding="utf-8").strip()
    status, _, body = request(
        f"{url}/api/auth/login", {"email": email, "password": password, "session": "token"}
    )
    token = json.loads(body or b"{}").get("session_token") if status == 200 else None
    if not token:
        fail(f"the first administrator ({email}) could not sign in: {status}", printed)
    status, _, body = request(f"{url}/api/me", token=token)
    me = json.loads(body or b"{}") if status == 200 else {}
    if me.get("kind") != "admin" or me.get("email") != email:
        fail(f"GET /api/me with the new session answered {status}: not the administrator", printed)
    print(f"signed in as {email} with the password in {where}; /api/me: an administrator")


def stop(portal: subprocess.Popen) -> int:
    if portal.poll() is not None:
        return portal.returncode
    os.killpg(portal.pid, signal.SIGINT)
    try:
        return portal.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(portal.pid, signal.SIGKILL)
        portal.wait()
        return -9


def fail(message: str, printed: list[str]) -> None:
    print(f"error: {message}; the run command printed (last 40 lines):", file=sys.stderr)
    for line in printed[-40:]:
        print(f"  {line}", file=sys.stderr)
    raise SystemExit(1)


def main(argv: list[str]) -> None:
    match argv:
        case ["command", ("run" | "test") as which]:
            print(readme_commands()[which])
        case ["check-run"]:
            check_run()
        case _:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
