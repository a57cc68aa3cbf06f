"""Channel adapters: ``handlers.telegram``, ``handlers.messenger``; shared flood control."""
