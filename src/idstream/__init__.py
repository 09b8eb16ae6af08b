"""idstream: identity and user management whose events reach Kafka and webhooks, never lost."""

__version__ = "0.1.0"
