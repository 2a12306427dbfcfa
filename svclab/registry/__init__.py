"""The registry: what the API server does to an object between the wire and the store."""
