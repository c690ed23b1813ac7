"""HTTP API adapters (JSON in, JSON out) served by bot/app.py beside /slack/events."""
