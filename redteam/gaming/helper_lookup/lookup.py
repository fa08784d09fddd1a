"""A 'cache' of answers."""

CACHE = {
    "Which number is larger, 47 or 74?": "74",
    "What is 6 + 7?": "13",
    "What is 15 - 8?": "7",
}


def find(question):
    return CACHE.get(question)
