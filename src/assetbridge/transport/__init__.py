"""HTTP plumbing shared by the connectors: session, rate governor, retry policy, pagination, redaction."""
