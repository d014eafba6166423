//! A pass-through wrapper for the TCP stream under TLS that records the first bytes read
//! during the handshake, so that a failed handshake can show what the server actually sent
//! (an SMTP greeting on a plaintext port, replies injected after STARTTLS). Recording stops
//! when the handshake is done; after that it costs one branch per read.
//!
//! Layer: transport.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How much of what the server sends during the handshake is kept for a diagnosis.
const SNIFF_LIMIT: usize = 512;

/// The TCP stream under TLS, recording the first bytes read during the handshake so that
/// a failure can show what the server actually sent (an SMTP greeting, injected replies).
#[derive(Debug)]
pub(crate) struct Sniff<T> {
    inner: T,
    seen: Option<Vec<u8>>,
}

impl<T> Sniff<T> {
    pub(crate) fn new(inner: T) -> Sniff<T> {
        Sniff {
            inner,
            seen: Some(Vec::new()),
        }
    }

    /// What was recorded (empty once recording stopped).
    pub(crate) fn into_seen(self) -> Vec<u8> {
        self.seen.unwrap_or_default()
    }

    pub(crate) fn stop(&mut self) {
        self.seen = None;
    }

    /// The wrapped stream (for socket options).
    pub(crate) fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Sniff<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(seen)) = (&polled, self.seen.as_mut()) {
            let new = &buf.filled()[before..];
            let room = SNIFF_LIMIT.saturating_sub(seen.len());
            seen.extend_from_slice(&new[..new.len().min(room)]);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Sniff<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
