"""The Neural Programmer model: its config, input features, controller, objective, model folders and `ask`."""

from neuprog.model.neural_programmer import NeuralProgrammer, Prediction

__all__ = ["NeuralProgrammer", "Prediction"]
