"""The real dashboard in a real browser: `streamlit run` on the fixture, pages in headless Chromium.

Catches what AppTest cannot: the page actually renders in a browser, shows no exception box, and
story text never becomes live markup in the DOM. A screenshot per page lands in the test's
tmp_path for a human to look at.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.fixture_warehouse import build_fixture_warehouse

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
# (url path, heading, an element that shows the page's data has arrived)
PAGES = [
    ("", "Overview", "stMetric"),
    ("competitors", "Competitors", "stDataFrame"),
    ("causes", "Causes & owners", "stDataFrame"),
    ("themes", "Emerging themes", "stCaptionContainer"),
    ("alerts", "Alerts", "stCaptionContainer"),
    ("stories", "Stories", "stDataFrame"),
    ("sources", "Sources", "stDataFrame"),
]

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver "
           "(apt-get install chromium chromium-driver)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"streamlit exited early: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"streamlit did not answer on {url} within {seconds} s")


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("browser")
    build_fixture_warehouse(workdir)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                                     os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--", "--workdir", str(workdir)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1400,1800",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize(("path", "heading", "data_testid"), PAGES)
def test_page_renders_without_exception(dashboard_url, browser, tmp_path, path, heading,
                                        data_testid):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{dashboard_url}/{path}")
    wait = WebDriverWait(browser, 60)
    wait.until(seen.text_to_be_present_in_element((By.TAG_NAME, "h1"), heading))
    wait.until(seen.presence_of_element_located(
        (By.CSS_SELECTOR, f'[data-testid="{data_testid}"]')))
    time.sleep(1.5)  # let charts and the table finish drawing before the screenshot
    browser.save_screenshot(str(tmp_path / f"{path or 'overview'}.png"))
    exceptions = browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert not exceptions, exceptions[0].text
    assert "Traceback" not in browser.find_element(By.TAG_NAME, "body").text
    # Story text must never have become live markup.
    assert not browser.find_elements(By.XPATH, "//script[contains(., \"alert('x')\")]")
    assert not browser.find_elements(By.CSS_SELECTOR, 'img[src="x"], a[href^="javascript:"]')
    assert not browser.find_elements(By.CSS_SELECTOR, 'img[src*="evil.example"]')
    # The sidebar's global filters are on every page but Sources, Themes and Alerts (which have
    # their own brand pickers).
    sidebar = browser.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text
    assert ("Filters" in sidebar) == (path not in ("sources", "themes", "alerts"))
