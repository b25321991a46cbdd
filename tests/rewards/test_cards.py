"""Household QR cards (门牌码): the signed token, the printed sheet, and (with the
models) issuing, revoking and scanning."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from sanxin.lib import pdf
from sanxin.lib.qr import make_qr
from sanxin.rewards import cards
from sanxin.rewards.pdf_cards import PER_PAGE, CardDoc, GroupSheet, cards_pdf, plain_words

HOST = "https://sanxin.example.cn"


def card_url(value: str | None = None) -> str:
    return f"{HOST}/shop/c/{cards.token_for_value(value or cards.new_card_value())}/"


def make_cards(count: int, start: int = 1) -> list[CardDoc]:
    return [
        CardDoc(number=f"{i:04d}", head_masked="张*峰" if i % 2 else "欧**明", url=card_url())
        for i in range(start, start + count)
    ]


def page_texts(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def squeeze(text: str) -> str:
    return "".join(text.split())


# --- the token ----------------------------------------------------------------------


def test_a_token_gives_back_its_value_and_a_changed_one_gives_nothing():
    value = cards.new_card_value()
    token = cards.token_for_value(value)
    assert cards.value_from_token(token) == value
    assert cards.value_from_token(value) is None  # unsigned
    forged = cards.new_card_value() + token[len(value) :]  # another value, the old signature
    assert cards.value_from_token(forged) is None
    assert cards.value_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert cards.value_from_token("") is None


def test_a_certificate_signature_does_not_open_a_card():
    from django.core import signing

    from sanxin.ratings.certificates import SALT as CERT_SALT

    value = cards.new_card_value()
    assert cards.value_from_token(signing.Signer(salt=CERT_SALT).sign(value)) is None


def test_card_values_are_random_and_short():
    values = {cards.new_card_value() for _ in range(1000)}
    assert len(values) == 1000
    assert {len(v) for v in values} == {11}


def test_the_card_link_fits_a_small_qr_code():
    """Version 6 (41 × 41 modules) for a host of this length: at 38 mm a module is
    0.8 mm, easy for any phone camera."""
    assert make_qr(card_url()).version <= 6


# --- the printed sheet ----------------------------------------------------------------


def test_each_group_starts_a_page_and_a_page_holds_eight_cards():
    first = GroupSheet(
        village_name="大贵口村", group_name="第一组", town_name="偏桥子镇", cards=make_cards(11)
    )
    second = GroupSheet(village_name="大贵口村", group_name="第二组", cards=make_cards(3, 101))
    empty = GroupSheet(village_name="大贵口村", group_name="第三组", cards=[])
    texts = page_texts(cards_pdf([first, second, empty], title="大贵口村门牌码", author="超市"))
    assert len(texts) == 3  # 8 + 3 of the first group, 3 of the second; none for the third
    assert PER_PAGE == 8
    numbers = [[w for w in t.split() if w.isdigit() and len(w) == 4] for t in texts]
    assert numbers == [
        [f"{i:04d}" for i in range(1, 9)],
        ["0009", "0010", "0011"],
        ["0101", "0102", "0103"],
    ]
    assert "偏桥子镇大贵口村第一组门牌码第1页共2页" in squeeze(texts[0])
    assert "偏桥子镇大贵口村第一组门牌码第2页共2页" in squeeze(texts[1])
    assert "大贵口村第二组门牌码第1页共1页" in squeeze(texts[2])
    assert "第三组" not in "".join(texts)


def test_every_card_shows_place_number_masked_head_and_plain_words():
    sheet = GroupSheet(village_name="大贵口村", group_name="第一组", cards=make_cards(3))
    text = squeeze(page_texts(cards_pdf([sheet], title="t", author="a"))[0])
    assert text.count(squeeze(plain_words())) == 3
    assert text.count("大贵口村第一组") == 3 + 1  # each card and the page heading
    assert text.count("户号") == 3 and text.count("户主") == 3
    assert text.count("张*峰") == 2 and text.count("欧**明") == 1
    assert squeeze(plain_words()) == "超市扫码兑换·他人扫码可查验信用等级"


def test_no_cards_at_all_prints_one_page_saying_so():
    texts = page_texts(cards_pdf([], title="t", author="a"))
    assert len(texts) == 1 and "没有可打印的门牌码" in squeeze(texts[0])


def test_long_names_are_cut_short_and_rare_characters_print_as_boxes():
    long = "河北省承德市双滦区偏桥子镇大贵口村第一第二第三村民小组联合" * 2
    sheet = GroupSheet(
        village_name=long,
        group_name="第一组",
        cards=[CardDoc(number="0001-东院-" * 4, head_masked="𠀋*峰", url=card_url())],
    )
    text = squeeze(page_texts(cards_pdf([sheet], title="t", author="a"))[0])
    assert "□*峰" in text
    assert "…" in text


def test_the_font_is_embedded_and_covers_the_cards_fixed_words():
    content = cards_pdf(
        [GroupSheet(village_name="大贵口村", group_name="第一组", cards=make_cards(2))],
        title="大贵口村门牌码",
        author="积分超市",
    )
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata.title == "大贵口村门牌码"
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "SanxinKai" in font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
    pdf.font_name()
    glyphs = pdf.pdfmetrics.getFont(pdf.FONT_NAME).face.charToGlyph
    fixed = plain_words() + "农户信用门牌码户号户主第页共没有可打印的。"
    assert [c for c in fixed if ord(c) not in glyphs] == []


@pytest.mark.parametrize("count", [1, 8, 9])
def test_sheets_of_any_size_build(count):
    sheet = GroupSheet(village_name="村", group_name="组", cards=make_cards(count))
    assert len(page_texts(cards_pdf([sheet], title="t", author="a"))) == -(-count // 8)


# --- issuing, revoking, printing ---------------------------------------------------------


def _grade(world, household, grade="4A", *, valid_days=300):
    from datetime import timedelta

    from django.utils import timezone

    from sanxin.ratings.models import Cycle, GradeRecord

    today = timezone.localdate()
    cycle, _ = Cycle.objects.get_or_create(
        village=household.village,
        period=str(today.year - 1),
        defaults={"cut_off": today - timedelta(days=60), "state": "final"},
    )
    return GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=grade,
        source="cycle",
        cycle=cycle,
        effective_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=valid_days),
        recorded_at=timezone.now(),
    )


def _shop(world, *, villages=None, active=True):
    from sanxin.rewards.models import Shop

    shop = Shop.objects.create(
        name="大贵口村积分超市", code="DGK", region=world.village_a1, active=active
    )
    shop.villages.set(villages or [world.village_a1])
    return shop


def main_of(response) -> str:
    """The page's own content, without the header (which names a logged-in user)."""
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def _scan_path(card) -> str:
    return f"/shop/c/{cards.token_for(card)}/"


