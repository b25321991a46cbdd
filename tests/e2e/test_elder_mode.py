"""长辈模式 and reflow, measured from the rendered page in Chromium: text sizes, line
spacing and tap targets in elder mode and in normal mode, no sideways scrolling at
320 CSS px and at 200% zoom, and the choice surviving a new login."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SANXIN_E2E_SCREENSHOTS")

# Visible elements of <main> and the header with text of their own: font size, line
# height, and the contrast of the text against the first opaque background behind it.
TEXT = """() => {
  const lum = c => {
    const [r, g, b] = c.match(/[\\d.]+/g).map(Number).slice(0, 3).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor, parts = c.match(/[\\d.]+/g).map(Number);
      if (parts.length < 4 || parts[3] > 0.5) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('main *, header *')].filter(el => {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect();
    return own && r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  }).map(el => {
    const cs = getComputedStyle(el);
    const size = parseFloat(cs.fontSize);
    const line = cs.lineHeight === 'normal' ? 1.2 * size : parseFloat(cs.lineHeight);
    const [a, b] = [lum(cs.color), lum(background(el))];
    return {
      what: el.tagName + ' ' + el.textContent.trim().slice(0, 20), size, ratio: line / size,
      contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
      main: !!el.closest('main'),
    };
  });
}"""

# Visible tap targets matching the selector, with their box.
TARGETS = """(selector) => [...document.querySelectorAll(selector)].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
}).map(el => {
    const r = el.getBoundingClientRect();
    return {what: el.tagName + ' ' + el.textContent.trim().slice(0, 20), w: r.width, h: r.height};
})"""

# Visible checkboxes and radio buttons of <main>: the box itself (box_w, box_h) and its
# tap target (w, h): the box or, larger, a label of it (a tap on the label ticks it).
CHOICES = """() => [...document.querySelectorAll(
    'main input[type=checkbox], main input[type=radio]')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
}).map(el => {
    const boxes = [el, ...el.labels].map(e => e.getBoundingClientRect());
    const label = el.labels.length ? el.labels[0].textContent.trim().slice(0, 20) : '';
    return {what: el.type + ' ' + el.name + ' ' + label,
            box_w: boxes[0].width, box_h: boxes[0].height,
            w: Math.max(...boxes.map(b => b.width)), h: Math.max(...boxes.map(b => b.height))};
})"""

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# What sticks out on the right, to name it in a failure.
WIDE = """() => [...document.querySelectorAll('body *')].filter(el =>
    el.getBoundingClientRect().right > window.innerWidth + 0.5
).slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + el.textContent.trim().slice(0, 20))"""

MAIN_TARGETS = "main a, main button, main .btn, main input[type=submit], main summary"
HEADER_TARGETS = "header a, header button, header summary"
EVERY_BUTTON = f"{HEADER_TARGETS}, main button, main .btn, main input[type=submit]"


@pytest.fixture
def open_as(browser, browser_context_args, live_server):
    """open_as(username, **context options) → a logged-in page in its own context."""
    contexts = []

    def _open(username, **options):
        context = browser.new_context(**{**browser_context_args, **options})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名或手机号").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
        return page

    yield _open
    for context in contexts:
        context.close()


def _pages(world, username):
    household = world.household.pk
    village = world.village_a1.pk
    pages = [
        "/",
        f"/households/{household}/",
        f"/points/households/{household}/",
        f"/village/{village}/suggestions/",  # a filter with a checkbox
    ]
    if username == "villager":
        pages.append(f"/village/{village}/suggestions/new/")
    else:
        pages.append("/points/record/")
    return pages


def _switch(page, on: bool):
    label = "长辈模式" if on else "普通模式"
    with page.expect_navigation():
        page.locator("header").get_by_role("button", name=label).click()
    expect(page.locator("html")).to_have_class("elder" if on else "")


def _check_contrast(page, url):
    faint = [t for t in page.evaluate(TEXT) if t["contrast"] < 4.5]
    assert not faint, f"{url}: text contrast under 4.5:1: {faint}"


def _check_elder(page, url):
    _check_contrast(page, url)
    text = [t for t in page.evaluate(TEXT) if t["main"]]
    small = [t for t in text if t["size"] < 18]
    assert not small, f"{url}: text under 18 px in elder mode: {small}"
    tight = [t for t in text if t["ratio"] < 1.3]
    assert not tight, f"{url}: line spacing under 1.3 in elder mode: {tight}"
    tiny = [t for t in page.evaluate(TARGETS, MAIN_TARGETS) if t["w"] < 60 or t["h"] < 60]
    assert not tiny, f"{url}: main tap targets under 60×60 in elder mode: {tiny}"
    tiny = [t for t in page.evaluate(TARGETS, HEADER_TARGETS) if t["w"] < 44 or t["h"] < 44]
    assert not tiny, f"{url}: header targets under 44×44 in elder mode: {tiny}"
    # In elder mode the box itself is 60 px (a label is not always as tall).
    tiny = [t for t in page.evaluate(CHOICES) if t["box_w"] < 60 or t["box_h"] < 60]
    assert not tiny, f"{url}: checkboxes and radios under 60×60 in elder mode: {tiny}"


def _check_normal(page, url):
    _check_contrast(page, url)
    tiny = [t for t in page.evaluate(TARGETS, EVERY_BUTTON) if t["w"] < 44 or t["h"] < 44]
    assert not tiny, f"{url}: buttons under 44×44: {tiny}"
    tiny = [t for t in page.evaluate(CHOICES) if t["w"] < 44 or t["h"] < 44]
    assert not tiny, f"{url}: checkboxes and radios under 44×44: {tiny}"


@pytest.mark.parametrize("username", ["villager", "committee_member"])
def test_elder_mode_from_the_home_page_sizes_and_survives_a_new_login(
    world, scheme, live_server, open_as, username
):
    page = open_as(username)
    base = live_server.url
    for url in _pages(world, username):
        page.goto(base + url)
        _check_normal(page, url)
    page.goto(base + "/")
    # The header is one row on a 390 px phone.
    assert page.locator("header.top").bounding_box()["height"] < 70
    _switch(page, on=True)
    for url in _pages(world, username):
        page.goto(base + url)
        _check_elder(page, url)

    page.goto(base + "/")
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    expect(page.locator("html")).to_have_class("elder")

    # Switched off again from 我的设置.
    page.locator("details.menu > summary").click()
    page.get_by_role("link", name="我的设置").click()
    with page.expect_navigation():
        page.get_by_role("button", name="关闭长辈模式").click()
    expect(page.locator("html")).not_to_have_class("elder")


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param({"viewport": {"width": 320, "height": 640}}, id="320px"),
        pytest.param(
            {"viewport": {"width": 195, "height": 390}, "device_scale_factor": 2}, id="zoom200"
        ),
    ],
)
@pytest.mark.parametrize("username", ["villager", "committee_member"])
def test_no_sideways_scrolling(world, scheme, live_server, open_as, username, viewport):
    page = open_as(username, **viewport)
    base = live_server.url
    for elder in (False, True):
        if elder:
            page.goto(base + "/")
            _switch(page, on=True)
        for url in _pages(world, username):
            page.goto(base + url)
            overflow = page.evaluate(OVERFLOW)
            mode = "elder" if elder else "normal"
            assert overflow <= 0, (
                f"{url} ({mode}) scrolls {overflow} px sideways: {page.evaluate(WIDE)}"
            )
            if url == "/":
                page.locator("details.menu > summary").click()  # the open menu fits too
                assert page.evaluate(OVERFLOW) <= 0, f"the open menu ({mode}) scrolls sideways"


def test_screenshots(world, scheme, live_server, open_as):
    """With SANXIN_E2E_SCREENSHOTS=dir: the villager's home page, normal and elder."""
    if not SHOTS:
        pytest.skip("SANXIN_E2E_SCREENSHOTS is not set")
    page = open_as("villager")
    page.screenshot(path=os.path.join(SHOTS, "home.png"), full_page=True)
    _switch(page, on=True)
    page.screenshot(path=os.path.join(SHOTS, "elder-home.png"), full_page=True)
