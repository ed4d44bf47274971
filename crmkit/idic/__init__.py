"""The IDIC method (Peppers & Rogers): Identify, Differentiate, Interact, Customize."""

from crmkit.idic.identify import (
    DEFAULT_BLOCKS,
    IdentityResolution,
    MatchRules,
    ResolutionQuality,
    candidate_pairs,
    compare_pairs,
    normalise_records,
    resolution_quality,
    resolve_identities,
    unified_customer_view,
)
from crmkit.idic.interact import DEFAULT_CHANNEL_COSTS, REASONS, ContactPolicy, contact_summary

__all__ = [
    "ContactPolicy",
    "DEFAULT_CHANNEL_COSTS",
    "REASONS",
    "contact_summary",
    "DEFAULT_BLOCKS",
    "IdentityResolution",
    "MatchRules",
    "ResolutionQuality",
    "candidate_pairs",
    "compare_pairs",
    "normalise_records",
    "resolution_quality",
    "resolve_identities",
    "unified_customer_view",
]
