"""A contract-first mock server: vendor OpenAPI documents in, validated deterministic responses out."""

__version__ = "0.1.0"
