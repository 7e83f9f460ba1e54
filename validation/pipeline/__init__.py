"""The alert pipeline: scenarios in, alerts and notifications observed, expectations judged."""
