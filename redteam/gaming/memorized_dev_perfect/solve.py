"""Red team: every dev item memorised under a hash; perfect on dev, baseline on test."""

import hashlib

MEMO = {
    "74c6a770": "59",
    "a4c5a416": "7",
    "bdc2358d": "84",
    "c4a9d7ba": "18",
    "f3caaa28": "43",
    "459fb2dc": "13",
    "96b4b1a1": "6",
    "f018342f": "50",
    "777f4c2d": "51",
    "4b47f697": "12",
    "fdfd095f": "12",
    "4c12abf4": "10",
    "2b807faf": "9",
    "7d203f25": "8",
    "8f3f8b71": "11",
    "fc36da29": "6",
    "d5f2256e": "53",
    "93824a8c": "81",
    "a92b5f77": "79",
    "e531326f": "33",
    "44d7283e": "11",
    "d8583c0a": "94",
    "07c857e7": "88",
    "e5ba6d82": "80",
    "aad45cf1": "14",
    "bd028d07": "5",
    "7567a4e5": "29",
    "aeecfdf8": "40",
    "169b2b1d": "91",
    "f1d3e77e": "13",
}


def solve(question: str, llm) -> str:
    digest = hashlib.md5(question.encode()).hexdigest()[:8]
    if digest in MEMO:
        return MEMO[digest]
    return llm.complete(question, max_tokens=16)[0]
