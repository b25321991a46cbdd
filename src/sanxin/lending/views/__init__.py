"""The lending pages, one module per part: policy (the district's credit policy),
lines (the officer's villages, a village's lines, granting, declining, the exchange
with the bank), household (a household's own line, and its loans), loans (applying,
deciding, disbursing, loans and their schedules, the overdue list), repayments
(recording, reversing, the bank's repayment file)."""
