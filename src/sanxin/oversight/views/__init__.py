"""The oversight pages, one module per area (audit log, dashboards, departments,
assessment, reports); `oversight/urls.py` names them."""
