//! Compression of what the router answers over HTTP: pages (HTML, compressed as they stream),
//! server functions' JSON, and static files that were not precompressed; brotli or gzip, by the
//! request's `Accept-Encoding`, with `Vary: accept-encoding` (`tower-http`'s `CompressionLayer`,
//! brotli at quality 4: cheap enough per page). A response that is compressed already (a
//! precompressed `.br`/`.gz` file) passes as it is. Socket.IO is mounted outside this layer: its
//! long-polling packets are small and latency-bound, and WebSocket frames are not HTTP bodies.

use tower_http::compression::CompressionLayer;

pub fn layer() -> CompressionLayer {
    CompressionLayer::new().br(true).gzip(true)
}
