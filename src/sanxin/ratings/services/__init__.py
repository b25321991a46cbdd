"""The ratings app's writes, one module per part of the workflow: cycles (open,
compute, advance, the district's cadence), review (adjustments and the closing
meeting), appeals, vetoes (veto and direct-grading events), standing (grade records:
a final cycle's and the dynamic ones) and certificates. Each service checks
permission, scope and recusal, validates and writes its audit row in its
transaction; reads are in ratings/selectors.py, ratings/standing.py (the grade in
force) and ratings/certificates.py (verification)."""