def _counter_url_exists() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("rewards:counter_household", args=[1])
    except NoReverseMatch:
        return False
    return True


def test_issuing_a_new_card_revokes_the_old_one(world, client):
    from sanxin.audit.models import AuditEvent
    from sanxin.rewards.models import HouseholdCard
    from sanxin.rewards.services.cards import card_issue

    clerk = world.users["shop_clerk"]
    first = card_issue(actor=clerk, household=world.household)
    assert client.get(_scan_path(first)).status_code == 200
    second = card_issue(actor=clerk, household=world.household)
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoked_by == clerk
    assert first.revoke_reason == "补发新卡"
    assert list(HouseholdCard.objects.filter(household=world.household, revoked_at=None)) == [
        second
    ]
    old = client.get(_scan_path(first))
    assert old.status_code == 404 and "无效或已作废" in old.content.decode()
    assert client.get(_scan_path(second)).status_code == 200
    assert AuditEvent.objects.filter(action="card.issue", actor=clerk).count() == 2


def test_revoking_a_card_needs_a_reason_and_closes_it(world, client):
    from django.core.exceptions import ValidationError

    from sanxin.audit.models import AuditEvent
    from sanxin.rewards.services.cards import card_issue, card_revoke

    clerk = world.users["shop_clerk"]
    card = card_issue(actor=clerk, household=world.household)
    with pytest.raises(ValidationError):
        card_revoke(actor=clerk, household=world.household, reason="  ")
    card_revoke(actor=clerk, household=world.household, reason="农户说卡丢了")
    assert client.get(_scan_path(card)).status_code == 404
    with pytest.raises(ValidationError, match="没有在用的门牌码"):
        card_revoke(actor=clerk, household=world.household, reason="再挂失一次")
    event = AuditEvent.objects.get(action="card.revoke")
    assert event.after == {"reason": "农户说卡丢了"} and event.object_repr == "大贵口村 001号户"


