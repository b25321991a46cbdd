"""The audit log in words: Chinese names for the action codes the services write, and
each event's before/after as readable lines ("等级 5A → 未评级"). A formatter per known
key; an unknown key falls back to "key：value". Every action string written with
`audit(action=...)` in src has a name here (tests/oversight/test_audit_page.py checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from sanxin.accounts.choices import Role
from sanxin.engagement.choices import (
    CheckInMethod,
    ContributionKind,
    NominationSource,
    NominationState,
    ProjectKind,
    SelectionState,
    SuggestionState,
)
from sanxin.households.choices import CadrePost, HouseholdStatus, PoliticalStatus
from sanxin.ledger.choices import Source
from sanxin.lending.choices import RepaymentMethod
from sanxin.oversight.assessment.choices import IndicatorKind, IndicatorLevel, RuleKind
from sanxin.oversight.assessment.indicators import REGISTRY
from sanxin.ratings.models import AppealKind, CycleState
from sanxin.rewards.choices import FundingKind, RedemptionSource
from sanxin.rewards.models import CandidateStatus
from sanxin.rules.scheme import GRADE_LABELS

ACTION_LABELS: dict[str, Any] = {
    "api_token.issue": _("创建接口令牌"),
    "api_token.revoke": _("撤销接口令牌"),
    "appeal.dismiss": _("异议不成立"),
    "appeal.file": _("提出异议"),
    "appeal.uphold": _("异议成立"),
    "candidate.accept": _("列入后备人选"),
    "candidate.confirm": _("确认后备人选"),
    "candidate.criteria": _("设置后备人选建议条件"),
    "candidate.forward": _("报送后备人选"),
    "candidate.nominate": _("提名后备人选"),
    "candidate.tell": _("告知本户后备人选"),
    "candidate.withdraw": _("撤回后备人选"),
    "card.issue": _("制作门牌码（旧卡作废）"),
    "card.print_sheet": _("打印村民小组门牌码"),
    "card.revoke": _("作废门牌码"),
    "certificate.issue": _("发放信用等级证书"),
    "certificate.issue_village": _("全村批量发放证书"),
    "credit.assess": _("录入“双基”信用评定"),
    "credit.import": _("导入“双基”信用评定表"),
    "credit.view_details": _("查看信用评定明细"),
    "cycle.advance": _("评定周期进入下一步"),
    "cycle.compute": _("计算评定结果"),
    "job.start": _("开始后台任务"),
    "job.retry": _("重试后台任务"),
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
    "funding.receive": _("登记超市资金到账"),
    "funding.source_create": _("新增超市资金来源"),
    "grade.dynamic": _("等级动态调整"),
    "household.create": _("新增农户"),
    "loan.apply": _("提出用信申请"),
    "loan.disburse": _("登记贷款发放"),
    "loan.grant": _("批准用信申请"),
    "loan.refuse": _("不批准用信申请"),
    "loan.withdraw": _("撤回用信申请"),
    "household.update": _("修改农户信息"),
    "household.export": _("导出农户名单"),
    "department.members_export": _("导出党员先锋积分名单"),
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
    "product.create": _("新增超市商品"),
    "product.update": _("修改超市商品"),
    "rate.lockout": _("操作太频繁，被暂时限制"),
    "rating.adjust_confirm": _("确认等级调整"),
    "rating.adjust_propose": _("提出等级调整"),
    "redemption.create": _("积分兑换"),
    "redemption.paper_batch": _("补录纸质兑换单"),
    "redemption.void": _("撤销兑换"),
    "redemption.void_reject": _("驳回撤销兑换申请"),
    "redemption.void_request": _("申请撤销兑换"),
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
    "shop.create": _("开设积分超市"),
    "shop.export": _("导出积分超市账目"),
    "shop.update": _("修改积分超市"),
    "stock.adjust_confirm": _("确认库存报损调整"),
    "stock.adjust_reject": _("驳回库存报损调整"),
    "stock.adjust_request": _("申请库存报损调整"),
    "stock.receive": _("商品入库"),
    "stocktake.record": _("超市盘点"),
    "shop_policy.publish": _("发布积分兑换办法"),
    "otp.enrol": _("绑定手机验证器"),
    "otp.recovery_regenerate": _("重新生成备用码"),
    "otp.reset": _("重置手机验证器"),
    "user.activate": _("启用账号"),
    "user.create": _("创建用户"),
    "user.deactivate": _("停用账号"),
    "user.password_reset": _("重设密码"),
    "user.set_elder_mode": _("切换长辈模式"),
    "veto.record": _("记录否决或直接判级"),
    "veto.revoke": _("撤销否决或直接判级"),
    "wallet.allowance": _("发放等级奖励积分"),
    "wallet.expire": _("扣除过期积分"),
    # personal-information rights (privacy/services.py, privacy/views)
    "privacy.copy": _("下载本户信息副本"),
    "privacy.correction_file": _("申请更正个人信息"),
    "privacy.correction_answer": _("答复更正申请"),
    "privacy.consent": _("登记公开同意"),
    "privacy.anonymise": _("匿名化离册人员"),
    "audit.prune": _("删除超过保存期限的操作日志"),
    # 全民争信: honour selections (engagement/services/honours.py)
    "ballot.cast": _("荣誉评选投票"),
    "honour.award": _("授予荣誉"),
    "honour.withdraw": _("撤销荣誉"),
    "honour_objection.answer": _("答复荣誉公示异议"),
    "honour_objection.raise": _("对荣誉公示提出异议"),
    "honour_type.add": _("新增荣誉类型"),
    "nomination.check": _("审查荣誉提名"),
    "nomination.submit": _("提交荣誉提名"),
    "representative.add": _("登记村民代表"),
    "representative.end": _("村民代表离任"),
    "selection.award": _("荣誉评选授予完成"),
    "selection.check": _("荣誉评选截止提名、进入资格审查"),
    "selection.close": _("结束荣誉评选"),
    "selection.count": _("荣誉评选计票"),
    "selection.open": _("开启荣誉评选"),
    "selection.vote": _("荣誉评选开始投票"),
    # 全民争信: suggestions and contributions
    "contribution.record": _("记录捐资捐物、义务投工"),
    "project.create": _("新建村级项目"),
    "suggestion.answer": _("答复村民建议"),
    "suggestion.submit": _("村民提出建议"),
    # 全民争信: village activities (engagement/services/activities.py)
    "activity.cancel": _("取消村内活动"),
    "activity.publish": _("发布村内活动"),
    "attendance.record": _("为活动签到者记录积分"),
    "checkin.add": _("活动签到"),
    "signup.add": _("活动报名"),
    "signup.withdraw": _("取消活动报名"),
    # 考核: the assessment of towns and villages (oversight/assessment/services.py)
    "assessment.indicator_add": _("新增考核指标"),
    "assessment.indicator_edit": _("修改考核指标"),
    "assessment.indicator_remove": _("删除考核指标"),
    "assessment.manual_score": _("考核区级评分"),
    "assessment.publish": _("发布考核结果"),
    "assessment.republish": _("重新发布考核结果（新版本）"),
    "assessment.scheme_create": _("新建考核指标体系"),
    "assessment.scheme_edit": _("修改考核指标体系"),
    "assessment.use_defaults": _("采用默认考核指标"),
}

KEY_LABELS: dict[str, Any] = {
    # rate limits (accounts/rates.py)
    "rate_kind": _("受限操作"),
    "rate_limit": _("每分钟上限（次）"),
    "blocked_until": _("限制到"),
    "request_path": _("请求地址"),
    "recovery_codes": _("备用码个数"),
    "second_factor": _("手机验证器"),
    "authenticators": _("重新加密的手机验证器密钥个数"),
    # 考核: the assessment of towns and villages
    "computation": _("计算方法"),
    "floor": _("下限"),
    "indicator_kind": _("指标类型"),
    "indicators": _("考核指标"),
    "level": _("适用对象"),
    "score": _("得分"),
    "score_rule": _("计分规则"),
    "target_value": _("目标值"),
    "thresholds": _("分档"),
    "towns": _("镇数"),
    "weight": _("权重"),
    "year": _("考核年度"),
    # 全民争信: honour selections
    "ballots": _("收回选票"),
    "elected": _("当选人数"),
    "eligible_voters": _("应投票人数"),
    "honours": _("授予荣誉数"),
    "needed": _("有效所需票数"),
    "nominated_as": _("推荐方式"),
    "quota": _("名额"),
    "selection": _("荣誉评选"),
    # 全民争信: suggestions and contributions
    "amount": _("金额（元）"),
    "answer": _("答复结果"),
    "contribution_kind": _("捐赠方式"),
    "labour_days": _("投工（天）"),
    "project": _("项目"),
    "project_kind": _("项目类型"),
    "show_name": _("向村民显示姓名"),
    "target": _("目标金额（元）"),
    # 全民争信: village activities
    "activity": _("活动"),
    "capacity": _("人数上限"),
    "entries": _("记录条数"),
    "left": _("未记人数"),
    "checkin_method": _("签到方式"),
    "repayment_method": _("还款方式"),
    "starts_at": _("开始时间"),
    "title": _("名称"),
    "active": _("在册"),
    "address": _("地址"),
    "allowances": _("等级奖励积分"),
    "annual_rate": _("年利率（%）"),
    "approved_under_appeal": _("因异议直接通过"),
    "assessments": _("评定记录"),
    "bank_loan_number": _("信用社贷款编号"),
    "bank_reference": _("流水号"),
    "base": _("依据版本"),
    "batch": _("批次"),
    "cadence": _("评定频率"),
    "cadre_max_age": _("村干部后备人选最高年龄"),
    "cadre_min_vanguard": _("村干部后备人选先锋积分至少"),
    "cadre_post": _("干部职务"),
    "cap_grade": _("等级上限"),
    "code": _("方案编码"),
    "committee_size": _("评信团人数"),
    "components": _("计入钱包的积分类别"),
    "confirmed": _("确认"),
    "context": _("查看场合"),
    "counted_on": _("盘点日期"),
    "created": _("新增条数"),
    "cut_off": _("截止日期"),
    "cycle": _("评定周期"),
    "decision": _("会议决定"),
    "disbursed_on": _("放款日期"),
    "display_name": _("显示名"),
    "effective_from": _("生效日期"),
    "exclude_vetoed": _("有一票否决时不建议"),
    "ended_at": _("结束时间"),
    "ends_on": _("结束日期"),
    "entry": _("积分记录"),
    "expiry_years": _("积分有效年数"),
    "file": _("文件"),
    "from": _("原等级"),
    "funding_kind": _("资金来源类型"),
    "funding_source": _("资金来源"),
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
    "limit": _("每户限兑"),
    "min_grade": _("最低等级"),
    "name": _("姓名"),
    "note": _("说明"),
    "lines": _("兑换商品"),
    "new_cards": _("新制门牌码"),
    "notify_days_before": _("过期前提醒天数"),
    "loan": _("贷款"),
    "number": _("户号"),
    "occurred_at": _("兑换时间"),
    "occurred_on": _("发生日期"),
    "on_behalf": _("代为提出"),
    "on_shelf": _("上架"),
    "open": _("营业中"),
    "own_items": _("自设项"),
    "party_max_age": _("发展党员后备人选最高年龄"),
    "party_min_age": _("发展党员后备人选最低年龄"),
    "paid_on": _("还款日期"),
    "password": _("密码"),
    "period": _("期次"),
    "person": _("人员"),
    "phone": _("电话"),
    "photo": _("照片"),
    "photos": _("照片数"),
    "points": _("分值"),
    "policy": _("兑换办法"),
    "policy_version": _("授信政策版本"),
    "political_status": _("政治面貌"),
    "present": _("出席人数"),
    "principal": _("本金（元）"),
    "purpose": _("用途"),
    "price_points": _("兑换积分"),
    "product": _("商品"),
    "products": _("商品数"),
    "quantity": _("数量"),
    "reason": _("理由"),
    "received_on": _("到账/入库日期"),
    "receipt": _("小票编号"),
    "redemptions": _("小票"),
    "reasons": _("未批准的原因"),
    "region": _("范围"),
    "relation": _("与户主关系"),
    "replaces": _("作废的旧卡"),
    "requested_by": _("申请人"),
    "reused": _("沿用证书"),
    "reversal": _("冲正记录"),
    "reverses": _("冲正的记录"),
    "role": _("角色"),
    "rows": _("行数"),
    "rule": _("否决事项"),
    "run": _("第几次计算"),
    "scheme_version": _("评分方案"),
    "serial": _("证书编号"),
    "served_villages": _("服务的村"),
    "shop": _("积分超市"),
    "shop_code": _("超市简码"),
    "shop_name": _("超市名称"),
    "slip": _("纸质单据号"),
    "slips": _("纸质单据"),
    "skipped": _("跳过条数"),
    "source": _("来源"),
    "starts_on": _("起始日期"),
    "state": _("状态"),
    "status": _("状态"),
    "submission": _("提交编号"),
    "supersedes": _("取代的评定"),
    "term_months": _("期限（月）"),
    "to": _("调整为"),
    "today": _("处理日期"),
    "total": _("总分"),
    "total_interest": _("利息合计（元）"),
    "supplier": _("供应商"),
    "unit": _("单位"),
    "unit_cost": _("单价（元）"),
    "upheld": _("异议成立"),
    "user": _("用户"),
    "username": _("用户名"),
    "variances": _("盘点差异"),
    "version": _("版本"),
    "via": _("办理方式"),
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
    labels = (
        dict(SelectionState.choices)
        | dict(NominationState.choices)
        | dict(CycleState.choices)
        | dict(HouseholdStatus.choices)
        | dict(CandidateStatus.choices)
    )
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
    "nominated_as": _choice(NominationSource),
    "answer": _choice(SuggestionState),
    "contribution_kind": _choice(ContributionKind),
    "project_kind": _choice(ProjectKind),
    "checkin_method": _choice(CheckInMethod),
    "repayment_method": _choice(RepaymentMethod),
    "political_status": _choice(PoliticalStatus),
    "cadre_post": _choice(CadrePost),
    "password": _password,
    "funding_kind": _choice(FundingKind),
    "via": _choice(RedemptionSource),
    "level": _choice(IndicatorLevel),
    "indicator_kind": _choice(IndicatorKind),
    "score_rule": _choice(RuleKind),
    "computation": lambda value: str(REGISTRY[value].label if value in REGISTRY else plain(value)),
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
