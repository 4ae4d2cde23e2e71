"""A hand-written stdio "MCP server" (no SDK) that misbehaves on request, for
driving the guard with exactly the bytes a test wants.

    python raw_server.py TOOLS_JSON RECEIVED_LOG MAX_MESSAGE_BYTES

Lists the tools in TOOLS_JSON (a tools/list result). Appends every line it
reads to RECEIVED_LOG, so a test can tell what reached it. `tools/call` of
`echo` answers with the exact line the server read, except for these texts:

    junk:ID   first writes a series of malformed, oversized and unexpected
              messages (one of them a response to ID), then answers "after the junk"
    hold      does not answer (yet)
    release   answers every held call ("held"), then this one ("released")
    exit:N    exits with status N without answering

`tools/call` of `add` answers a + b. `tools/list` with cursor "broken" gets a
result without `tools`. Any other request gets an empty result.
"""

import json
import sys

tools = json.load(open(sys.argv[1]))
received = open(sys.argv[2], "ab")
max_bytes = int(sys.argv[3])
out = sys.stdout.buffer
held = []


def send_raw(data: bytes):
    out.write(data + b"\n")
    out.flush()


def send(message):
    send_raw(json.dumps(message).encode())


def text_result(id, text):
    send({"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": text}]}})


def junk(id, refused_id):
    big = json.dumps(
        {"jsonrpc": "2.0", "method": "notifications/message",
         "params": {"level": "info", "data": "x" * (max_bytes + 100)}}
    ).encode()
    for raw in [
        b"this is not json",
        b"\xff\xfe{\"jsonrpc\": \"2.0\"}",
        big,
        b"{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":{}}",
        json.dumps({"jsonrpc": "2.0", "id": refused_id,
                    "result": {"content": [{"type": "text", "text": "smuggled"}]}}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": id, "method": "x", "result": {}}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": id, "error": {"code": "bad", "message": "x"}}).encode(),
        json.dumps({"jsonrpc": "1.0", "id": id, "result": {}}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 1.5, "result": {}}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": None, "result": {}}).encode(),
        json.dumps({"jsonrpc": "2.0"}).encode(),
        b"[]",
        b"42",
        b"[" * 100000 + b"]" * 100000,
        b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
        b"\"params\":{\"level\":\"info\",\"data\":\"first\"},"
        b"\"params\":{\"level\":\"info\",\"data\":\"second\"}}",
    ]:
        send_raw(raw)
    text_result(id, "after the junk")


for line in sys.stdin.buffer:
    received.write(line)
    received.flush()
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    method, id, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if id is None or method is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": id, "result": {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {"listChanged": True}},
            "serverInfo": {"name": "raw", "version": "0.0.1"}}})
    elif method == "tools/list":
        if params.get("cursor") == "broken":
            send({"jsonrpc": "2.0", "id": id, "result": {"nope": 1}})
        else:
            send({"jsonrpc": "2.0", "id": id, "result": tools})
    elif method == "tools/call" and params.get("name") == "add":
        args = params.get("arguments") or {}
        text_result(id, str(args.get("a", 0) + args.get("b", 0)))
    elif method == "tools/call":
        text = (params.get("arguments") or {}).get("text", "")
        if text.startswith("junk:"):
            junk(id, int(text[5:]))
        elif text == "hold":
            held.append(id)
        elif text == "release":
            for h in held:
                text_result(h, "held")
            held = []
            text_result(id, "released")
        elif text.startswith("exit:"):
            sys.exit(int(text[5:]))
        else:
            text_result(id, line.decode().rstrip("\n"))
    else:
        send({"jsonrpc": "2.0", "id": id, "result": {}})
