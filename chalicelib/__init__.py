"""Municipal cat data platform: domain, services, adapters and HTTP API."""
