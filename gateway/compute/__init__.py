"""The top region's Compute API (Nova v2.1): its view and version documents (api), its declared
route table (routes) and one handler module per resource family."""
