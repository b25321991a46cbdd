"""The authenticators enrolled so far move from django-otp's TOTPDevice, whose `key`
column holds the secret in clear (hex), to accounts.EncryptedTOTPDevice, which holds
it encrypted under SANXIN_DATA_KEY (0007). Everything else is copied as it is: the
name, confirmation, drift, the last accepted time step (a code used before the
upgrade is still refused after it), the throttling state and the timestamps. The
old rows are deleted, so no clear secret is left in the table; users keep their
authenticator app and do not enrol again. A session verified before the upgrade is
asked for a code once more (it named the old device).

Needs SANXIN_DATA_KEY, as every migration that encrypts (households.0002). Going
back decrypts the secrets into TOTPDevice again."""

from django.db import migrations

from sanxin.lib import crypto

# The columns both models have besides the secret (and the id, which is not kept).
COPIED = [
    "user_id",
    "name",
    "confirmed",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "last_used_at",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
]


def _move(source, target, secret):
    """Copy each device of `source` into `target` (the secret through `secret`), then
    delete the source rows."""
    for old in source.objects.order_by("pk"):
        values = {column: getattr(old, column) for column in COPIED}
        new = target.objects.create(**values, **secret(old))
        # created_at is auto_now_add: set it after the insert.
        target.objects.filter(pk=new.pk).update(created_at=old.created_at)
    source.objects.all().delete()


def forward(apps, schema_editor):
    _move(
        apps.get_model("otp_totp", "TOTPDevice"),
        apps.get_model("accounts", "EncryptedTOTPDevice"),
        lambda old: {"key_encrypted": crypto.encrypt(old.key)},
    )


def backward(apps, schema_editor):
    _move(
        apps.get_model("accounts", "EncryptedTOTPDevice"),
        apps.get_model("otp_totp", "TOTPDevice"),
        lambda old: {"key": crypto.decrypt(old.key_encrypted)},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_totp_encrypted"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forward, backward)]
