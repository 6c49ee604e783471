"""Layer 1, records: the CRM records, their validation, the declared record kinds, the interchange
document (plain dicts in and out) and time. Imports nothing else of the package."""