@pytest.mark.parametrize(
    "username, allowed",
    [
        ("shop_clerk", True),
        ("committee_head", True),  # manages the village's shop
        ("town_admin", True),
        ("district_admin", True),
        ("committee_member", False),
        ("subteam_member", False),
        ("villager", False),
        ("neighbour_committee_head", False),
        ("other_town_admin", False),
    ],
)
def test_who_may_issue_a_card(world, username, allowed):
    from django.core.exceptions import PermissionDenied

    from sanxin.rewards.services.cards import card_issue, cards_for_group

    user = world.users[username]
    if allowed:
        assert card_issue(actor=user, household=world.household).household == world.household
        assert len(cards_for_group(actor=user, group=world.group_a1_1)) == 1
    else:
        with pytest.raises(PermissionDenied):
            card_issue(actor=user, household=world.household)
        with pytest.raises(PermissionDenied):
            cards_for_group(actor=user, group=world.group_a1_1)


def test_a_group_sheet_makes_missing_cards_once_and_prints_them(world, login):
    from urllib.parse import unquote

    from sanxin.audit.models import AuditEvent
    from sanxin.households.models import Household
    from sanxin.rewards.models import HouseholdCard
    from tests.factories import make_household
    from tests.job_files import download

    make_household(world.village_a1, world.group_a1_1, "003", head="欧阳小明", head_seq=601)
    gone = make_household(world.village_a1, world.group_a1_1, "004", head="周六", head_seq=701)
    Household.objects.filter(pk=gone.pk).update(status="moved_out")
    client = login(world.users["shop_clerk"])
    url = f"/shop/cards/group/{world.group_a1_1.pk}/sheet/"
    response = download(client, client.post(url))  # a background job (run at once here)
    assert response["Content-Type"] == "application/pdf"
    assert "大贵口村第一村民小组门牌码.pdf" in unquote(response["Content-Disposition"])
    text = squeeze(page_texts(response.content)[0])
    assert "大贵口村第一村民小组" in text
    assert "王*山" in text and "欧**明" in text and "王大山" not in text
    assert "周*" not in text  # moved out: no card
    live = HouseholdCard.objects.filter(revoked_at=None)
    assert sorted(live.values_list("household__number", flat=True)) == ["001", "003"]
    tokens = set(live.values_list("token", flat=True))
    assert download(client, client.post(url)).status_code == 200
    assert set(HouseholdCard.objects.filter(revoked_at=None).values_list("token", flat=True)) == (
        tokens
    )
    events = AuditEvent.objects.filter(action="card.print_sheet").order_by("pk")
    assert [e.after for e in events] == [
        {"households": 2, "new_cards": 2},
        {"households": 2, "new_cards": 0},
    ]


