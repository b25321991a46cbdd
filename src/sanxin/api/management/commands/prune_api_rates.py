"""`sanxin prune-api-rates`: the former name of `sanxin prune-rates` (accounts), kept
so that cron jobs written for it keep working."""

from __future__ import annotations

from sanxin.accounts.management.commands.prune_rates import Command as PruneRates


class Command(PruneRates):
    help = "同 prune-rates：删除已过去的限流计数（旧名称）"
