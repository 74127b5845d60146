"""Writing the forms evaluators fill in: template workbooks with native formulas."""
