"""The pages issue 15 added, on a phone in 长辈模式 (DESIGN.md principle 11), measured in
Chromium at 320 CSS px and at 200% zoom (160 CSS px): the API's token pages (a new
token shown once, the list, a revoke, a user manager's view) and its reference, the
four imports (upload, the running check, the preview with its row-numbered problems,
the apply's outcome), a job page with a file to download, and the village board and
honour roll where a name is masked for want of consent. None scrolls sideways (long
tokens, file names and URLs wrap), text is at least 18 px with enough contrast, and
every button, link and file picker in the page body is at least 60×60 px, none
touching another."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sanxin.credit.jobs import CREDIT
from sanxin.engagement.models import HonourType
from sanxin.households.import_jobs import ImportKind
from sanxin.households.jobs import ROSTER
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.models import Job
from sanxin.ledger.jobs import ENTRIES
from sanxin.lending.jobs import REPAYMENTS
from tests.access_cases.standing import _final
from tests.e2e import test_elder_mode as elder
from tests.engagement.conftest import reps, types  # noqa: F401 (fixtures of `filled`)
from tests.engagement.test_board import filled  # noqa: F401 (a fixture)
from tests.factories import sheet_xlsx, valid_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
open_as = elder.open_as  # the logged-in page fixture

VIEWPORTS = [
    pytest.param({"viewport": {"width": 320, "height": 640}}, id="320px"),
    pytest.param(
        {"viewport": {"width": 160, "height": 320}, "device_scale_factor": 2}, id="zoom200"
    ),
]
# Wider than the body unless it wraps: a file name people really send.
LONG = "大贵口村2026年第四季度_最终版_已核对_请勿修改_version3_copy_of_copy_0123456789abcdefghij"
LONG_URL = "https://ledger.example.com/sync/0123456789abcdefghijklmnopqrstuvwxyz"

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The page body's tap targets, the imports' file picker among them.
BODY_TARGETS = f"{elder.MAIN_TARGETS}, main input[type=file]"
# Pairs of tap targets in the page body that overlap or touch (less than 1 px apart).
TOUCHING = """(selector) => {
  const els = [...document.querySelectorAll(selector)].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  });
  const boxes = els.map(el => [el, el.getBoundingClientRect()]);
  const name = el => el.tagName + ' ' + (el.textContent || el.value || '').trim().slice(0, 12);
  const out = [];
  boxes.forEach(([a, ra], i) => boxes.slice(i + 1).forEach(([b, rb]) => {
    if (a.contains(b) || b.contains(a)) return;
    if (ra.left < rb.right - 0.5 && rb.left < ra.right - 0.5
        && ra.top < rb.bottom + 1 && rb.top < ra.bottom + 1) out.push([name(a), name(b)]);
  }));
  return out.slice(0, 5);
}"""
# An element is one line high; the lines of the text that follows it in its parent.
ONE_LINE = """el => el.getBoundingClientRect().height
    < 1.6 * parseFloat(getComputedStyle(el).lineHeight)"""
COUNT_LINES = """el => {
  const text = [...el.parentElement.childNodes].filter(
    n => n.nodeType === 3 && n.textContent.trim()).pop();
  const range = document.createRange();
  range.selectNodeContents(text);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


def _elder_on(page, base: str) -> None:
    page.goto(base + "/")
    elder._switch(page, on=True)


def _check(page, what: str) -> None:
    """No sideways scrolling, and the elder-mode sizes: text, contrast, tap targets."""
    overflow = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"{what} scrolls {overflow} px sideways: {page.evaluate(elder.WIDE)}"
    elder._check_elder(page, what)
    tiny = [t for t in page.evaluate(elder.TARGETS, BODY_TARGETS) if t["w"] < 60 or t["h"] < 60]
    assert not tiny, f"{what}: tap targets under 60×60 in elder mode: {tiny}"
    touching = page.evaluate(TOUCHING, BODY_TARGETS)
    assert not touching, f"{what}: tap targets overlap or touch: {touching}"


def _fits(page, selector: str) -> None:
    """The element is inside the viewport's width (it wrapped rather than stuck out)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"] + 0.5, selector


# --- the API's pages -------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_api_token_pages_and_reference(world, live_server, open_as, viewport):
    base = live_server.url
    page = open_as("committee_head", **viewport)
    _elder_on(page, base)
    page.goto(base + "/api/tokens/")
    _check(page, "/api/tokens/ (none yet)")
    page.get_by_label("用途").fill(f"信用社台账系统 {LONG_URL}")
    with page.expect_navigation():
        page.get_by_role("button", name="创建令牌").click()
    token = page.locator("#api-token")
    expect(token).to_have_text(re.compile(r"^sx_"))
    _check(page, "/api/tokens/ (a new token shown once)")
    _fits(page, "#api-token")

    with page.expect_navigation():
        page.get_by_role("button", name="撤销").first.click()
    expect(page.get_by_text("已撤销令牌")).to_be_visible()
    _check(page, "/api/tokens/ (revoked)")

    page.goto(base + "/api/docs/")
    _check(page, "/api/docs/")
    _fits(page, "pre.api-example")

    manager = open_as("district_admin", **viewport)
    _elder_on(manager, base)
    url = f"/api/users/{world.users['committee_head'].pk}/tokens/"
    manager.goto(base + url)
    expect(manager.get_by_text("已撤销").first).to_be_visible()
    _check(manager, url)


# --- the four imports ------------------------------------------------------------------

CREDIT_HEADER = ["户号", "评定期", "评定日期", "家庭人口", "劳动力人数", "备注"]


def _imports(world) -> dict[str, dict]:
    """Per import: who runs it, its upload page, the option to pick, and a file with
    problems (a long unknown code, a bad number, a date in the future)."""
    return {
        "roster": {
            "kind": ROSTER,
            "user": "committee_head",
            "upload": "/households/import/",
            "region": "大贵口村",
            "header": ["户号", "村民小组", "姓名", "与户主关系", "身份证号"],
            "bad": [
                ["901", "第一村民小组", "张三", "户主", "123"],
                ["902", f"不存在的小组{LONG}", "李四", "儿子", valid_id(811)],
            ],
            "good": [["901", "第一村民小组", "张三", "户主", valid_id(810)]],
        },
        "points": {
            "kind": ENTRIES,
            "user": "committee_head",
            "upload": "/points/import/",
            "region": "大贵口村",
            "header": ["户号", "姓名", "积分项", "数量", "发生日期", "事实依据"],
            "bad": [
                ["001", "", f"no.such.item.{LONG}", "1", "2026-01-05", LONG_URL],
                ["999", "", "env.tidy", "x", "2099-01-01", ""],
            ],
            "good": [["001", "", "env.tidy", "1", "2025-06-01", f"检查记录 {LONG_URL}"]],
        },
        "credit": {
            "kind": CREDIT,
            "user": "credit_officer",
            "upload": "/credit/import/",
            "region": "大贵口村",
            "header": CREDIT_HEADER,
            "bad": [
                ["001", "2025", "2099-01-01", "九人", "x", LONG_URL],
                [LONG, "20", "", "", "", ""],
            ],
        },
        "repayments": {
            "kind": REPAYMENTS,
            "user": "credit_officer",
            "upload": "/lending/repayments/import/",
            "region": "双塔山镇",
            "header": ["贷款编号", "还款日期", "金额", "流水号"],
            "bad": [[f"NOSUCHLOAN{LONG}", "2099-01-01", "-5", ""]],
        },
    }


def _upload(page, tmp_path, case: dict, rows: list, name: str) -> None:
    select = page.locator("main select").first
    options = select.locator("option").evaluate_all("os => os.map(o => [o.value, o.textContent])")
    select.select_option([v for v, label in options if case["region"] in label][0])
    path = tmp_path / f"{name}{LONG}.xlsx"
    path.write_bytes(sheet_xlsx(rows, header=case["header"]))
    page.locator("main input[type=file]").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()


def _running(kind: ImportKind, world, user, filename: str) -> str:
    """A check job at work (37 of 120 rows), as its page shows it while it runs."""
    now = timezone.now()
    job = Job.objects.create(
        kind=kind.check_kind,
        target=f"import:{kind.name}",
        label=f"检查{kind.title}文件“{filename}”",
        params={"village": world.village_a1.pk, "filename": filename},
        started_by=user,
        region=world.village_a1,
        status=JobStatus.RUNNING,
        done=37,
        total=120,
        started_at=now,
        progress_at=now,
    )
    return reverse(kind.page, args=[job.pk])


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("which", ["roster", "points", "credit", "repayments"])
def test_import_pages(world, scheme, live_server, open_as, tmp_path, viewport, which):
    case = _imports(world)[which]
    base = live_server.url
    page = open_as(case["user"], **viewport)
    _elder_on(page, base)
    page.goto(base + case["upload"])
    _check(page, f"{case['upload']} (upload)")

    url = _running(case["kind"], world, world.users[case["user"]], f"{which}{LONG}.xlsx")
    page.goto(base + url)
    expect(page.locator("main progress")).to_be_visible()
    expect(page.get_by_text("已完成 37 / 120")).to_be_visible()
    _check(page, f"{url} (running)")

    # The check runs at once in tests: the preview with its problems follows the upload.
    page.goto(base + case["upload"])
    _upload(page, tmp_path, case, case["bad"], which)
    expect(page.locator("table.problems tbody tr").first).to_be_visible()
    _check(page, f"{which}: the problems")
    _fits(page, "table.problems")

    if "good" in case:
        page.goto(base + case["upload"])
        _upload(page, tmp_path, case, case["good"], f"{which}-ok")
        expect(page.get_by_role("button", name="确认导入")).to_be_visible()
        _check(page, f"{which}: the preview")
        with page.expect_navigation():
            page.get_by_role("button", name="确认导入").click()
        expect(page.locator(".messages li").first).to_contain_text("导入")
        _check(page, f"{which}: the outcome ({page.url})")


# --- a job's page with a file --------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_job_page_with_a_file_to_download(world, live_server, open_as, viewport):
    _final(world)
    base = live_server.url
    page = open_as("committee_head", **viewport)
    _elder_on(page, base)
    page.goto(f"{base}/ratings/villages/{world.village_a1.pk}/results/")
    page.get_by_label("最低等级").select_option("A")
    with page.expect_navigation():
        page.get_by_role("button", name="在后台生成 PDF").click()
    job = Job.objects.get()
    assert page.url.endswith(f"/jobs/{job.pk}/")
    link = page.get_by_role("link", name=re.compile("下载"))
    expect(link).to_be_visible()
    _check(page, f"/jobs/{job.pk}/")
    _fits(page, ".job-download")


# --- the village board and honour roll, a name masked for want of consent -------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_board_and_honour_roll_with_a_masked_name(filled, live_server, open_as, viewport):  # noqa: F811
    world = filled
    # A longer honour: with its count it no longer fits one line at 320 px.
    HonourType.objects.filter(name="美丽庭院").update(name="美丽庭院示范户")
    base = live_server.url
    page = open_as("other_villager", **viewport)  # not 王大山's household: his name is masked
    _elder_on(page, base)
    village = world.village_a1.pk
    for url in (f"/village/{village}/board/", f"/village/honours/roll/{village}/"):
        page.goto(base + url)
        expect(page.get_by_text("王*山").first).to_be_visible()
        assert page.get_by_text("王大山").count() == 0
        _check(page, url)
    # Lists drawn as cards keep no bullet indent in elder mode.
    assert (
        page.locator("ul.honour-roll").evaluate("el => getComputedStyle(el).paddingLeft") == "0px"
    )
    page.goto(f"{base}/village/{village}/suggestions/")
    _check(page, f"/village/{village}/suggestions/")

    if viewport["viewport"]["width"] >= 320:
        # On the board the honour's name and its count each stay in one piece: the count
        # wraps below the badge rather than both being squeezed and broken mid-word.
        page.goto(f"{base}/village/{village}/board/")
        badge = page.locator(".board-honour-group .honour-badge").first
        assert badge.evaluate(ONE_LINE), "the honour badge is broken over two lines"
        lines = badge.evaluate(COUNT_LINES)
        assert lines == 1, f"the honour's count is broken over {lines} lines"
