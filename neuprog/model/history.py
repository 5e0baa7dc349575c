"""Recurrent cells that carry the controller from one step to the next: GRU, LSTM, or a fast-weights RNN.

Each cell has the same small interface: ``begin(like)`` gives the state before the
first step for a batch shaped like ``like`` (B, ...), ``cell(x, state)`` the state
after a step whose input is ``x`` (B, 3H), and ``output(state)`` the hidden vector
(B, H) the controller reads.
"""

from __future__ import annotations

import torch
from torch import nn

from neuprog.model.config import ModelConfig


class GRUHistory(nn.GRUCell):
    """The GRU cell; its state is the hidden vector."""

    def begin(self, like: torch.Tensor) -> torch.Tensor:
        return like.new_zeros(like.shape[0], self.hidden_size)  # (B, H)

    @staticmethod
    def output(state: torch.Tensor) -> torch.Tensor:
        return state


class LSTMHistory(nn.LSTMCell):
    """The LSTM cell; its state is the pair (hidden, cell)."""

    def begin(self, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = like.new_zeros(like.shape[0], self.hidden_size)  # (B, H)
        return zeros, zeros

    @staticmethod
    def output(state: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return state[0]


class FastWeights(nn.Module):
    """A ReLU RNN with a fast associative memory (Ba, Hinton, Mnih, Leibo & Ionescu 2016).

    Its state is (h, A): the hidden vector and the fast weight matrix. Each step
    first writes the current state into the fast memory, A = decay A + rate h h^T,
    then the new state settles under it: h_0 = ReLU(W h + C x), and ``settling``
    times h_{s+1} = ReLU(LayerNorm(W h + C x + A h_s)). The slow weights W, C are
    learned; A holds what earlier steps of this question did and decays.
    """

    def __init__(self, input_size: int, hidden_size: int, decay: float, rate: float, settling: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.decay, self.rate, self.settling = decay, rate, settling
        self.recurrent = nn.Linear(hidden_size, hidden_size, bias=False)  # W, the slow recurrent weights
        self.inputs = nn.Linear(input_size, hidden_size)  # C and the bias
        self.norm = nn.LayerNorm(hidden_size)

    def begin(self, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        B, H = like.shape[0], self.hidden_size
        return like.new_zeros(B, H), like.new_zeros(B, H, H)  # (B, H), (B, H, H)

    @staticmethod
    def output(state: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return state[0]

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        h, fast = state  # (B, H), (B, H, H)
        fast = self.decay * fast + self.rate * h.unsqueeze(2) * h.unsqueeze(1)  # (B, H, H) A(t) = lambda A(t-1) + eta h h^T
        slow = self.recurrent(h) + self.inputs(x)  # (B, H)
        settled = torch.relu(slow)  # (B, H)
        for _ in range(self.settling):
            settled = torch.relu(self.norm(slow + torch.bmm(fast, settled.unsqueeze(2)).squeeze(2)))
        return settled, fast


def history_cell(config: ModelConfig, input_size: int) -> nn.Module:
    """The history cell ``config.history`` names, reading inputs of ``input_size`` into ``config.hidden`` units.

    >>> cell = history_cell(ModelConfig(history="fast_weights", hidden=8), 24)
    >>> state = cell(torch.ones(2, 24), cell.begin(torch.zeros(2, 5)))
    >>> cell.output(state).shape
    torch.Size([2, 8])
    """
    if config.history == "fast_weights":
        return FastWeights(input_size, config.hidden, config.fast_decay, config.fast_rate, config.settling_steps)
    return (LSTMHistory if config.history == "lstm" else GRUHistory)(input_size, config.hidden)
