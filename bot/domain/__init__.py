"""The platform-neutral vocabulary every layer may import: replies, notes, ids, tiers, settings, limits."""
