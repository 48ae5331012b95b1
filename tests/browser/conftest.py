"""Shared by the browser tests: one Superset server per session over the published demo,
and an API session logged in as its admin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from orchestration.superset_server import (
    admin_credentials,
    free_port,
    running_superset,
    superset_python,
)


def api_session(superset_url: str, username: str, password: str) -> requests.Session:
    """A requests session logged in through Superset's API (JWT plus CSRF token)."""
    session = requests.Session()
    resp = session.post(
        f"{superset_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
        timeout=30,
    )
    assert resp.status_code == 200, f"login failed: {resp.status_code} {resp.text[:200]}"
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    resp = session.get(f"{superset_url}/api/v1/security/csrf_token/", timeout=30)
    assert resp.status_code == 200, resp.text[:200]
    session.headers.update({"X-CSRFToken": resp.json()["result"], "Referer": superset_url})
    return session


@pytest.fixture(scope="session")
def superset_url(published_home: Path) -> Iterator[str]:
    if not superset_python().exists():
        pytest.fail(f"Superset environment missing: {superset_python()} (see superset/)")
    with running_superset(published_home, port=free_port()) as url:
        yield url


@pytest.fixture(scope="session")
def api(superset_url: str, published_home: Path) -> Iterator[requests.Session]:
    session = api_session(superset_url, *admin_credentials(published_home))
    yield session
    session.close()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def logged_in_page(
    superset_url: str, username: str, password: str, timeout_ms: int = 120_000
) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium, logged in to Superset through its login form."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Debian's chromium (apt-get install chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(timeout_ms)
            page.goto(f"{superset_url}/login/")
            page.fill("#username", username)
            page.fill("#password", password)
            page.click("[type=submit]")
            page.wait_for_url(re.compile(r".*/superset/welcome/.*|.*/dashboard/list.*"))
            yield page
        finally:
            browser.close()
