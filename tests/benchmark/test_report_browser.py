"""The report in a real browser (Chromium, driven by selenium): the leaderboard sorts when a
column is clicked, the page asks the network for nothing and logs no error, and it draws.

Skipped where Chromium and its driver are not installed (Debian: ``apt-get install chromium
chromium-driver``); ``.ci/run`` installs them, so CI runs it.
"""

import io
import json
import shutil

import numpy as np
import pytest

from mnistkit.benchmark import write_report

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

_DRIVER = shutil.which("chromedriver")
_BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (_DRIVER and _BROWSER),
        reason="no Chromium here (apt-get install chromium chromium-driver); CI installs it",
    ),
]


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = _BROWSER
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1600"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(executable_path=_DRIVER), options=options
    )
    try:
        yield driver
    finally:
        driver.quit()


def _leaderboard(driver):
    from selenium.webdriver.common.by import By

    table = driver.find_elements(By.CSS_SELECTOR, "table.sortable")[0]
    headers = [th.text.split("\n")[0].strip(" ↕") for th in table.find_elements(By.TAG_NAME, "th")]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    return table, headers, rows


def test_the_report_sorts_asks_nothing_of_the_network_logs_no_error_and_draws(two_results, browser):
    from PIL import Image
    from selenium.webdriver.common.by import By

    index = write_report(two_results)
    browser.get(index.as_uri())
    table, headers, rows = _leaderboard(browser)
    assert len(rows) == 2
    score = headers.index("score")
    ranked = [row[0] for row in rows]  # the page ranks by score, highest first
    table.find_elements(By.TAG_NAME, "th")[score].click()  # ascending
    _, _, rows = _leaderboard(browser)
    assert [row[0] for row in rows] == ranked[::-1]
    assert [float(row[score]) for row in rows] == sorted(float(row[score]) for row in rows)

    requests = [
        json.loads(entry["message"])["message"]["params"].get("request", {}).get("url", "")
        for entry in browser.get_log("performance")
        if '"Network.requestWillBeSent"' in entry["message"]
    ]
    assert requests, "the performance log recorded no request at all"
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []

    shot = np.asarray(Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("L"))
    assert shot.std() > 10 and (shot < 128).mean() > 0.005  # text and figures, not a blank page
    images = browser.find_elements(By.TAG_NAME, "img")
    assert images and all(
        browser.execute_script("return arguments[0].naturalWidth", image) > 0 for image in images
    )
