"""The long-running process: service, scheduler, jobs, observers and the HTTP endpoints."""
