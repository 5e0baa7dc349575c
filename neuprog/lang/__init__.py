"""The program language: value types, the op registry and built-in ops, program trees, the grammar, exact and soft execution."""
