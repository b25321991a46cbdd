"""Coverage-guided fuzzing (Atheris) of every parser of untrusted input; see
docs/fuzzing.md. `python -m fuzz <target|all> --seconds N` runs them."""
