"""An MCP client on the official Python SDK, for tests/run_container.rs.

Starts `mcp-verify run …` as its stdio server (argv[1]: JSON with `command`,
`args` and `env`), then: initialize, list the tools, call `inspect`, call
`echo` until the server announces a changed tool list (its rug pull), list
again and try both tools. Prints one JSON document of what it saw.
"""

import asyncio
import json
import sys
from datetime import timedelta

import mcp.types as types
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import McpError


async def main() -> None:
    spec = json.loads(sys.argv[1])
    params = StdioServerParameters(command=spec["command"], args=spec["args"], env=spec["env"])
    changed = asyncio.Event()

    async def on_message(message) -> None:
        if isinstance(message, types.ServerNotification) and isinstance(
            message.root, types.ToolListChangedNotification
        ):
            changed.set()

    seen: dict = {}
    async with stdio_client(params) as (read, write):
        async with ClientSession(
            read, write, message_handler=on_message, read_timeout_seconds=timedelta(seconds=120)
        ) as session:
            init = await session.initialize()
            seen["protocolVersion"] = init.protocolVersion
            seen["serverName"] = init.serverInfo.name
            seen["tools"] = [t.name for t in (await session.list_tools()).tools]
            result = await session.call_tool("inspect", {})
            seen["inspect"] = result.structuredContent
            seen["inspectText"] = json.loads(result.content[0].text)
            seen["echo"] = []
            for i in range(2):
                result = await session.call_tool("echo", {"text": f"hello {i}"})
                seen["echo"].append(result.structuredContent["text"])
            await asyncio.wait_for(changed.wait(), 60)
            seen["toolsAfter"] = [t.name for t in (await session.list_tools()).tools]
            seen["after"] = {}
            for name, arguments in [("inspect", {}), ("echo", {"text": "again"})]:
                try:
                    await session.call_tool(name, arguments)
                    seen["after"][name] = "answered"
                except McpError as e:
                    seen["after"][name] = {"code": e.error.code, "message": e.error.message}
    print(json.dumps(seen))


asyncio.run(main())
