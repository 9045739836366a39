"""A real browser over `bandcrawler demo --serve`: search near Paris, the list and the markers,
a popup, a concert page, the back button, a phone's width, and a screenshot."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import chromium


@pytest.fixture(scope="module")
def served(demo_served):
    return demo_served.url


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def _wait(driver, condition, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(condition)


def _markers_loaded(driver) -> bool:
    return driver.execute_script("return document.getElementById('map').dataset.markers") \
        is not None


def _search_near_paris(browser, served):
    browser.get(served + "/")
    form = browser.find_element(By.CSS_SELECTOR, "form.search")
    form.find_element(By.NAME, "near").send_keys("Paris")
    form.find_element(By.NAME, "radius").send_keys("100km")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(browser, lambda d: "near=Paris" in d.current_url)
    _wait(browser, _markers_loaded)


def test_search_near_paris_shows_the_list_and_the_markers(browser, served, tmp_path):
    _search_near_paris(browser, served)
    query = parse_qs(urlsplit(browser.current_url).query)
    assert query["near"] == ["Paris"] and query["radius"] == ["100km"]
    expected = httpx.get(served + "/api/concerts", params={"near": "Paris",
                                                           "radius": "100km"}).json()
    ids = [c["concert_id"] for c in expected["concerts"]]
    assert len(ids) >= 3 and expected["next"] is None
    shown = [li.get_attribute("data-id")
             for li in browser.find_elements(By.CSS_SELECTOR, "#concerts li.concert")]
    assert shown == ids
    markers = browser.execute_script(
        "return window.bandcrawler.markers.map(m => [m.concert.concert_id,"
        " m.getLatLng().lat, m.getLatLng().lng])")
    assert sorted(m[0] for m in markers) == sorted(ids)
    for concert_id, lat, lon in markers:
        doc = next(c for c in expected["concerts"] if c["concert_id"] == concert_id)
        assert (lat, lon) == pytest.approx((doc["location"]["lat"], doc["location"]["lon"]))
    browser.save_screenshot(str(tmp_path / "near-paris.png"))
    assert (tmp_path / "near-paris.png").stat().st_size > 10_000


def test_a_cancelled_concert_is_marked_in_the_list_and_on_the_map(browser, served):
    _search_near_paris(browser, served)
    cancelled = httpx.get(served + "/api/concerts", params={
        "near": "Paris", "radius": "100km", "status": "cancelled"}).json()["concerts"]
    assert cancelled, "the demo data has a cancelled concert near Paris"
    concert_id = cancelled[0]["concert_id"]
    item = browser.find_element(By.CSS_SELECTOR, f'li[data-id="{concert_id}"]')
    assert "mark-cancelled" in item.get_attribute("class")
    assert item.find_element(By.CSS_SELECTOR, ".mark").text.lower() == "cancelled"
    classes = browser.execute_async_script("""
        const [id, done] = arguments;
        const m = window.bandcrawler.markers.find(x => x.concert.concert_id === id);
        window.bandcrawler.cluster.zoomToShowLayer(m, () => done(m.getElement().className));
    """, concert_id)
    assert "status-cancelled" in classes


def test_a_popup_leads_to_the_concert_page_and_back(browser, served, tmp_path):
    _search_near_paris(browser, served)
    search_url = browser.current_url
    first = browser.find_element(By.CSS_SELECTOR, "#concerts li.concert")
    concert_id = first.get_attribute("data-id")
    band = first.find_element(By.CSS_SELECTOR, ".band").text
    browser.execute_async_script("""
        const [id, done] = arguments;
        const m = window.bandcrawler.markers.find(x => x.concert.concert_id === id);
        window.bandcrawler.cluster.zoomToShowLayer(m, () => { m.openPopup(); done(); });
    """, concert_id)
    popup = _wait(browser, ready.visibility_of_element_located(
        (By.CSS_SELECTOR, ".leaflet-popup-content .bc-popup")))
    assert band in popup.text and "Status:" in popup.text
    browser.save_screenshot(str(tmp_path / "popup.png"))
    popup.find_element(By.CSS_SELECTOR, "a.more").click()
    _wait(browser, lambda d: d.current_url.endswith(f"/concerts/{concert_id}"))
    assert browser.find_element(By.TAG_NAME, "h1").text == band
    assert browser.find_element(By.ID, "status").text
    history = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.history li")]
    assert history and "ConcertAnnounced" in history[0]  # who said it first, and when
    browser.save_screenshot(str(tmp_path / "concert.png"))
    browser.back()
    _wait(browser, lambda d: d.current_url == search_url)
    assert browser.find_element(By.NAME, "near").get_attribute("value") == "Paris"
    assert browser.find_elements(By.CSS_SELECTOR, f'li[data-id="{concert_id}"]')


def test_the_page_fits_a_phone(browser, served, tmp_path):
    browser.set_window_size(390, 844)
    try:
        _search_near_paris(browser, served)
        time.sleep(0.5)  # the layout settles after the map's first fit
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390
        map_box = browser.find_element(By.ID, "map").rect
        first = browser.find_element(By.CSS_SELECTOR, "#concerts li.concert").rect
        assert map_box["width"] <= 390 and map_box["height"] > 200
        assert first["y"] >= map_box["y"] + map_box["height"]  # the list comes below
        browser.save_screenshot(str(tmp_path / "phone.png"))
        assert (tmp_path / "phone.png").stat().st_size > 5_000
    finally:
        browser.set_window_size(1280, 900)


def test_no_script_error_beyond_the_missing_tiles(browser, served):
    _search_near_paris(browser, served)
    errors = [entry["message"] for entry in browser.get_log("browser")
              if entry["level"] == "SEVERE"]
    tiles = served.rsplit(":", 1)[0]
    assert [e for e in errors if not e.startswith(tiles)] == []
    assert browser.find_element(By.CSS_SELECTOR, ".map-note").text.startswith(
        "Map tiles could not be loaded")
