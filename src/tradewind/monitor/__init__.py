"""Monitoring: what people and other systems watch a running node through.

web    the live web dashboard (aiohttp): one page, a WebSocket of snapshots, /api/snapshot
"""
