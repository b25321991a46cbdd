"""The assessment (考核) of towns and villages: the district's yearly scheme of
weighted indicators, the computed indicators (`indicators.py`), the scoring rules
(`scoring.py`, pure), the default indicator set (`defaults.py`), the services that
edit, score and publish (`services.py`) and the reads (`selectors.py`).
docs/assessment.md says what each indicator counts."""
