"""Platform adapters: they translate between a platform and the core, and nothing else."""
