import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")
TEST_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def _manage(*args, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in SECRETS + TEST_ONLY}
    env.update(DJANGO_SETTINGS_MODULE="rental.settings.production", **extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_its_secrets():
    result = _manage("check")

    assert result.returncode != 0
    assert "Production settings refuse to start without" in result.stderr
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert name in result.stderr


def test_production_refuses_a_missing_broker_even_with_the_rest():
    result = _manage(
        "check",
        SECRET_KEY="x" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789",
        ALLOWED_HOSTS="rent.example.com",
        DATABASE_URL="postgres://rental@127.0.0.1:5432/rental",
    )

    assert result.returncode != 0
    assert "CELERY_BROKER_URL (or REDIS_URL)" in result.stderr
    assert "SECRET_KEY," not in result.stderr


def test_deploy_check_passes_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k7#Qz!p2Lr9vX4mN8sT1wY6bC3dF5gH0jK-uE_aR*oI&lP@zS^",
        ALLOWED_HOSTS="rent.example.com",
        DATABASE_URL="postgres://rental@127.0.0.1:5432/rental",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
