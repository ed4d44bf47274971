"""The IDIC method (Peppers & Rogers): Identify, Differentiate, Interact, Customize."""

from crmkit.idic.customize import (
    DEFAULT_RULES,
    build_bundles,
    next_best_offer,
    offer_groups,
    recommend_offers,
)
from crmkit.idic.differentiate import customer_profiles, profile_summary
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
from crmkit.idic.worksheet import load_worksheet, render_worksheet

__all__ = [
    "load_worksheet",
    "render_worksheet",
    "customer_profiles",
    "profile_summary",
    "DEFAULT_RULES",
    "build_bundles",
    "next_best_offer",
    "offer_groups",
    "recommend_offers",
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
