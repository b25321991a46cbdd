"""奖励用信 (2): what follows from a grade at the credit union — the credit policy by
grade, credit lines (授信), loans (用信) with their schedules and repayments, and the
reports on them. Above ratings because it reads the grade in force; the 双基
assessments that feed the grade stay in `credit`, below ratings."""
