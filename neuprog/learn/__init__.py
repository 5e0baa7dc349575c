"""Training: the generic loop, checkpoints, and building models from configs."""
