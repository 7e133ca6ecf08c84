"""The simulated exchange's network face: Binance Spot REST, WebSocket streams and WebSocket API."""
