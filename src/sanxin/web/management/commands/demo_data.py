"""`sanxin demo-data`: build the demo data set (see sanxin.web.demo)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sanxin.web import demo
from sanxin.web.demo.reset import reset_database

logger = logging.getLogger(__name__)

REFUSE_RESET = (
    "拒绝执行：--reset 会清空数据库中的全部数据（农户、人员、账号、审计日志……），"
    "当前不是调试模式（SANXIN_DEBUG 已关闭），这可能是正式环境。"
    "如确实要清空并重建演示数据，请同时加上 --yes-really。没有删除任何数据。\n"
    "Refused: --reset erases ALL data (households, people, logins, the audit log...) and "
    "debug mode is off (SANXIN_DEBUG), so this may be a production database. Add "
    "--yes-really if you really mean it. Nothing was erased."
)


class Command(BaseCommand):
    help = "生成演示数据：双滦区的镇村、大贵口村 300 户虚构农户、各角色的演示账号，大贵口村一年的积分记录和“双基”信用评定，一个已定级的评定周期（含异议、证书和动态调整）和下一年度已开启的周期。可重复运行，已有的数据不会重复生成。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先清空数据库中的全部数据（包括审计日志和所有账号），再重新生成。仅用于演示环境；非调试模式下还须加 --yes-really。",
        )
        parser.add_argument(
            "--yes-really",
            action="store_true",
            help="确认在非调试模式（SANXIN_DEBUG 关闭）下也执行 --reset。",
        )
        parser.add_argument(
            "--households",
            type=int,
            default=demo.PILOT_HOUSEHOLDS,
            help=f"大贵口村的户数（默认 {demo.PILOT_HOUSEHOLDS}；不是默认值时不生成区内其他镇村）",
        )
        parser.add_argument(
            "--no-district",
            action="store_true",
            help="只生成试点村和邻村，不生成区内其他镇村的演示数据。",
        )

    def handle(
        self,
        *args,
        reset: bool,
        yes_really: bool,
        households: int,
        no_district: bool = False,
        **options,
    ):
        if reset and not settings.DEBUG and not yes_really:
            logger.warning(
                "demo-data --reset refused: debug mode is off and --yes-really not given"
            )
            raise CommandError(REFUSE_RESET)
        try:
            with transaction.atomic():
                if reset:
                    self.stderr.write(
                        self.style.WARNING(
                            "警告：--reset 会清空数据库中的全部数据（农户、人员、账号、审计日志……），然后重新生成演示数据。"
                        )
                    )
                    reset_database()
                    logger.info("demo-data --reset: the whole database was erased")
                # The rest of the district comes with the full-size pilot only.
                district = not no_district and households == demo.PILOT_HOUSEHOLDS
                result = demo.build(households=households, district=district)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        cal = result.calendar

        if result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示数据已生成（用时 {result.seconds:.1f} 秒）：新建行政区划 {result.regions} 个、"
                    f"农户 {result.households} 户、人员 {result.people} 人、账号 {result.users} 个、"
                    f"角色分配 {result.assignments} 条。"
                )
            )
            if result.assessments or result.entries:
                self.stdout.write(
                    f"积分与信用：“双基”信用评定 {result.assessments} 户；积分记录 {result.entries} 条"
                    f"（已审核 {result.reviews} 条，其中驳回 {result.rejected} 条；待审核 {result.pending} 条；"
                    f"冲正 {result.reversals} 条；一票否决 {result.vetoes} 户）。"
                )
            if result.grades:
                self.stdout.write(
                    f"{demo.PILOT_VILLAGE}截至 {cal.as_of:%Y-%m-%d} 的暂定等级：{demo.format_grades(result.grades)}。"
                )
            if result.final_grades:
                for line in demo.format_cycle_story(result):
                    self.stdout.write(line)
            if result.candidates:
                self.stdout.write(
                    f"后备人选：{demo.PILOT_VILLAGE}提名 {result.candidates} 人"
                    "（已提名、镇已确认、已报区委组织部、已列入后备各一人）。"
                )
            if result.district.changed:
                self.stdout.write(demo.format_district(result.district))
        else:
            self.stdout.write("演示数据已存在，没有改动。")
        if result.skipped_people:
            self.stdout.write(
                self.style.WARNING(
                    f"有 {result.skipped_people} 人的身份证号已在库中，没有重复添加。"
                )
            )
        self.stdout.write("")
        self.stdout.write("演示账号（人员均为虚构，区划代码仅为示意）：")
        self.stdout.write(demo.format_logins())
        self.stdout.write("")
        self.stdout.write(
            f"除 admin 外，所有演示账号的密码都是：{demo.PASSWORD}    村民也可以用手机号登录。"
        )
        if result.superuser_password:
            self.stdout.write(
                self.style.WARNING(
                    f"超级用户 admin 的密码（随机生成，只显示这一次，请记下）：{result.superuser_password}"
                )
            )
        else:
            self.stdout.write(
                "超级用户 admin 的密码在它创建时已显示过一次；忘记了可以用 "
                "`sanxin changepassword admin` 重新设置。"
            )
