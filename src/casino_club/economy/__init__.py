"""The economy: a simulator of the reward schedule against the games' payouts (the CLI's `economy simulate`)."""
