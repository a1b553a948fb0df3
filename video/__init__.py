"""Pure, framework-free core of Stepcare video consultations."""
