"""Suggestions (建言献策): a villager submits one with photos, chooses whether other
villagers see their name, the committee answers, an adopted one earns the scheme's
item as a pending entry approved by another member; crafted text and images are
refused with a message the villager understands."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from sanxin.engagement.choices import SuggestionState
from sanxin.engagement.models import Suggestion, SuggestionPhoto
from sanxin.engagement.services import suggestions as svc
from sanxin.ledger.models import Entry
from sanxin.ledger.services import entry_review
from sanxin.notifications.choices import Kind
from sanxin.notifications.models import Notification
from tests.crafted_files import image_bytes, png_bomb


def _half_a_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 64).convert("RGB").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


TEXT = "建议在村东头的路口装一盏路灯，晚上回家太黑了。"


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(world, **kw):
    values = {"actor": world.users["villager"], "text": TEXT} | kw
    return svc.suggestion_submit(**values)


# --- submitting -------------------------------------------------------------------------


def test_a_villager_submits_a_suggestion_with_a_photo_stored_without_metadata(world):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    photo = upload(image_bytes("JPEG", (40, 30), exif=exif.tobytes()))
    s = submit(world, photos=[photo], show_name=True)
    assert (s.village, s.household, s.state) == (
        world.village_a1,
        world.household,
        SuggestionState.SUBMITTED,
    )
    assert s.show_name is True
    stored = SuggestionPhoto.objects.get(suggestion=s)
    with stored.image.open("rb") as handle:
        data = handle.read()
    assert b"SecretCam" not in data
    assert Image.open(stored.image.path).getexif() == {}


@pytest.mark.parametrize(
    "text",
    [
        "建议\u200b修路",  # zero-width space
        "建议修路\u202e路灯装",  # right-to-left override
        "建议\u2066修路\u2069好",  # isolate
        "\ufeff建议修路好好",  # BOM
        "建议\x00修路好好",  # NUL
    ],
)
def test_text_with_invisible_or_direction_characters_is_refused_with_the_position(world, text):
    with pytest.raises(ValidationError) as exc:
        submit(world, text=text)
    assert "不可见或改变文字方向的字符" in exc.value.message_dict["text"][0]
    assert not Suggestion.objects.exists()


def test_markup_and_lookalike_text_is_kept_as_plain_text(world):
    s = submit(world, text="<script>alert(1)</script>ＡＢＣ建议修路")
    assert s.text == "<script>alert(1)</script>ABC建议修路"


def test_too_short_and_too_long_texts_are_refused(world):
    with pytest.raises(ValidationError, match="至少"):
        submit(world, text="修路")
    with pytest.raises(ValidationError, match="最多"):
        submit(world, text="修" * (svc.MAX_TEXT + 1))


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "a.svg", "无法识别"),
        (b"%PDF-1.4 not a photo", "photo.jpg", "无法识别"),
        (image_bytes("GIF"), "anim.gif", "无法识别"),
        (_half_a_jpeg(), "cut.jpg", "损坏"),
        (png_bomb(), "bomb.png", "像素过多"),
        (b"<?php echo 1; ?>" + image_bytes("PNG"), "shell.php.png", "无法识别"),
    ],
)
def test_crafted_images_are_refused_with_a_clear_message(world, content, name, message):
    with pytest.raises(ValidationError) as exc:
        submit(world, photos=[upload(content, name)])
    assert message in exc.value.message_dict["photos"][0]
    assert not Suggestion.objects.exists()


def test_the_same_open_suggestion_twice_is_sent_once(world):
    submit(world)
    with pytest.raises(ValidationError, match="已经提交过"):
        submit(world)
    assert Suggestion.objects.count() == 1


def test_staff_and_other_households_cannot_submit_in_someone_elses_name(world):
    with pytest.raises(PermissionDenied):
        svc.suggestion_submit(actor=world.users["committee_head"], text=TEXT)
    with pytest.raises(PermissionDenied):
        svc.suggestion_submit(
            actor=world.users["other_villager"], text=TEXT, household=world.household
        )


# --- answering ----------------------------------------------------------------------------


def test_adopted_suggestion_earns_the_item_as_a_pending_entry_approved_by_another(world, scheme):
    s = submit(world)
    head = world.users["committee_head"]
    answered = svc.suggestion_answer(
        actor=head, suggestion=s, state=SuggestionState.ADOPTED, reply="好建议，月底前装好。"
    )
    entry = answered.entry
    assert (entry.item_code, entry.points, entry.household) == (
        "affairs.suggestion",
        2,
        world.household,
    )
    assert entry.person.is_head
    assert not hasattr(entry, "review") or entry.review is None
    with pytest.raises(ValidationError):
        entry_review(actor=head, entry=entry, approve=True)  # maker-checker
    entry_review(actor=world.users["committee_member"], entry=entry, approve=True)
    note = Notification.objects.get(household=world.household, kind=Kind.SUGGESTION_ANSWERED)
    assert "已采纳" in note.title and note.body == "好建议，月底前装好。"


def test_under_study_can_be_answered_again_but_a_final_answer_cannot(world, scheme):
    s = submit(world)
    head = world.users["committee_head"]
    svc.suggestion_answer(
        actor=head, suggestion=s, state=SuggestionState.UNDER_STUDY, reply="正在和镇里商量。"
    )
    svc.suggestion_answer(
        actor=head, suggestion=s, state=SuggestionState.DECLINED, reply="经费不足，明年再议。"
    )
    with pytest.raises(ValidationError, match="不能再改"):
        svc.suggestion_answer(
            actor=head, suggestion=s, state=SuggestionState.ADOPTED, reply="改为采纳"
        )
    assert not Entry.objects.exists()
    assert Notification.objects.filter(kind=Kind.SUGGESTION_ANSWERED).count() == 2


def test_who_may_answer(world, scheme):
    s = submit(world)
    for name in ("villager", "subteam_member", "neighbour_committee_head", "other_town_admin"):
        with pytest.raises(PermissionDenied):
            svc.suggestion_answer(
                actor=world.users[name], suggestion=s, state=SuggestionState.NOTED, reply="收到"
            )
    # the town may answer, but adopting records points: the village committee's job
    with pytest.raises(PermissionDenied, match="评信团"):
        svc.suggestion_answer(
            actor=world.users["town_admin"],
            suggestion=s,
            state=SuggestionState.ADOPTED,
            reply="采纳",
        )
    svc.suggestion_answer(
        actor=world.users["town_admin"], suggestion=s, state=SuggestionState.NOTED, reply="收到"
    )


def test_a_member_does_not_answer_their_own_households_suggestion(world, scheme):
    s = submit(world)
    member = world.users["committee_member"]
    member.person = world.household.members.get(is_head=True)
    member.save()
    with pytest.raises(PermissionDenied, match="本人家庭"):
        svc.suggestion_answer(
            actor=member, suggestion=s, state=SuggestionState.ADOPTED, reply="采纳了"
        )


def test_a_reply_with_hidden_characters_is_refused(world, scheme):
    s = submit(world)
    with pytest.raises(ValidationError):
        svc.suggestion_answer(
            actor=world.users["committee_head"],
            suggestion=s,
            state=SuggestionState.NOTED,
            reply="收到\u200d了",
        )


# --- pages --------------------------------------------------------------------------------


def test_names_on_the_village_list_are_hidden_as_chosen(world, login):
    submit(world, text="建议一：修一修村口的桥。", show_name=False)
    submit(world, text="建议二：多种一些树木。", show_name=True)
    other = login(world.users["other_villager"]).get(f"/village/{world.village_a1.pk}/suggestions/")
    html = other.content.decode()
    assert "王大山" not in html and "王*山" in html and "村民" in html
    committee = login(world.users["committee_member"]).get(
        f"/village/{world.village_a1.pk}/suggestions/"
    )
    assert committee.content.decode().count("王大山") == 2


def test_the_page_escapes_crafted_text(world, login):
    s = submit(world, text="<img src=x onerror=alert(1)>建议修路")
    html = login(world.users["other_villager"]).get(f"/village/suggestions/{s.pk}/").content
    assert b"<img src=x" not in html and b"&lt;img src=x" in html


def test_submitting_a_crafted_photo_on_the_page_shows_the_reason(world, login):
    client = login(world.users["villager"])
    response = client.post(
        f"/village/{world.village_a1.pk}/suggestions/new/",
        {"text": TEXT, "photos": [upload(png_bomb(), "bomb.png", "image/png")]},
    )
    assert response.status_code == 200
    assert "像素过多" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_photos_are_for_the_household_and_the_staff(world, login):
    s = submit(world, photos=[upload(image_bytes("PNG", (10, 10)), "a.png", "image/png")])
    photo = s.photos.get()
    url = f"/village/suggestions/photos/{photo.pk}/"
    assert login(world.users["villager"]).get(url).status_code == 200
    assert login(world.users["committee_member"]).get(url).status_code == 200
    assert login(world.users["other_villager"]).get(url).status_code == 404
    assert login(world.users["neighbour_committee_head"]).get(url).status_code == 404


def test_the_list_page_runs_a_bounded_number_of_queries(
    world, login, django_assert_max_num_queries
):
    Suggestion.objects.bulk_create(
        Suggestion(
            village=world.village_a1,
            household=world.household,
            author=world.users["villager"],
            text=f"第{i}条建议：多办实事。",
            show_name=i % 2 == 0,
            created_at=timezone.now(),
        )
        for i in range(40)
    )
    client = login(world.users["other_villager"])
    with django_assert_max_num_queries(12):
        response = client.get(f"/village/{world.village_a1.pk}/suggestions/")
    assert response.status_code == 200


def test_too_many_photos_are_refused(world):
    photos = [upload(image_bytes("PNG", (4, 4)), f"{i}.png", "image/png") for i in range(7)]
    with pytest.raises(ValidationError, match="最多上传 6 张"):
        submit(world, photos=photos)


def test_a_villager_cannot_suggest_to_another_village(world, login):
    client = login(world.users["villager"])
    assert client.get(f"/village/{world.village_a2.pk}/suggestions/new/").status_code == 404
    response = client.post(
        f"/village/{world.village_a2.pk}/suggestions/new/", {"text": "给邻村提个建议吧。"}
    )
    assert response.status_code == 404 and not Suggestion.objects.exists()
