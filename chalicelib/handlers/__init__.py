"""The edges: HTTP blueprints, consumers, webhooks. Parse, call one service, render."""
