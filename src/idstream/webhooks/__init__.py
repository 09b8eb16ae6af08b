"""Webhooks: configuration, routing, durable delivery with retries, signing, delivery logs."""
