"""Components of an architecture, one per file, created by name through the registry."""

from search.components import (  # noqa: F401  (register the built-in components)
    critic,
    fuser,
    generator,
    ranker,
    unit_test_evaluator,
    unit_test_generator,
    verifier,
    vote,
)
from search.components._registry import component, component_class, list_components
from search.components.base import Candidate, Component, ComponentBase, Shape, State

__all__ = [
    "Candidate",
    "Component",
    "ComponentBase",
    "Shape",
    "State",
    "component",
    "component_class",
    "list_components",
]
