"""The lending app's writes, one module per part: policy (the district's credit
policy by grade, in versions), lines (granting and declining lines, their reaction to
a grade change, the bank's decisions). Each service checks permission and scope,
validates and writes its audit row in its transaction; reads are in
lending/selectors.py."""
