"""What the process tells about itself: Prometheus metrics, JSON logs and Sentry."""
