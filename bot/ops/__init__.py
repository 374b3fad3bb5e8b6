"""What a deployer watches: metrics, health and readiness, and log lines as JSON."""
