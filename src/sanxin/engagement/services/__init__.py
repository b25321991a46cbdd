"""Writes of 全民争信, one module per part (honours: selections and awards)."""
