"""The lending pages, one module per part: policy (the district's credit policy),
lines (the officer's villages, a village's lines, granting, declining, the exchange
with the bank), household (a household's own line), loans and repayments."""
