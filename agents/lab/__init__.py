"""Agent laboratories: a goal's labs as checkpointed LangGraph graphs that review the store,
plan, run experiments, write reports and submit them to the gate."""

from agents.lab.graph import build_graph
from agents.lab.run import lab_name, run_goal

__all__ = ["build_graph", "lab_name", "run_goal"]
