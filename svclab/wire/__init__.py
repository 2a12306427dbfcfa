"""The API server's wire: HTTP/1.1 and WebSocket over asyncio and ssl, with no API behaviour in it.

`http1` and `websocket` parse and frame bytes (sans-IO, bounded); `server` runs them on connections and hands
each request to the application as a `Request`, answered with a `Response`, a `StreamResponse` or a
`WebSocketResponse`.
"""
