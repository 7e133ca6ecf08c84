"""Logging and configuration primitives every package may use; imports only core."""
