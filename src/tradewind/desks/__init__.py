"""Desks: index, market making, RFQ — each built on the kernel."""
