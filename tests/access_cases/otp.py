"""Access cases for two-factor login (accounts/views/otp.py). Enrolment, verification
and recovery codes are for the users who need a second factor (roles that reveal ID
numbers, manage users, the scheme or credit: accounts/otp.py); the status page and the
reset are for the admins who reach the user, as for passwords (tests/access_cases/users.py)."""

from __future__ import annotations

from tests.access_cases import Case

NEEDS_2FA = {
    "district_admin",
    "credit_officer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "other_district_admin",
    "other_town_admin",
    "other_credit_officer",
    "neighbour_committee_head",
}
HOME_ADMINS = {"district_admin", "town_admin"}


def _head(w):
    return w.users["committee_head"]


def _head_enrolled(w) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice

    from sanxin.accounts.models import EncryptedTOTPDevice

    EncryptedTOTPDevice.objects.create(user=_head(w), name="手机验证器", confirmed=True)
    StaticDevice.objects.create(user=_head(w), name="备用码", confirmed=True)


def _reset(w, username):
    from sanxin.accounts.models import EncryptedTOTPDevice
    from sanxin.audit.models import AuditEvent

    assert not EncryptedTOTPDevice.objects.filter(user=_head(w)).exists()
    assert AuditEvent.objects.filter(action="otp.reset", actor__username=username).exists()


CASES = [
    Case("accounts:otp_enrol", lambda w: "/accounts/2fa/enrol/", NEEDS_2FA),
    # Without an authenticator yet, verification and recovery codes send to enrolment.
    Case("accounts:otp_verify", lambda w: "/accounts/2fa/verify/", NEEDS_2FA),
    Case("accounts:otp_recovery", lambda w: "/accounts/2fa/recovery/", NEEDS_2FA),
    Case("accounts:otp_status", lambda w: f"/accounts/users/{_head(w).pk}/2fa/", HOME_ADMINS),
    Case(
        "accounts:otp_reset",
        lambda w: f"/accounts/users/{_head(w).pk}/2fa/reset/",
        HOME_ADMINS,
        method="post",
        data=lambda w: {},
        setup=_head_enrolled,
        effect=_reset,
    ),
]
