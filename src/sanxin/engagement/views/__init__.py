"""The 全民争信 pages, one module per part (honours: selections, votes, the roll)."""
