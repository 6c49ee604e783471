"""Layer 5, engine: ``evaluate`` and ``explain`` shape proposals into keyed, grouped, ordered
actions; configuration and rule sets. Never imports the plugin loader or an adapter."""
