"""Reconciliation (对账, `sanxin reconcile`): named checks that the ledgers agree with
themselves, each one set-based SQL statement over whole tables (no loop over rows in
Python), answering with the ids of the rows that disagree.

What is checked (docs/backup.md, "对账"):

- the points ledger: the review queue's table (`ledger_pendingentry`, kept by
  triggers, ledger/pending.py) holds exactly the entries without a review; every
  entry cites an item, a recorder, a scheme version, a date and its household's
  district; a reversal cancels exactly the entry it cites, and an entry has at most
  one reversal that is pending or approved;
- the points supermarket's two cached totals (rewards/services/balances.py): every
  wallet's balance equals the sum of its rows and is at least zero; every product's
  stock equals the sum of its movements (receipts − issues + void returns ±
  adjustments ± stocktake variances) and is at least zero; every wallet row is its
  household's; a credit cites an approved entry of that household with the same
  points, a take-back the approved reversal of a credited entry (taken back +
  shortfall = the credit);
- each redemption: its total is the sum of its lines (price × quantity), its wallet
  debit is one row of minus the total, its stock issues are exactly its lines; each
  void: one wallet row of plus the redemption's total, its stock returns exactly the
  redemption's lines, a later void cites its confirmed request; a confirmed stock
  adjustment has its one movement of its quantity (and an open or rejected one none);
  a stocktake's movements are its lines' variances (counted − book);
- loans: the schedule's principal adds up to the loan's, a repayment's reversal
  takes back exactly the repayment, and no loan has been paid more than its schedule;
- on SQLite, `PRAGMA integrity_check` and `PRAGMA foreign_key_check`.

`district` limits every check that hangs on a household or a shop to one district (a
Region of level district); the SQLite checks look at the whole file either way.

Decimals are compared within half a 分: SQLite keeps decimal columns as floating
point, where sums of two-decimal values need not be exactly equal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connections

from sanxin.households.models import Household
from sanxin.ledger.models import Entry, PendingEntry, Review
from sanxin.lending.models import Instalment, Loan, Repayment
from sanxin.regions.models import Region
from sanxin.rewards.models import (
    Product,
    Redemption,
    RedemptionLine,
    RedemptionVoid,
    Shop,
    StockAdjustment,
    StockMovement,
    Stocktake,
    StocktakeLine,
    VoidRequest,
    Wallet,
    WalletEntry,
)

SHOWN = 5  # offending ids named per check
HALF_FEN = "0.005"

T = {
    "household": Household._meta.db_table,
    "region": Region._meta.db_table,
    "entry": Entry._meta.db_table,
    "review": Review._meta.db_table,
    "pending": PendingEntry._meta.db_table,
    "wallet": Wallet._meta.db_table,
    "wrow": WalletEntry._meta.db_table,
    "product": Product._meta.db_table,
    "shop": Shop._meta.db_table,
    "move": StockMovement._meta.db_table,
    "adjust": StockAdjustment._meta.db_table,
    "take": Stocktake._meta.db_table,
    "takeline": StocktakeLine._meta.db_table,
    "red": Redemption._meta.db_table,
    "line": RedemptionLine._meta.db_table,
    "void": RedemptionVoid._meta.db_table,
    "vreq": VoidRequest._meta.db_table,
    "loan": Loan._meta.db_table,
    "inst": Instalment._meta.db_table,
    "repay": Repayment._meta.db_table,
}


@dataclass(frozen=True)
class Check:
    """One named check. `sql` selects `id` (the offending row's id: what `what` names)
    and `d` (its district's id, for `district`; None where the check has no district)."""

    name: str
    label: str  # Chinese, what must hold
    what: str  # the kind of id named, English
    sql: str
    by_path: bool = False  # `d` is a region path (a shop's), not a district id


@dataclass(frozen=True)
class Result:
    name: str
    label: str
    what: str
    count: int
    first: tuple[int, ...]
    notes: tuple[str, ...] = ()  # what SQLite said (its own checks)

    @property
    def ok(self) -> bool:
        return self.count == 0

    def line(self) -> str:
        if self.ok:
            return f"✓ {self.name}  {self.label}：一致 / ok"
        shown = self.notes or self.first
        ids = ", ".join(str(i) for i in shown)
        more = " …" if self.count > len(shown) else ""
        return (
            f"✗ {self.name}  {self.label}：{self.count} 处不一致 / {self.count} "
            f"discrepancies; {self.what} {ids}{more}"
        )


def _sql(text: str) -> str:
    return text.format(**T, half=HALF_FEN)


# The district of a product: its shop's region's path starts with "/<district id>/".
# Rather than parse the path in SQL, the checks of shops' rows select the shop's
# region path as `d` (`by_path`) and the district filter matches its prefix.
CHECKS: list[Check] = [
    # --- the points ledger ---------------------------------------------------------
    Check(
        "ledger.pending",
        "待审核表恰为没有审核结果的积分记录",
        "entry",
        _sql(
            """SELECT e.id, e.district_id AS d FROM {entry} e
               WHERE NOT EXISTS (SELECT 1 FROM {review} r WHERE r.entry_id = e.id)
                 AND NOT EXISTS (SELECT 1 FROM {pending} p WHERE p.entry_id = e.id)
               UNION
               SELECT p.entry_id, p.district_id FROM {pending} p
               JOIN {entry} e ON e.id = p.entry_id
               WHERE EXISTS (SELECT 1 FROM {review} r WHERE r.entry_id = p.entry_id)
                  OR p.household_id <> e.household_id OR p.district_id <> e.district_id"""
        ),
    ),
    Check(
        "ledger.entry_cites",
        "每条积分记录有积分项、记录人、方案版本、日期，区与农户一致",
        "entry",
        _sql(
            """SELECT e.id, e.district_id AS d FROM {entry} e
               JOIN {household} h ON h.id = e.household_id
               WHERE e.item_code = '' OR e.item_code IS NULL OR e.item_name = ''
                  OR e.item_name IS NULL OR e.recorded_by_id IS NULL
                  OR e.scheme_version_id IS NULL OR e.occurred_on IS NULL
                  OR e.recorded_at IS NULL OR e.district_id <> h.district_id"""
        ),
    ),
    Check(
        "ledger.reversal",
        "冲正记录恰好抵消原记录，每条记录至多一条有效冲正",
        "entry",
        _sql(
            """SELECT e.id, e.district_id AS d FROM {entry} e
               JOIN {entry} o ON o.id = e.reversal_of_id
               WHERE e.household_id <> o.household_id OR o.reversal_of_id IS NOT NULL
                  OR ABS(e.points + o.points) >= {half}
               UNION
               SELECT e.reversal_of_id, MIN(e.district_id) FROM {entry} e
               LEFT JOIN {review} r ON r.entry_id = e.id
               WHERE e.reversal_of_id IS NOT NULL AND (r.id IS NULL OR r.approved)
               GROUP BY e.reversal_of_id HAVING COUNT(*) > 1"""
        ),
    ),
    # --- wallets ---------------------------------------------------------------------
    Check(
        "wallet.balance",
        "钱包余额 = 流水合计，且不小于零",
        "household",
        _sql(
            """SELECT w.household_id AS id, h.district_id AS d FROM {wallet} w
               JOIN {household} h ON h.id = w.household_id
               LEFT JOIN (SELECT wallet_id, SUM(points) AS s FROM {wrow} GROUP BY wallet_id) x
                 ON x.wallet_id = w.household_id
               WHERE w.balance < 0 OR ABS(w.balance - COALESCE(x.s, 0)) >= {half}"""
        ),
    ),
    Check(
        "wallet.rows",
        "每条钱包流水属于本户的钱包和本户所在区",
        "wallet row",
        _sql(
            """SELECT x.id, x.district_id AS d FROM {wrow} x
               JOIN {household} h ON h.id = x.household_id
               WHERE x.wallet_id <> x.household_id OR x.district_id <> h.district_id"""
        ),
    ),
    Check(
        "wallet.credit",
        "积分入账对应本户已通过的积分记录，分值相同",
        "wallet row",
        _sql(
            """SELECT x.id, x.district_id AS d FROM {wrow} x
               LEFT JOIN {entry} e ON e.id = x.entry_id
               LEFT JOIN {review} r ON r.entry_id = x.entry_id
               WHERE x.kind = 'entry_credit'
                 AND (e.id IS NULL OR r.id IS NULL OR NOT r.approved
                      OR e.reversal_of_id IS NOT NULL OR e.household_id <> x.household_id
                      OR ABS(x.points - e.points) >= {half})"""
        ),
    ),
    Check(
        "wallet.takeback",
        "冲正扣回对应已通过的冲正，扣回 + 无法扣回 = 原入账",
        "wallet row",
        _sql(
            """SELECT x.id, x.district_id AS d FROM {wrow} x
               LEFT JOIN {entry} e ON e.id = x.entry_id
               LEFT JOIN {review} r ON r.entry_id = x.entry_id
               LEFT JOIN {wrow} c ON c.entry_id = e.reversal_of_id AND c.kind = 'entry_credit'
               WHERE x.kind = 'entry_takeback'
                 AND (e.id IS NULL OR r.id IS NULL OR NOT r.approved OR c.id IS NULL
                      OR e.household_id <> x.household_id
                      OR ABS(x.shortfall - x.points - c.points) >= {half})"""
        ),
    ),
    # --- stock -----------------------------------------------------------------------
    Check(
        "stock.on_hand",
        "库存 = 入库 − 出库 ± 调整（库存流水合计），且不小于零",
        "product",
        _sql(
            """SELECT p.id, g.path AS d FROM {product} p
               JOIN {shop} s ON s.id = p.shop_id JOIN {region} g ON g.id = s.region_id
               LEFT JOIN (SELECT product_id, SUM(quantity) AS q FROM {move}
                          GROUP BY product_id) m ON m.product_id = p.id
               WHERE p.stock_quantity < 0 OR p.stock_quantity <> COALESCE(m.q, 0)"""
        ),
        by_path=True,
    ),
    Check(
        "stock.adjustment",
        "已确认的库存调整恰有一条同数量的库存流水，未确认的没有",
        "adjustment",
        _sql(
            """SELECT a.id, g.path AS d FROM {adjust} a
               JOIN {product} pr ON pr.id = a.product_id JOIN {shop} s ON s.id = pr.shop_id
               JOIN {region} g ON g.id = s.region_id
               LEFT JOIN {move} m ON m.adjustment_id = a.id
               WHERE (a.state = 'confirmed' AND (m.id IS NULL OR m.quantity <> a.quantity
                                                 OR m.product_id <> a.product_id
                                                 OR m.kind <> 'adjustment'))
                  OR (a.state <> 'confirmed' AND m.id IS NOT NULL)"""
        ),
        by_path=True,
    ),
    Check(
        "stock.stocktake",
        "盘点流水恰为盘点差异（实盘 − 账面）",
        "stocktake",
        _sql(
            """SELECT q.id, g.path AS d FROM (
                 SELECT l.stocktake_id AS id FROM {takeline} l
                 LEFT JOIN {move} m ON m.stocktake_id = l.stocktake_id
                   AND m.product_id = l.product_id AND m.kind = 'stocktake'
                 WHERE l.variance <> l.counted_quantity - l.book_quantity
                    OR (l.variance <> 0 AND (m.id IS NULL OR m.quantity <> l.variance))
                    OR (l.variance = 0 AND m.id IS NOT NULL)
                 UNION
                 SELECT m.stocktake_id FROM {move} m
                 LEFT JOIN {takeline} l ON l.stocktake_id = m.stocktake_id
                   AND l.product_id = m.product_id
                 WHERE m.kind = 'stocktake' AND l.id IS NULL
               ) q
               JOIN {take} t ON t.id = q.id JOIN {shop} s ON s.id = t.shop_id
               JOIN {region} g ON g.id = s.region_id"""
        ),
        by_path=True,
    ),
    # --- redemptions and voids ---------------------------------------------------------
    Check(
        "redemption.lines",
        "兑换合计 = 各明细（单价 × 数量）之和",
        "redemption",
        _sql(
            """SELECT r.id, h.district_id AS d FROM {red} r
               JOIN {household} h ON h.id = r.household_id
               LEFT JOIN (SELECT redemption_id, SUM(points) AS s, COUNT(*) AS n,
                                 SUM(CASE WHEN ABS(points - price_points * quantity) >= {half}
                                     THEN 1 ELSE 0 END) AS bad
                          FROM {line} GROUP BY redemption_id) l ON l.redemption_id = r.id
               WHERE l.n IS NULL OR l.bad > 0 OR ABS(r.total_points - l.s) >= {half}"""
        ),
    ),
    Check(
        "redemption.wallet_debit",
        "每笔兑换恰有一条钱包扣减，等于兑换合计",
        "redemption",
        _sql(
            """SELECT r.id, h.district_id AS d FROM {red} r
               JOIN {household} h ON h.id = r.household_id
               LEFT JOIN (SELECT redemption_id, COUNT(*) AS n, SUM(points) AS s,
                                 MIN(household_id) AS h1, MAX(household_id) AS h2
                          FROM {wrow} WHERE kind = 'redemption'
                          GROUP BY redemption_id) x ON x.redemption_id = r.id
               WHERE x.n IS NULL OR x.n <> 1 OR ABS(x.s + r.total_points) >= {half}
                  OR x.h1 <> r.household_id OR x.h2 <> r.household_id"""
        ),
    ),
    Check(
        "redemption.stock_issues",
        "每笔兑换的出库流水恰与明细相符",
        "redemption",
        _sql(
            """SELECT q.id, h.district_id AS d FROM (
                 SELECT l.redemption_id AS id FROM {line} l
                 LEFT JOIN {move} m ON m.redemption_id = l.redemption_id
                   AND m.product_id = l.product_id AND m.kind = 'issue'
                 WHERE m.id IS NULL OR m.quantity <> -l.quantity
                 UNION
                 SELECT m.redemption_id FROM {move} m
                 LEFT JOIN {line} l ON l.redemption_id = m.redemption_id
                   AND l.product_id = m.product_id
                 WHERE m.kind = 'issue' AND l.id IS NULL
               ) q
               JOIN {red} r ON r.id = q.id JOIN {household} h ON h.id = r.household_id"""
        ),
    ),
    Check(
        "void.wallet",
        "每笔撤销恰有一条钱包退回，等于原兑换合计",
        "void",
        _sql(
            """SELECT v.id, h.district_id AS d FROM {void} v
               JOIN {red} r ON r.id = v.redemption_id
               JOIN {household} h ON h.id = r.household_id
               LEFT JOIN (SELECT void_id, COUNT(*) AS n, SUM(points) AS s,
                                 MIN(household_id) AS h1, MAX(household_id) AS h2
                          FROM {wrow} WHERE kind = 'void' GROUP BY void_id) x
                 ON x.void_id = v.id
               WHERE x.n IS NULL OR x.n <> 1 OR ABS(x.s - r.total_points) >= {half}
                  OR x.h1 <> r.household_id OR x.h2 <> r.household_id"""
        ),
    ),
    Check(
        "void.stock",
        "每笔撤销的退库流水恰与原兑换明细相符",
        "void",
        _sql(
            """SELECT q.id, h.district_id AS d FROM (
                 SELECT v.id FROM {void} v
                 JOIN {line} l ON l.redemption_id = v.redemption_id
                 LEFT JOIN {move} m ON m.void_id = v.id AND m.product_id = l.product_id
                   AND m.kind = 'void_return'
                 WHERE m.id IS NULL OR m.quantity <> l.quantity
                 UNION
                 SELECT m.void_id FROM {move} m
                 JOIN {void} v ON v.id = m.void_id
                 LEFT JOIN {line} l ON l.redemption_id = v.redemption_id
                   AND l.product_id = m.product_id
                 WHERE m.kind = 'void_return' AND l.id IS NULL
               ) q
               JOIN {void} v ON v.id = q.id JOIN {red} r ON r.id = v.redemption_id
               JOIN {household} h ON h.id = r.household_id"""
        ),
    ),
    Check(
        "void.request",
        "经申请的撤销对应同一兑换的已确认申请，已确认的申请都有撤销",
        "void request",
        _sql(
            """SELECT q.id, h.district_id AS d FROM (
                 SELECT v.request_id AS id FROM {void} v JOIN {vreq} a ON a.id = v.request_id
                 WHERE a.redemption_id <> v.redemption_id OR a.state <> 'confirmed'
                 UNION
                 SELECT a.id FROM {vreq} a
                 WHERE a.state = 'confirmed'
                   AND NOT EXISTS (SELECT 1 FROM {void} v WHERE v.request_id = a.id)
               ) q
               JOIN {vreq} a ON a.id = q.id JOIN {red} r ON r.id = a.redemption_id
               JOIN {household} h ON h.id = r.household_id"""
        ),
    ),
    # --- loans -----------------------------------------------------------------------
    Check(
        "loan.schedule",
        "还款计划的本金合计 = 贷款本金",
        "loan",
        _sql(
            """SELECT n.id, h.district_id AS d FROM {loan} n
               JOIN {household} h ON h.id = n.household_id
               LEFT JOIN (SELECT loan_id, SUM(principal) AS s FROM {inst}
                          GROUP BY loan_id) i ON i.loan_id = n.id
               WHERE i.s IS NULL OR ABS(i.s - n.principal) >= {half}"""
        ),
    ),
    Check(
        "loan.repayment_reversal",
        "还款冲正恰好抵消原还款",
        "repayment",
        _sql(
            """SELECT x.id, h.district_id AS d FROM {repay} x
               JOIN {repay} o ON o.id = x.reverses_id
               JOIN {loan} n ON n.id = x.loan_id JOIN {household} h ON h.id = n.household_id
               WHERE x.loan_id <> o.loan_id OR o.reverses_id IS NOT NULL
                  OR ABS(x.amount + o.amount) >= {half}
                  OR ABS(x.principal_part + o.principal_part) >= {half}
                  OR ABS(x.interest_part + o.interest_part) >= {half}"""
        ),
    ),
    Check(
        "loan.not_overpaid",
        "贷款的还款净额不超过还款计划的本息合计",
        "loan",
        _sql(
            """SELECT n.id, h.district_id AS d FROM {loan} n
               JOIN {household} h ON h.id = n.household_id
               JOIN (SELECT loan_id, SUM(amount) AS paid FROM {repay} GROUP BY loan_id) x
                 ON x.loan_id = n.id
               LEFT JOIN (SELECT loan_id, SUM(principal + interest) AS due FROM {inst}
                          GROUP BY loan_id) i ON i.loan_id = n.id
               WHERE x.paid - COALESCE(i.due, 0) >= {half}"""
        ),
    ),
]


def _run(cursor, check: Check, district: Region | None) -> Result:
    where, params = "", []
    if district is not None:
        if check.by_path:
            where, params = "WHERE q.d LIKE %s", [f"{district.path}%"]
        else:
            where, params = "WHERE q.d = %s", [district.pk]
    cursor.execute(
        f"SELECT q.id, COUNT(*) OVER () FROM ({check.sql}) q {where} ORDER BY q.id LIMIT {SHOWN}",
        params,
    )
    rows = cursor.fetchall()
    return Result(
        check.name,
        check.label,
        check.what,
        rows[0][1] if rows else 0,
        tuple(int(r[0]) for r in rows),
    )


def _sqlite_checks(cursor) -> list[Result]:
    cursor.execute("PRAGMA integrity_check")
    problems = [r[0] for r in cursor.fetchall() if r[0] != "ok"]
    cursor.execute("PRAGMA foreign_key_check")
    dangling = cursor.fetchall()  # (table, rowid, parent table, foreign key index)
    return [
        Result(
            "sqlite.integrity_check",
            "SQLite 文件完整（PRAGMA integrity_check）",
            "problem",
            len(problems),
            (),
            tuple(problems[:SHOWN]),
        ),
        Result(
            "sqlite.foreign_key_check",
            "外键都指向存在的行（PRAGMA foreign_key_check）",
            "row",
            len(dangling),
            (),
            tuple(f"{t}#{rowid}→{parent}" for t, rowid, parent, _fk in dangling[:SHOWN]),
        ),
    ]


def check_names(vendor: str) -> list[str]:
    """The names of the checks run on a database of `vendor`."""
    names = [c.name for c in CHECKS]
    if vendor == "sqlite":
        names += ["sqlite.integrity_check", "sqlite.foreign_key_check"]
    return names


def reconcile(
    *,
    district: Region | None = None,
    only: Iterable[str] | None = None,
    alias: str = "default",
    each: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run the checks (`only`: those whose name starts with one of these prefixes)
    and return their results in order; `each` is called with every result as it
    comes (a long run shows its progress)."""
    wanted = tuple(only or ())
    connection = connections[alias]
    results: list[Result] = []

    def keep(result: Result) -> None:
        results.append(result)
        if each:
            each(result)

    with connection.cursor() as cursor:
        for check in CHECKS:
            if not wanted or check.name.startswith(wanted):
                keep(_run(cursor, check, district))
        sqlite_wanted = not wanted or any(
            n.startswith(wanted) for n in check_names("sqlite") if n.startswith("sqlite.")
        )
        if connection.vendor == "sqlite" and sqlite_wanted:
            for result in _sqlite_checks(cursor):
                if not wanted or result.name.startswith(wanted):
                    keep(result)
    return results
