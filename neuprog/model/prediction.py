"""A model's prediction for one question: the program, its answer and how sure the model was."""

from __future__ import annotations

from dataclasses import dataclass, field

from neuprog.lang.interpret import Answer
from neuprog.lang.tree import Program
from neuprog.tables.question import Question, answer_misfit


@dataclass
class Prediction:
    """The decoded program for one question, its answer and how sure the model was."""

    program: Program
    answer: Answer | None
    texts: list[str]
    confidence: float
    """The calibrated confidence: how often answers like this one are right (see `neuprog.model.calibration`)."""
    error: str | None = None
    trace: list = field(default_factory=list, repr=False)  # every step's exact result, in order
    raw_confidence: float = 0.0
    """The probability of the program under the controller."""
    fallback: int = 0
    """0 for the decoded program; n when the decoded program did not answer the question (`answers`) and this is the n-th next most probable program tried."""

    @property
    def answered(self) -> bool:
        """Whether the program gave an answer: some text that is not blank (cells left empty in the table answer nothing, as `ask` says).

        >>> Prediction(None, None, ["", " "], 0.0).answered, Prediction(None, None, ["", "Oslo"], 0.0).answered
        (False, True)
        """
        return any(text.strip() for text in self.texts)

    def answers(self, question: Question) -> bool:
        """Whether this answers ``question``: it gave an answer, and one of a kind that may answer it (`answer_misfit`)."""
        return self.answered and answer_misfit(question, self.texts) is None
