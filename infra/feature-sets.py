"""Checks that the README's run command and the tests build every crate with the same features.

    python infra/feature-sets.py

Cargo compiles a crate once per feature set. `cargo run -p portal-local` resolves features for
portal-local alone, while the tests (`--workspace`, with dev-dependencies) switch on a few more in
crates low in the graph (zerocopy, getrandom …), and everything above them (the AWS SDKs, the PDF
renderer, the domain) would then compile twice: once for the run command, once for the tests.
`infra/workspace-hack` (a dependency of portal-local) switches those features on for the run
command too. This prints what differs and fails when anything does, naming what to add there.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"(\S+) v(\S+)(?: \([^)]*\))?(?: \(\*\))? \[(.*)\]$")


def features(*args: str) -> dict[tuple[str, str], set[str]]:
    out = subprocess.run(
        ["cargo", "tree", "--locked", "--prefix", "none", "-f", "{p} [{f}]", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[tuple[str, str], set[str]] = {}
    for line in out.splitlines():
        match = LINE.match(line.strip())
        if match:
            name, version, listed = match.groups()
            found.setdefault((name, version), set()).update(f for f in listed.split(",") if f)
    return found


def main() -> int:
    run = features("-p", "portal-local", "-e", "normal,build")
    tests = features("--workspace", "-e", "normal,build,dev")
    differing = {
        crate: sorted(tests[crate] - wanted)
        for crate, wanted in run.items()
        if crate in tests and tests[crate] - wanted
    }
    if not differing:
        print(f"one feature set: the run command's {len(run)} crates build as the tests build them")
        return 0
    print("The run command builds these crates with fewer features than the tests, so they (and")
    print("everything above them) would compile twice. Add to infra/workspace-hack/Cargo.toml:")
    for (name, version), extra in sorted(differing.items()):
        print(f'  {name} = {{ version = "={version}", default-features = false, features = {json.dumps(extra)} }}')
    return 1


if __name__ == "__main__":
    sys.exit(main())
