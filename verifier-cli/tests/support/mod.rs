pub mod mcp_sdk;
