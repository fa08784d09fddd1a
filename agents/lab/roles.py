"""The lab's roles, as prompts. A lead plans, an engineer designs the experiment, a reviewer
critiques the draft. Each asks for JSON that one pydantic model validates."""

LEAD_REVIEW_PROMPT = """You are the lead of a research lab working on this goal:
{goal}
Task: {task}. Here are the most related preprints from the shared store:
{related}
Summarise what is known (cite preprint ids), what failed, and which preprints to build on.
Answer with one JSON object: {{"known": str, "failed": str, "builds_on": [preprint ids]}}"""

LEAD_PLAN_PROMPT = """You are the lead of a research lab working on this goal:
{goal}
What the store says: {known}
What failed: {failed}
Search spaces you may use (name: description): {spaces}
Your budget: {budget}. Propose one experiment: a hypothesis, a search space, a sampler
(random, tpe or nsga2), a number of trials (1-{max_trials}), the share of the budget the
search may spend (0.5-0.9) and the preprint ids you build on.
Answer with one JSON object: {{"hypothesis": str, "space": str, "sampler": str,
"trials": int, "search_share": float, "builds_on": [str]}}"""

ENGINEER_INTERPRET_PROMPT = """You are the engineer of a research lab. The experiment:
{experiment}
Interpret it on the dev split only: does the best architecture beat the single-call
baseline beyond the paired 95% interval? What are the caveats?
Answer with one JSON object: {{"summary": str, "beats_baseline": bool, "caveats": [str]}}"""

ENGINEER_CODE_PROMPT = """You are the engineer of a research lab. Task `{task}`: {description}.
The architecture search found this best architecture: {best}
Write a Python program that tries one idea the architecture language cannot express (for
example adaptive sampling, answer normalisation, or a fallback), as a module that defines
`solve(question, llm) -> str`. `llm.complete(messages, n=, temperature=, max_tokens=)` returns a
list of texts; use nothing else from outside (no files, network or other processes). This
program works and is a fair starting point:
{template}
Answer with one JSON object: {{"summary": str (one sentence), "code": str (the whole module)}}"""

REVIEWER_PROMPT = """You are a careful reviewer. Read this draft report and list concrete
problems: claims without numbers, numbers that do not match the table, missing baselines,
overclaiming from the dev split.
{draft}
Answer with one JSON object: {{"problems": [str], "ok": bool}}"""

REPAIR_PROMPT = """Your answer could not be used: {error}
Answer again with only one JSON object that fits: {schema}"""
