"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They run in their own pytest invocation (``make test-browser``) because Playwright's sync API runs an
event loop, which makes Django refuse ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set — set only
there. Screenshots land in ``test-artifacts/`` for a person to look at.
"""
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Skip only this directory's tests (the hook sees every collected item of the session)."""
    if os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"):
        return
    skip = pytest.mark.skip(reason="browser tests run via `make test-browser` (needs DJANGO_ALLOW_ASYNC_UNSAFE)")
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 1000}}


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name, full_page=True):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
    return take


@pytest.fixture
def login(live_server):
    def do(page, username, password):
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
    return do
