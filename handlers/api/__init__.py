"""HTTP API adapters (JSON in, JSON out) served by bot/server.py beside /slack/events."""
