"""The AgentTTS-style allocation proposer. Importing this package registers ``agent`` with
``search.staged``'s proposers, next to ``random`` and ``tpe``."""

from agents.allocate.history import Observation, load_notes, observations, save_notes
from agents.allocate.insights import Focus, Rules
from agents.allocate.llm import ALLOCATE_PROMPT, LLMProposal
from agents.allocate.notes import learn
from agents.allocate.proposer import AgentProposer

__all__ = [
    "ALLOCATE_PROMPT",
    "AgentProposer",
    "Focus",
    "LLMProposal",
    "Observation",
    "Rules",
    "learn",
    "load_notes",
    "observations",
    "save_notes",
]