def test_card_pages_list_groups_and_households_in_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    from sanxin.rewards.services.cards import cards_for_group
    from tests.factories import make_household

    for i in range(6):
        make_household(
            world.village_a1, world.group_a1_1, f"1{i:02d}", head="张三", head_seq=800 + i
        )
    cards_for_group(actor=world.users["shop_clerk"], group=world.group_a1_1)
    client = login(world.users["shop_clerk"])
    with django_assert_max_num_queries(12):
        page = client.get("/shop/cards/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "第一村民小组" in body and "第二村民小组" in body and "邻村" not in body
    with django_assert_max_num_queries(12):
        page = client.get(f"/shop/cards/group/{world.group_a1_1.pk}/")
    body = page.content.decode()
    assert body.count(">补发新卡</button>") == 7 and "王*山" in body and "王大山" not in body


# --- the scan -------------------------------------------------------------------------------


def test_anyone_scanning_sees_only_the_public_verification(world, client, login):
    from sanxin.rewards.models import Wallet
    from sanxin.rewards.services.cards import card_issue

    _grade(world, world.household, "4A")
    Wallet.objects.create(household=world.household, balance=0)
    card = card_issue(actor=world.users["shop_clerk"], household=world.household)
    for user in (None, world.users["villager"], world.users["other_villager"]):
        c = login(user) if user else client
        response = c.get(_scan_path(card))
        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        body = main_of(response)
        assert "4A" in body and "王*山" in body and "双塔山镇 大贵口村" in body
        assert "王大山" not in body and "001" not in body and "积分" not in body
        client.logout()


def test_an_unrated_or_expired_household_says_so(world, client):
    from sanxin.rewards.services.cards import card_issue

    card = card_issue(actor=world.users["shop_clerk"], household=world.household)
    assert "尚未评定" in client.get(_scan_path(card)).content.decode()
    _grade(world, world.household, "3A", valid_days=-1)
    assert "过期" in client.get(_scan_path(card)).content.decode()


def test_a_clerk_of_a_shop_serving_the_village_goes_to_the_counter(world, login):
    from sanxin.rewards.services.cards import card_issue

    if not _counter_url_exists():
        pytest.skip("the counter (rewards:counter_household) is not merged yet")
    _shop(world)
    card = card_issue(actor=world.users["shop_clerk"], household=world.household)
    response = login(world.users["shop_clerk"]).get(_scan_path(card))
    assert response.status_code == 302
    from django.urls import reverse

    assert response["Location"] == reverse("rewards:counter_household", args=[world.household.pk])


def test_a_clerk_whose_shop_does_not_serve_the_village_sees_the_public_page(world, login):
    from sanxin.rewards.services.cards import card_issue

    card = card_issue(actor=world.users["shop_clerk"], household=world.household)
    client = login(world.users["shop_clerk"])
    assert client.get(_scan_path(card)).status_code == 200  # no shop at all
    _shop(world, villages=[world.village_a2])
    assert client.get(_scan_path(card)).status_code == 200  # the shop serves another village


@pytest.mark.parametrize(
    "token",
    ["nonsense", "abc:def", "", "x" * 300],
)
def test_bad_tokens_get_the_plain_invalid_page(world, client, token):
    response = client.get(f"/shop/c/{token}/") if token else client.get("/shop/c/%20/")
    assert response.status_code == 404
    assert "无效或已作废" in response.content.decode()


def test_a_card_of_a_closed_shop_village_and_an_inactive_shop(world, login):
    from sanxin.rewards.services.cards import card_issue

    _shop(world, active=False)
    card = card_issue(actor=world.users["shop_clerk"], household=world.household)
    response = login(world.users["shop_clerk"]).get(_scan_path(card))
    assert response.status_code == 200  # a closed shop opens no counter: the public page


@pytest.mark.parametrize(
    "username, shown",
    [
        ("shop_clerk", True),
        ("committee_head", True),
        ("committee_member", False),
        ("villager", False),
    ],
)
def test_the_menu_leads_to_the_card_pages(world, login, username, shown):
    body = login(world.users[username]).get("/").content.decode()
    assert ('href="/shop/cards/"' in body) is shown
