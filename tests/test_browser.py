"""The inspector page in a real browser: headless Chromium, driven by Selenium, against a live server.

Skips only where Chromium or chromedriver is not installed (``.ci/run`` installs
both). ``NEUPROG_SCREENSHOT=docs/inspector.png`` also saves the page, answered,
as the README shows it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web inspector needs the 'serve' extra")
pytest.importorskip("selenium", reason="the browser test needs selenium (the test extra)")
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from neuprog.app.serve import serving
from neuprog.app.workspace import Workspace
from neuprog.learn.runner import open_model
from neuprog.tables.readers import read_table

EXAMPLES = Path(__file__).parent.parent / "examples"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="needs Chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver)"
)


@pytest.fixture(scope="module")
def model():
    return open_model()[0]


@pytest.fixture(scope="module")
def address(model):
    workspace = Workspace(model, [read_table(EXAMPLES / "cities.csv"), read_table(EXAMPLES / "tables" / "medals.csv")], max_upload_bytes=5000)
    with serving(workspace) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1150"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait(driver, condition, timeout: float = 20):
    """Wait until ``condition()`` holds; the page redraws as answers arrive, so an element may go stale meanwhile."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: condition())


def text(driver, ident: str) -> str:
    return driver.find_element(By.ID, ident).text


def first_cells(driver, rows: str = "#rows tbody tr") -> list[str]:
    """The first cell (after the row number) of each row the selector picks, read in one go."""
    return driver.execute_script("return [...document.querySelectorAll(arguments[0])].map(row => row.cells[1].textContent)", rows)


def highlighted(driver) -> list[str]:
    return first_cells(driver, "#rows tbody tr.selected")


def ask(driver, question: str) -> None:
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "ask").click()


def run(driver, program: str) -> None:
    editor = driver.find_element(By.ID, "program")
    driver.execute_script("arguments[0].value = arguments[1]", editor, program)
    driver.find_element(By.ID, "run").click()


def test_ask_look_at_a_step_edit_the_program_and_run_it_again(address, browser, model):
    browser.get(address)
    wait(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")) == 8)
    ask(browser, "what cities are in norway?")
    wait(browser, lambda: text(browser, "answer") == "Oslo, Bergen, Trondheim")
    assert (
        text(browser, "confidence") == f"{model.ask(EXAMPLES / 'cities.csv', 'what cities are in norway?').confidence:.2f}"
        and 'how: "city" of 3 rows' in text(browser, "how").lower()
    )
    assert browser.find_element(By.ID, "program").get_property("value") == 's1 = ALL_ROWS WHERE "Country" LIKE \'norway\'\ns2 = SELECT "City" FROM s1'
    steps = browser.find_elements(By.CSS_SELECTOR, "#steps .step")
    assert len(steps) == 4 and any("select" in step.text and "Country" in step.text for step in steps)
    assert sum("dropped" in step.get_attribute("class") for step in steps) == 2  # the minimal program keeps two of the four raw steps
    wait(browser, lambda: highlighted(browser) == ["Oslo", "Bergen", "Trondheim"])
    assert [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#rows td.answer")] == ["Oslo", "Bergen", "Trondheim"]

    run(browser, 's1 = ALL_ROWS WHERE "Country" LIKE \'sweden\'\ns2 = FIRST(s1)\ns3 = SELECT "City" FROM s2')
    wait(browser, lambda: text(browser, "answer") == "Stockholm")
    assert text(browser, "answer-label") == "Answer of the edited program"
    wait(browser, lambda: highlighted(browser) == ["Stockholm"])
    browser.find_elements(By.CSS_SELECTOR, "#steps .step")[0].click()
    wait(browser, lambda: highlighted(browser) == ["Stockholm", "Gothenburg"])
    assert "current" in browser.find_elements(By.CSS_SELECTOR, "#steps .step")[0].get_attribute("class")

    run(browser, 's1 = ALL_ROWS WHERE "City" >')
    wait(browser, lambda: browser.find_element(By.ID, "program-error").is_displayed())
    assert "syntax error at line 1, column 29" in text(browser, "program-error")
    assert text(browser, "answer") == "Stockholm"  # the last good answer stays until a program runs

    browser.find_element(By.ID, "restore").click()
    wait(browser, lambda: text(browser, "answer") == "Oslo, Bergen, Trondheim")
    assert [item.text.splitlines()[0] for item in browser.find_elements(By.CSS_SELECTOR, "#history li")] == ["what cities are in norway?"]
    if os.environ.get("NEUPROG_SCREENSHOT"):
        browser.save_screenshot(os.environ["NEUPROG_SCREENSHOT"])
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]]
    assert problems == []  # a refused program is a 400 the page shows; nothing else may go wrong in its script


def test_upload_a_table_then_ask_about_it_and_see_bad_uploads_explained(address, browser, tmp_path):
    browser.get(address)
    wait(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, "#table option")) == 2)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1\n2,3,4\n")
    browser.find_element(By.ID, "upload").send_keys(str(ragged))
    wait(browser, lambda: browser.find_element(By.ID, "upload-error").is_displayed())
    assert "ragged.csv: record 2 has 1 fields" in text(browser, "upload-error") and str(tmp_path) not in text(browser, "upload-error")
    towns = tmp_path / "towns.csv"
    towns.write_text('Town,People\nLund,"94,000"\nUmeå,"89,000"\nVisby,"24,000"\n', encoding="utf-8")
    browser.find_element(By.ID, "upload").send_keys(str(towns))
    wait(browser, lambda: "towns.csv (3 rows)" in [option.text for option in browser.find_elements(By.CSS_SELECTOR, "#table option")])
    wait(browser, lambda: first_cells(browser) == ["Lund", "Umeå", "Visby"])
    ask(browser, "how many people live in visby?")
    wait(browser, lambda: text(browser, "answer") == "24,000")
    assert [item.text.splitlines()[1] for item in browser.find_elements(By.CSS_SELECTOR, "#history li")] == ["towns.csv → 24,000"]
