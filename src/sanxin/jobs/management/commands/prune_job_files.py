"""`sanxin prune-job-files`: delete the files of background jobs whose time is up
(SANXIN_JOB_FILE_DAYS after the job finished). The worker does the same with each
heartbeat; this command is for a cron job or a server without a running worker."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sanxin.jobs.services import job_files_prune


class Command(BaseCommand):
    help = "删除已过期的后台任务文件（任务完成 SANXIN_JOB_FILE_DAYS 天后）"

    def handle(self, **options) -> None:
        count = job_files_prune()
        self.stdout.write(f"已删除 {count} 个过期文件")
