"""Delete audit rows older than SANXIN_AUDIT_RETENTION_DAYS (at least 183 days: the
Cybersecurity Law keeps network logs six months). Run it daily or weekly."""

from django.core.management.base import BaseCommand

from sanxin.audit.services import audit_prune


class Command(BaseCommand):
    help = "删除超过保存期限的操作日志（保存期限不少于 183 天）"

    def handle(self, *args, **options):
        removed = audit_prune()
        self.stdout.write(f"已删除 {removed} 条超过保存期限的操作日志")
