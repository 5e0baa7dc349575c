"""WikiTableQuestions-style data: dataset files, samples, the synthetic task, the oracle and evaluation."""
