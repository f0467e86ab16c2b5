"""`make run`: the whole system on one machine, with demo data, stopped cleanly by Ctrl-C.

Starts (or reuses) the embedded PostgreSQL when no DATABASE_URL is set, migrates, loads the demo
company once, then runs the web server, one Celery worker and one beat until interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("RENTAL_VAR_DIR", ROOT / "var"))
PYTHON = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # Stopped by `kill`, a closed terminal or a service manager as by Ctrl-C: the web server,
    # worker and beat are stopped with it, never left running on their own.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _interrupt)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rental.settings.local")
    embedded = not os.environ.get("DATABASE_URL")
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")

    manage("migrate", "--noinput", "-v", "0")
    marker = VAR / ".demo-loaded"
    if not marker.exists():
        manage("load_demo")
        marker.write_text("loaded\n")

    celery = [PYTHON, "-m", "celery", "-A", "rental"]
    children = [
        subprocess.Popen(
            [PYTHON, "manage.py", "runserver", "--noreload", f"{host}:{port}"], cwd=ROOT
        ),
        subprocess.Popen([*celery, "worker", "-l", "info", "--concurrency", "2"], cwd=ROOT),
        subprocess.Popen([*celery, "beat", "-l", "info"], cwd=ROOT),
    ]
    from rental.demo.data import DEMO_PASSWORD, USERS

    logins = "\n".join(f"    {name:<10} ({role})" for name, role, *_ in USERS)
    print(
        f"\n  新思索租赁 is running at http://{host}:{port}/  (console: /console/)\n"
        f"  Demo logins, password {DEMO_PASSWORD!r}:\n{logins}\n  Ctrl-C stops everything.\n",
        flush=True,
    )
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A process stopped; shutting down the others.", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded:
            from rental.core import embedded_db

            embedded_db.stop(VAR / "pg")
            print("Embedded PostgreSQL stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
