"""What users run: the command line, per-step explanations and plots."""
