"""The fixed words of the product: stakeholder tiers, feedback categories, bug severities, pulse scores."""

from __future__ import annotations

# From the closest to the work to the furthest from it (PRODUCT.md): each tier gets the release note it needs.
TIERS = ("deer", "monkey", "elephant", "lion")
CATEGORIES = ("idea", "problem", "praise")
SEVERITIES = ("blocker", "major", "minor")
