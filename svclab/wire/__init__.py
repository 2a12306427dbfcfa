"""The API server's wire: HTTP/1.1 and WebSocket over asyncio and ssl, with no API behaviour in it.

`http1` and `websocket` parse and frame bytes (sans-IO, bounded); `server` runs them on connections and hands
each request to the application as a `Request`, answered with a `Response`, a `StreamResponse` or a
`WebSocketResponse`.

Why not a dependency: aiohttp's stack cost 0.2 s of import before the API answered (two default SSL contexts built
at import, yarl, multidict, attrs, aiodns); h11 (in the environment through httpx) parses HTTP/1.1 but has no
WebSocket, answers malformed input with its own texts and limits rather than net/http's, and imports ~10 ms of its
own modules against these ~3 ms; wsproto is not installed. The parser and the frame codec are small, sans-IO and
fuzzed (tests/wire).
"""
