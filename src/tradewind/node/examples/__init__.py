"""Example strategies; each one is shown in docs/strategies.md and run by tests/node."""
