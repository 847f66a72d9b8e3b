#!/usr/bin/env python3
"""One command from a fresh clone: `python3 dev.py demo`, `test` or `bench`.

Creates .venv with Python >= 3.12 (this interpreter, or python3.13/python3.12 found on PATH),
installs the locked requirements when they changed, then runs the demo or the whole test suite.
Needs nothing but Python; browser tests also need Chromium and npm (see the README).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
LOCKS = {
    "demo": "requirements/runtime.txt",
    "test": "requirements/test.txt",
    "bench": "requirements/runtime.txt",
}
USAGE = (
    "usage: python3 dev.py demo [manage.py demo options] | test [pytest options]"
    " | bench [python -m bench options]"
)


def find_python() -> str:
    if sys.version_info >= (3, 12):  # noqa: UP036 - dev.py itself may run on an older Python
        return sys.executable
    for name in ("python3.13", "python3.12", "python3.14"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit(
        f"phonedash needs Python 3.12 or newer; this is {sys.version.split()[0]} and no "
        "python3.12/python3.13 is on PATH."
    )


def run(*command: str | Path, **kwargs) -> None:
    result = subprocess.run([str(part) for part in command], cwd=ROOT, **kwargs)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_venv(lock: str) -> None:
    if not PYTHON.exists():
        print("Creating .venv …", flush=True)
        run(find_python(), "-m", "venv", VENV)
    digest = hashlib.sha256()
    for path in sorted((ROOT / "requirements").glob("*.txt")):
        if path.name in (Path(lock).name, "runtime.txt"):
            digest.update(path.read_bytes())
    stamp = VENV / f".installed-{Path(lock).stem}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    print(f"Installing {lock} into .venv …", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", lock)
    stamp.write_text(digest.hexdigest())


def ensure_node_packages() -> None:
    """axe-core and vnu-jar for the browser tests, when npm is here (CI installs it)."""
    if not shutil.which("npm") or not (ROOT / "package-lock.json").exists():
        return
    stamp = ROOT / "node_modules" / ".installed"
    digest = hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("Installing npm packages for the browser tests …", flush=True)
    run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
    stamp.write_text(digest)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in LOCKS:
        sys.exit(USAGE)
    command, rest = argv[0], argv[1:]
    ensure_venv(LOCKS[command])
    if command == "bench":  # needs wrk and redis-server too (Debian packages of those names)
        os.execv(PYTHON, [str(PYTHON), "-m", "bench", *rest])
    if command == "demo":
        os.execv(PYTHON, [str(PYTHON), str(ROOT / "manage.py"), "demo", *rest])
    ensure_node_packages()
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    run(BIN / "lint-imports", "--no-cache")  # the layers in pyproject.toml's [tool.importlinter]
    os.execv(PYTHON, [str(PYTHON), "-m", "pytest", *rest])


if __name__ == "__main__":
    main(sys.argv[1:])
