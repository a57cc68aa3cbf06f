"""The Facebook Messenger channel: Graph API client, rendering, output and the webhook."""

CHANNEL = "messenger"
