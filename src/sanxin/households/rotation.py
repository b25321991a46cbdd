"""Rotating the data key (SANXIN_DATA_KEY): everything encrypted or keyed with it is
rewritten under the first key, so the keys after it can then be dropped.

What it covers: each person's encrypted ID number and its two keyed look-up hashes
(`id_number_hash`, `id_last_digits_index`; the masked form is recomputed too), and
the uploads waiting between preview and confirm (`PendingImport`), and the secrets of
the users' authenticator apps (two-factor login, `otp.totp_keys_rotate`). Each batch is its
own transaction, so an interrupted run keeps what it did and running again is
harmless (it rewrites the same values). Look-ups try every configured key
(`crypto.blind_indexes`), so they keep working before, during and after the run.
The steps for an operator are in docs/guide.md."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from sanxin.accounts import otp
from sanxin.audit.services import audit
from sanxin.households.models import PendingImport, Person, id_number_columns
from sanxin.lib import crypto

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

PERSON_COLUMNS = [
    "id_number_encrypted",
    "id_number_hash",
    "id_last_digits_index",
    "id_number_masked",
]


def data_key_rotate(
    *, actor: User | None = None, batch_size: int = 500, progress: Callable = print
) -> dict[str, int]:
    """Re-encrypt and re-key every row under settings.DATA_KEYS[0]; returns the counts."""
    started = time.perf_counter()
    people_total = Person.objects.count()
    people = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Person.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", *PERSON_COLUMNS)[:batch_size]
            )
            if not batch:
                break
            for person in batch:
                for column, value in id_number_columns(
                    crypto.decrypt(person.id_number_encrypted)
                ).items():
                    setattr(person, column, value)
            Person.objects.bulk_update(batch, PERSON_COLUMNS)
        people += len(batch)
        last_pk = batch[-1].pk
        progress(f"人员 {people} / {people_total}")

    uploads = 0
    for pk in list(PendingImport.objects.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            pending = PendingImport.objects.select_for_update().filter(pk=pk).first()
            if pending is None:  # confirmed or abandoned meanwhile
                continue

            pending.content_encrypted = crypto.rotate_bytes(bytes(pending.content_encrypted))
            pending.save(update_fields=["content_encrypted"])
        uploads += 1
    progress(f"待确认的上传文件 {uploads} 个")

    authenticators = otp.totp_keys_rotate(batch_size=batch_size)
    progress(f"手机验证器密钥 {authenticators} 个")

    counts = {
        "people": people,
        "uploads": uploads,
        "authenticators": authenticators,
        "keys": len(settings.DATA_KEYS),
    }
    audit(
        actor=actor,
        system="sanxin rotate-data-key",
        action="data_key.rotate",
        object_type="households.person",
        after=counts,
    )
    logger.info(
        "data key rotation: %d people, %d pending uploads, %d authenticator secrets "
        "re-encrypted under the first of %d keys in %.2f s",
        people, uploads, authenticators, counts["keys"], time.perf_counter() - started,
    )  # fmt: skip
    return counts
