"""Gateways: FIX/JSON over WebSocket and REST for the desks."""
