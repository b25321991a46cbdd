"""Two-factor login (TOTP through django-otp, recovery codes through its static device).

Who needs it: the holders of a role that can reveal identity numbers, assign roles, or
manage the scheme or credit (`REQUIRED_PERMS`, read from scope.PERMISSIONS so it follows
the table), and superusers. When `settings.SANXIN_REQUIRE_2FA` is on, such a user must
verify a code after the password before any other page (accounts/middleware.py).

Recovery codes are kept hashed: each is stored as the first 16 hex digits of
SHA-256("sanxin-recovery:<user id>:<code>") in django-otp's StaticToken (its field holds
16 characters). A code is 12 characters from a 31-letter alphabet (about 59 bits), so a
stolen database does not give them away.

Authenticator secrets are kept encrypted (`EncryptedTOTPDevice` in accounts/models.py,
Fernet under SANXIN_DATA_KEY, as identity numbers are); `totp_keys_rotate` re-encrypts
them under the first key for `sanxin rotate-data-key`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from sanxin.accounts.models import EncryptedTOTPDevice, User
from sanxin.accounts.scope import PERMISSIONS, Perm, scope_for
from sanxin.accounts.services import _check_manager, _check_may_change_user
from sanxin.audit.services import audit
from sanxin.lib import crypto

logger = logging.getLogger(__name__)

REQUIRED_PERMS = (
    Perm.REVEAL_ID,
    Perm.MANAGE_USERS,
    Perm.MANAGE_SCHEME,
    Perm.LENDING_POLICY,
    Perm.LENDING_MANAGE,
    Perm.RECORD_CREDIT,
)
ROLES_REQUIRING_2FA: frozenset[str] = frozenset(
    role for perm in REQUIRED_PERMS for role in PERMISSIONS[perm]
)
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i
RECOVERY_CODE_LENGTH = 12
TOTP_DIGITS = 6
DEVICE_NAME = "手机验证器"
RECOVERY_NAME = "备用码"


def requires_second_factor(user) -> bool:
    """Whether this signed-in user must pass the second factor."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or scope_for(user).roles & ROLES_REQUIRING_2FA)


def confirmed_totp(user) -> EncryptedTOTPDevice | None:
    return EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def recovery_codes_left(user) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device is not None else 0


def manual_key(device: EncryptedTOTPDevice) -> str:
    """The secret as base32 in groups of four, for typing into an authenticator app."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_keys_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypt every authenticator's secret under the first data key (the others
    still decrypt meanwhile, so codes keep working); returns how many. Each batch is
    its own transaction; running it again is harmless."""
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                EncryptedTOTPDevice.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", "key_encrypted")[:batch_size]
            )
            for pk, token in batch:
                EncryptedTOTPDevice.objects.filter(pk=pk).update(key_encrypted=crypto.rotate(token))
        if not batch:
            return done
        done += len(batch)
        last_pk = batch[-1][0]


def totp_pending(user: User) -> EncryptedTOTPDevice:
    """The user's not yet confirmed authenticator (made on first call, the same one on
    a reload so a scanned code stays valid)."""
    device = EncryptedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = EncryptedTOTPDevice.objects.create(
            user=user, name=DEVICE_NAME, confirmed=False, digits=TOTP_DIGITS
        )
    return device


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.strip().lower() if ch.isalnum())


def _hash_recovery(user_id: int, code: str) -> str:
    value = f"sanxin-recovery:{user_id}:{_normalise(code)}"
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    device.token_set.bulk_create(
        [device.token_set.model(device=device, token=_hash_recovery(user.pk, c)) for c in codes]
    )
    return codes


@dataclass(frozen=True)
class Verified:
    """The outcome of checking a code: the device that accepted it, or why not."""

    device: EncryptedTOTPDevice | StaticDevice | None
    error: str = ""


def _locked_message(device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until")
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 60
    return f"输错次数太多，请等 {seconds} 秒后再试。"


def _check_recovery(user: User, code: str) -> Verified:
    device = recovery_device(user)
    if device is None:
        return Verified(None, "备用码不对。")
    locked = _locked_message(device)
    if locked:
        return Verified(None, locked)
    with transaction.atomic():
        token = device.token_set.filter(token=_hash_recovery(user.pk, code)).first()
        if token is not None:
            token.delete()
            device.throttle_reset(commit=False)
            device.set_last_used_timestamp(commit=False)
            device.save()
            return Verified(device)
    device.throttle_increment()
    return Verified(None, "备用码不对，或者已经用过了。每个备用码只能用一次。")


def code_check(user: User, code: str) -> Verified:
    """Check a 6-digit authenticator code or a recovery code of `user`. Wrong codes
    count towards django-otp's throttling (each failure doubles the wait)."""
    cleaned = _normalise(code)
    if not cleaned:
        return Verified(None, "请输入验证码。")
    if not (cleaned.isdigit() and len(cleaned) == TOTP_DIGITS):
        return _check_recovery(user, cleaned)
    device = confirmed_totp(user)
    if device is None:
        return Verified(None, "您还没有绑定手机验证器。")
    locked = _locked_message(device)
    if locked:
        return Verified(None, locked)
    if device.verify_token(cleaned):
        return Verified(device)
    return Verified(None, "验证码不对。请看手机验证器上最新的 6 位数字再输一次。")


def otp_enrol_confirm(*, actor: User, code: str) -> list[str]:
    """Confirm the actor's pending authenticator with a code from it; returns the new
    recovery codes (shown once)."""
    device = totp_pending(actor)
    locked = _locked_message(device)
    if locked:
        raise ValidationError({"code": locked})
    if not device.verify_token(_normalise(code)):
        raise ValidationError({"code": "验证码不对。请看手机验证器上最新的 6 位数字再输一次。"})
    with transaction.atomic():
        EncryptedTOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(actor)
        audit(
            actor=actor,
            action="otp.enrol",
            obj=actor,
            region_path=actor.region.path if actor.region is not None else "",
            after={"recovery_codes": len(codes)},
        )
    logger.info("second factor enrolled: user %s", actor.pk)
    return codes


@transaction.atomic
def otp_recovery_regenerate(*, actor: User) -> list[str]:
    """New recovery codes for the actor (the old ones stop working)."""
    if confirmed_totp(actor) is None:
        raise ValidationError("请先绑定手机验证器。")
    codes = _replace_recovery_codes(actor)
    audit(
        actor=actor,
        action="otp.recovery_regenerate",
        obj=actor,
        region_path=actor.region.path if actor.region is not None else "",
        after={"recovery_codes": len(codes)},
    )
    logger.info("recovery codes regenerated: user %s", actor.pk)
    return codes


@transaction.atomic
def otp_reset(*, actor: User, user: User) -> None:
    """Remove a user's authenticator and recovery codes (a lost phone): at the next
    login the user enrols again. District and town admins, for users wholly in their
    region (as for passwords)."""
    _check_manager(actor)
    _check_may_change_user(actor, user)
    removed = EncryptedTOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    if not removed:
        raise ValidationError("该用户还没有绑定手机验证器，无需重置。")
    audit(
        actor=actor,
        action="otp.reset",
        obj=user,
        region_path=user.region.path if user.region is not None else "",
        before={"second_factor": True},
        after={"second_factor": False},
    )
    logger.info("second factor reset: user %s by user %s", user.pk, actor.pk)
