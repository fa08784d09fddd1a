"""The red-team corpus: gaming and honest experiment bundles, the scripted model they call
(``redteam.models``) and the script that measures the honest bundles' claims
(``python -m redteam.measure``). See README.md."""
