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

__all__ = [
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
