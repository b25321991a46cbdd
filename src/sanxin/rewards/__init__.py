"""奖励用信 (1): the points supermarket — wallets (spendable points, apart from the
grading ledger), the redemption policy, shops, products, stock, funding, the counter,
household QR cards; and the party/cadre reserve candidates (政治激励)."""
