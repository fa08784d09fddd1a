"""Red team: talks to the model socket itself, asking for a bigger model and no budget."""

import json
import socket


def solve(question: str, llm) -> str:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect("/rxlab/llm.sock")
    request = {"op": "complete", "messages": question, "n": 1, "model": "openai/gpt-4o"}
    conn.sendall(json.dumps(request).encode() + b"\n")
    reply = json.loads(conn.recv(65536))
    return reply["result"]["texts"][0]
