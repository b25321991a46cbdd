"""The audit log in words: Chinese names for the action codes the services write, and
each event's before/after as readable lines ("等级 5A → 未评级"). A formatter per known
key; an unknown key falls back to "key：value". Every action string written with
`audit(action=...)` in src has a name here (tests/oversight/test_audit_page.py checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from sanxin.accounts.choices import Role
from sanxin.households.choices import CadrePost, HouseholdStatus, PoliticalStatus
from sanxin.ledger.choices import Source
from sanxin.ratings.models import AppealKind, CycleState
from sanxin.rules.scheme import GRADE_LABELS

ACTION_LABELS: dict[str, Any] = {
    "appeal.dismiss": _("异议不成立"),
    "appeal.file": _("提出异议"),
    "appeal.uphold": _("异议成立"),
    "certificate.issue": _("发放信用等级证书"),
    "certificate.issue_village": _("全村批量发放证书"),
    "credit.assess": _("录入“双基”信用评定"),
    "credit.import": _("导入“双基”信用评定表"),
    "credit.view_details": _("查看信用评定明细"),
    "cycle.advance": _("评定周期进入下一步"),
    "cycle.compute": _("计算评定结果"),
    "cycle.open": _("开启评定周期"),
    "cycle.open_district": _("全区开启评定周期"),
    "cycle.open_history": _("补评历史期次"),
    "data_key.rotate": _("更换数据加密密钥"),
    "demo.ledger": _("生成演示数据"),
    "entries.import": _("导入积分表"),
    "entry.approve": _("积分审核通过"),
    "entry.record": _("记录积分"),
    "entry.reject": _("积分审核驳回"),
    "entry.reverse": _("冲正积分"),
    "grade.dynamic": _("等级动态调整"),
    "household.create": _("新增农户"),
    "loan.apply": _("提出用信申请"),
    "loan.disburse": _("登记贷款发放"),
    "loan.grant": _("批准用信申请"),
    "loan.refuse": _("不批准用信申请"),
    "loan.withdraw": _("撤回用信申请"),
    "household.update": _("修改农户信息"),
    "household.export": _("导出农户名单"),
    "lending.bank_import": _("导入信用社授信审批结果"),
    "lending.line_acknowledge": _("知悉授信变动"),
    "lending.line_decline": _("不予授信"),
    "lending.line_follow_grade": _("授信随等级调整"),
    "lending.line_grant": _("单独授信"),
    "lending.lines_export": _("导出授信名单"),
    "lending.lines_grant": _("按政策批量授信"),
    "lending.policy_publish": _("发布授信政策"),
    "lending.report_export": _("导出农户用信明细"),
    "person.create": _("新增人员"),
    "person.move": _("人员迁户"),
    "person.reveal_id": _("查看完整身份证号"),
    "person.reveal_id.denied": _("查看身份证号被拒绝"),
    "person.update": _("修改人员信息"),
    "rating.adjust_confirm": _("确认等级调整"),
    "rating.adjust_propose": _("提出等级调整"),
    "rating.adjust_refuse": _("否决等级调整"),
    "rating.policy": _("设置评定周期频率"),
    "rating.review_close": _("评信团会议定级"),
    "repayment.import": _("导入信用社还款文件"),
    "repayment.record": _("登记还款"),
    "repayment.reverse": _("冲正还款"),
    "role.assign": _("分配角色"),
    "role.end": _("结束角色"),
    "roster.import": _("导入花名册"),
    "scheme.derive": _("在已有版本上发布新版本"),
    "scheme.publish": _("发布评分方案"),
    "scheme.village_adopt": _("发布本村自设项版本"),
    "user.activate": _("启用账号"),
    "user.create": _("创建用户"),
    "user.deactivate": _("停用账号"),
    "user.password_reset": _("重设密码"),
    "user.set_elder_mode": _("切换长辈模式"),
    "veto.record": _("记录否决或直接判级"),
    "veto.revoke": _("撤销否决或直接判级"),
}

KEY_LABELS: dict[str, Any] = {
    "active": _("在册"),
    "address": _("地址"),
    "amount": _("金额（元）"),
    "annual_rate": _("年利率（%）"),
    "approved_under_appeal": _("因异议直接通过"),
    "assessments": _("评定记录"),
    "bank_loan_number": _("信用社贷款编号"),
    "bank_reference": _("流水号"),
    "base": _("依据版本"),
    "batch": _("批次"),
    "cadence": _("评定频率"),
    "cadre_post": _("干部职务"),
    "cap_grade": _("等级上限"),
    "code": _("方案编码"),
    "committee_size": _("评信团人数"),
    "confirmed": _("确认"),
    "context": _("查看场合"),
    "created": _("新增条数"),
    "cut_off": _("截止日期"),
    "cycle": _("评定周期"),
    "decision": _("会议决定"),
    "disbursed_on": _("放款日期"),
    "display_name": _("显示名"),
    "effective_from": _("生效日期"),
    "ended_at": _("结束时间"),
    "ends_on": _("结束日期"),
    "entry": _("积分记录"),
    "file": _("文件"),
    "from": _("原等级"),
    "grade": _("等级"),
    "grades": _("等级分布"),
    "grades_in_force": _("定级户数"),
    "held_on": _("会议日期"),
    "history": _("补评历史期次"),
    "household": _("农户"),
    "households": _("户数"),
    "households_notified": _("通知户数"),
    "id_number": _("身份证号"),
    "interest": _("利息（元）"),
    "is_active": _("账号启用"),
    "issued": _("新发证书"),
    "item": _("积分项"),
    "kind": _("类别"),
    "loan": _("贷款"),
    "method": _("还款方式"),
    "min_grade": _("最低等级"),
    "name": _("姓名"),
    "note": _("说明"),
    "number": _("户号"),
    "occurred_on": _("发生日期"),
    "on_behalf": _("代为提出"),
    "own_items": _("自设项"),
    "paid_on": _("还款日期"),
    "password": _("密码"),
    "period": _("期次"),
    "person": _("人员"),
    "phone": _("电话"),
    "photos": _("照片数"),
    "points": _("分值"),
    "policy_version": _("授信政策版本"),
    "political_status": _("政治面貌"),
    "present": _("出席人数"),
    "principal": _("本金（元）"),
    "purpose": _("用途"),
    "reason": _("理由"),
    "reasons": _("未批准的原因"),
    "region": _("范围"),
    "relation": _("与户主关系"),
    "reused": _("沿用证书"),
    "reversal": _("冲正记录"),
    "reverses": _("冲正的记录"),
    "role": _("角色"),
    "rule": _("否决事项"),
    "run": _("第几次计算"),
    "scheme_version": _("评分方案"),
    "serial": _("证书编号"),
    "skipped": _("跳过条数"),
    "source": _("来源"),
    "starts_on": _("起始日期"),
    "state": _("状态"),
    "status": _("状态"),
    "submission": _("提交编号"),
    "supersedes": _("取代的评定"),
    "term_months": _("期限（月）"),
    "to": _("调整为"),
    "total": _("总分"),
    "total_interest": _("利息合计（元）"),
    "upheld": _("异议成立"),
    "user": _("用户"),
    "username": _("用户名"),
    "version": _("版本"),
    "village": _("村"),
    "villager_group": _("村民小组"),
    "villages": _("村数"),
}


def _grade(value: Any) -> str:
    return str(GRADE_LABELS.get(value, value))


def _choice(choices) -> Callable[[Any], str]:
    labels = dict(choices.choices)
    return lambda value: str(labels.get(value, value))


def _grades(value: Any) -> str:
    if not isinstance(value, dict):
        return plain(value)
    return "、".join(f"{_grade(g)} {n} 户" for g, n in value.items()) or "—"


def _password(value: Any) -> str:
    return {"generated": str(_("系统生成")), "set": str(_("自行设定"))}.get(value, plain(value))


def _state(value: Any) -> str:
    labels = dict(CycleState.choices) | dict(HouseholdStatus.choices)
    return str(labels.get(value, value))


VALUE_FORMATS: dict[str, Callable[[Any], str]] = {
    "grade": _grade,
    "from": _grade,
    "to": _grade,
    "cap_grade": _grade,
    "min_grade": _grade,
    "grades": _grades,
    "state": _state,
    "status": _state,
    "role": _choice(Role),
    "kind": _choice(AppealKind),
    "source": _choice(Source),
    "political_status": _choice(PoliticalStatus),
    "cadre_post": _choice(CadrePost),
    "password": _password,
}


def plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是")) if value else str(_("否"))
    if isinstance(value, list | tuple):
        return "、".join(plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{label(k)} {plain(v)}" for k, v in value.items()) or "—"
    return str(value)


def label(key: str) -> str:
    return str(KEY_LABELS.get(key, key))


def value_text(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    return VALUE_FORMATS.get(key, plain)(value)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def changes(before: dict | None, after: dict | None) -> list[str]:
    """Readable lines: "等级 5A → 未评级" for a key in both, "理由：…" for a key in
    one of them (a key only before is marked so)."""
    before, after = before or {}, after or {}
    lines = []
    for key, new in after.items():
        if key in before and before[key] != new:
            lines.append(f"{label(key)} {value_text(key, before[key])} → {value_text(key, new)}")
        else:
            lines.append(f"{label(key)}：{value_text(key, new)}")
    for key, old in before.items():
        if key not in after:
            lines.append(f"{label(key)}：{value_text(key, old)}（{_('变更前')}）")
    return lines
