"""Index desk: index definitions, collateral, solver, lots, fill reports and mint invoices."""
