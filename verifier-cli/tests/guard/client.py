"""Drives an MCP server over stdio with the official Python SDK's client.

    python client.py SCRIPT -- COMMAND ARGS...

SCRIPT is a JSON array of steps, run in order after `initialize`:

    {"op": "list"}                                   tools/list
    {"op": "call", "name": "echo", "arguments": {}}  tools/call
    {"op": "wait_list_changed", "timeout": 10}       wait for notifications/tools/list_changed

Prints one JSON object on stdout: {"initialize": <InitializeResult>, "steps": [...]},
each step's entry being {"tools": [...]}, {"result": <CallToolResult>},
{"error": {"code", "message", "data"}} (a JSON-RPC error), or {"listChanged": bool}.
"""

import asyncio
import json
import sys

import anyio
from mcp import ClientSession, McpError, StdioServerParameters, types
from mcp.client.stdio import stdio_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main(script, command, args):
    list_changed = asyncio.Event()

    async def on_message(message):
        if isinstance(message, types.ServerNotification) and isinstance(
            message.root, types.ToolListChangedNotification
        ):
            list_changed.set()
        elif isinstance(message, Exception):
            print(f"client.py: transport error: {message!r}", file=sys.stderr)

    params = StdioServerParameters(command=command, args=args)
    out = {"steps": []}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
            with anyio.fail_after(30):
                out["initialize"] = dump(await session.initialize())
            for step in script:
                op = step["op"]
                try:
                    with anyio.fail_after(step.get("timeout", 30)):
                        if op == "list":
                            listed = await session.list_tools()
                            out["steps"].append({"tools": [dump(t) for t in listed.tools]})
                        elif op == "call":
                            result = await session.call_tool(step["name"], step.get("arguments"))
                            out["steps"].append({"result": dump(result)})
                        elif op == "wait_list_changed":
                            await list_changed.wait()
                            list_changed.clear()
                            out["steps"].append({"listChanged": True})
                        else:
                            raise ValueError(f"unknown op {op!r}")
                except McpError as e:
                    out["steps"].append({"error": dump(e.error)})
                except TimeoutError:
                    out["steps"].append({"timeout": op})
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: client.py SCRIPT -- COMMAND ARGS...")
    asyncio.run(main(json.loads(argv[0]), argv[2], argv[3:]))
