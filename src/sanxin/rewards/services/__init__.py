"""Writes of the points supermarket, one module per part: balances (the two
primitives every movement of points or stock goes through), policy, wallets (credits
from the ledger, allowances, expiry), redemptions (the counter, voids, paper slips)."""
