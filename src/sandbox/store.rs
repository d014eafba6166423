//! Accepted messages on disk: one `.eml` file per message in the maildir, holding a
//! `Received:` trace header ([RFC 5321 §4.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.4))
//! followed by the content exactly as received (after dot-unstuffing).
//!
//! Files are written under a temporary name and renamed, so anything watching the directory
//! only ever sees complete messages.
//!
//! Layer: sandbox (server side); tokio file I/O.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use tempfile::TempDir;

use super::clock::{Civil, now_unix};
use super::session::Envelope;

/// Why a message could not be written to the maildir; the client gets a 451 and the log
/// shows this. The text is the I/O error's own, as the log has always shown it; the variant
/// says which step failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Creating the temporary file or writing its trace header failed.
    #[error("{source}")]
    Begin { source: io::Error },
    /// Appending content failed.
    #[error("{source}")]
    Write { source: io::Error },
    /// Moving the finished file into the maildir under its final name failed.
    #[error("{source}")]
    Rename { source: io::Error },
    /// An earlier append to this message failed, so the file is gone.
    #[error("an earlier write to this message failed")]
    EarlierWriteFailed,
}

/// A message written to the maildir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Also the file stem and what the 250 reply says ("queued as …").
    pub id: String,
    pub path: PathBuf,
    pub conn_id: u64,
    pub peer: SocketAddr,
    /// The reverse-path; empty for `<>`.
    pub from: String,
    pub recipients: Vec<String>,
    /// Octets of content, trace header not counted.
    pub size: usize,
    /// Octets of the `Received:` header at the start of the file.
    pub trace_header_len: usize,
    pub tls: bool,
    pub authenticated: Option<String>,
}

impl StoredMessage {
    /// The content as received: the file without the trace header.
    pub fn read_content(&self) -> io::Result<Vec<u8>> {
        let mut bytes = std::fs::read(&self.path)?;
        bytes.drain(..self.trace_header_len.min(bytes.len()));
        Ok(bytes)
    }
}

/// The directory messages are stored in.
#[derive(Debug)]
pub struct Maildir {
    dir: PathBuf,
    /// Set when the sandbox made a temporary directory; removing it is tied to this value.
    _temp: Option<TempDir>,
    sequence: AtomicU64,
}

impl Maildir {
    /// Uses `dir` (created if missing), or a new temporary directory.
    pub fn open(dir: Option<PathBuf>) -> io::Result<Maildir> {
        let (dir, temp) = match dir {
            Some(dir) => {
                crate::files::create_private_dir(&dir).map_err(crate::files::FileError::into_io)?;
                check_maildir_is_private(&dir)?;
                (dir, None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("smtpx-maildir-")
                    .tempdir()?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        Ok(Maildir {
            dir,
            _temp: temp,
            sequence: AtomicU64::new(0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes one message whole; the file name is its id plus `.eml`.
    pub async fn store(
        &self,
        envelope: Envelope,
        hostname: &str,
    ) -> Result<StoredMessage, StoreError> {
        let spool = self.begin(&envelope, hostname).await?;
        spool.finish(envelope.content).await
    }

    /// Begins a message: gives it its id and writes its `Received:` header to a temporary
    /// file, to which the content is then appended as it arrives ([`Spool::append`]) — the
    /// way Postfix's smtpd writes the header when DATA begins. The trace header's time is
    /// therefore the start of the transfer.
    pub async fn begin(&self, envelope: &Envelope, hostname: &str) -> Result<Spool, StoreError> {
        let now = Civil::from_unix(now_unix());
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("{}-c{}-m{sequence}", now.compact(), envelope.conn_id);
        let header = received_header(envelope, hostname, &id, &now.rfc5322());
        let path = self.dir.join(format!("{id}.eml"));
        let partial = self.dir.join(format!(".{id}.partial"));
        let stored = StoredMessage {
            id,
            path,
            conn_id: envelope.conn_id,
            peer: envelope.peer,
            from: envelope.from.clone(),
            recipients: envelope.recipients.clone(),
            size: 0,
            trace_header_len: header.len(),
            tls: envelope.tls,
            authenticated: envelope.authenticated.clone(),
        };
        let created = partial.clone();
        let file = blocking(move || {
            // Created new, 0600, never through a link: the name is predictable, so a link
            // planted under it must make this fail, not write through it.
            let mut file = crate::files::open_private(&created, crate::files::Existing::Refuse)
                .map_err(crate::files::FileError::into_io)?;
            file.write_all(header.as_bytes())?;
            Ok(file)
        })
        .await
        .map_err(|source| StoreError::Begin { source })?;
        Ok(Spool {
            file: Some(file),
            partial: Some(partial),
            stored,
        })
    }
}

/// A message being written: its trace header, then its content as it arrives; renamed into
/// the maildir by [`finish`](Spool::finish), removed if dropped before that. Writes run on
/// tokio's blocking threads straight from the caller's buffer (tokio's `File` would copy
/// every piece once more through a buffer of its own).
#[derive(Debug)]
pub struct Spool {
    /// `None` once finished, or after a write failed.
    file: Option<std::fs::File>,
    /// The temporary file; `None` once renamed into place.
    partial: Option<PathBuf>,
    stored: StoredMessage,
}

impl Spool {
    /// Appends the next piece of content.
    pub async fn append(&mut self, piece: Vec<u8>) -> Result<(), StoreError> {
        let Some(mut file) = self.file.take() else {
            return Err(StoreError::EarlierWriteFailed);
        };
        let size = piece.len();
        let file = blocking(move || file.write_all(&piece).map(|()| file))
            .await
            .map_err(|source| StoreError::Write { source })?;
        self.file = Some(file);
        self.stored.size += size;
        Ok(())
    }

    /// Appends the last piece and moves the file into place under its final name.
    pub async fn finish(mut self, last: Vec<u8>) -> Result<StoredMessage, StoreError> {
        self.append(last).await?;
        let file = self.file.take();
        let path = self.stored.path.clone();
        if let Some(partial) = self.partial.clone() {
            blocking(move || {
                drop(file);
                std::fs::rename(&partial, &path)
            })
            .await
            .map_err(|source| StoreError::Rename { source })?;
        }
        // Renamed: nothing left for `drop` to remove (a failed rename left it to remove).
        self.partial = None;
        Ok(self.stored.clone())
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some(partial) = &self.partial {
            // A refused or abandoned message leaves nothing behind.
            let _ = std::fs::remove_file(partial);
        }
    }
}

/// Runs blocking file work on tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// The `with` protocol name: SMTP, ESMTP, plus S for TLS and A for AUTH
/// ([RFC 3848](https://www.rfc-editor.org/rfc/rfc3848)); UTF8SMTP… with SMTPUTF8
/// ([RFC 6531 §3.7.3](https://www.rfc-editor.org/rfc/rfc6531#section-3.7.3)).
fn protocol(envelope: &Envelope) -> String {
    let base = match (envelope.smtputf8, envelope.esmtp) {
        (true, _) => "UTF8SMTP",
        (false, true) => "ESMTP",
        (false, false) => return "SMTP".to_owned(),
    };
    let tls = if envelope.tls { "S" } else { "" };
    let auth = if envelope.authenticated.is_some() {
        "A"
    } else {
        ""
    };
    format!("{base}{tls}{auth}")
}

/// `Received: from helo ([ip]) by host (smtpx sandbox) with ESMTPSA id …; date`, folded.
/// The HELO name comes from the client: anything but visible ASCII outside `();\` becomes
/// `?`, so it cannot break the header's structure.
pub fn received_header(envelope: &Envelope, hostname: &str, id: &str, date: &str) -> String {
    let helo: String = envelope
        .helo
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !"();\\".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect();
    let helo = if helo.is_empty() {
        "unknown".to_owned()
    } else {
        helo
    };
    // RFC 5321 §7.2: name the recipient only when there is exactly one.
    let recipient = match envelope.recipients.as_slice() {
        [only] => format!("\r\n\tfor <{}>", only.replace(['\r', '\n'], "")),
        _ => String::new(),
    };
    format!(
        "Received: from {helo} ([{ip}])\r\n\tby {hostname} (smtpx sandbox) with {protocol} id {id}{recipient};\r\n\t{date}\r\n",
        ip = envelope.peer.ip(),
        protocol = protocol(envelope),
    )
}

/// Refuses a maildir that another user owns or that others may write to: anyone who can
/// create entries in it could plant links or read what clients send.
fn check_maildir_is_private(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(dir)?;
        if !meta.is_dir() {
            return Err(io::Error::other(format!(
                "maildir {} is not a directory (a symbolic link is refused too)",
                dir.display()
            )));
        }
        if let Some(uid) = effective_uid() {
            if meta.uid() != uid {
                return Err(io::Error::other(format!(
                    "maildir {} belongs to user id {}, not to you (user id {uid}); \
                     use a directory of your own",
                    dir.display(),
                    meta.uid()
                )));
            }
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(io::Error::other(format!(
                "maildir {} can be written by other users (mode {mode:o}): they could plant \
                 links in it; chmod 700 it or use another directory",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// This process's effective user id, from `/proc/self/status` (Linux); `None` elsewhere.
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        Envelope {
            from: "a@x.test".into(),
            recipients: vec!["b@y.test".into()],
            content: b"Subject: hi\r\n\r\nbody\r\n".to_vec(),
            helo: "client (evil)".into(),
            esmtp: true,
            tls: true,
            authenticated: Some("demo".into()),
            smtputf8: false,
            peer: "127.0.0.1:4000".parse().expect("literal address"),
            conn_id: 7,
        }
    }

    #[test]
    fn received_header_names_protocol_and_sanitises_helo() {
        let header = received_header(
            &envelope(),
            "localhost",
            "ID1",
            "Thu, 1 Jan 1970 00:00:00 +0000",
        );
        assert_eq!(
            header,
            "Received: from client??evil? ([127.0.0.1])\r\n\tby localhost (smtpx sandbox) with ESMTPSA id ID1\r\n\tfor <b@y.test>;\r\n\tThu, 1 Jan 1970 00:00:00 +0000\r\n"
        );
        let mut plain = envelope();
        plain.tls = false;
        plain.authenticated = None;
        plain.recipients.push("c@y.test".into());
        let header = received_header(&plain, "localhost", "ID2", "date");
        assert!(header.contains("with ESMTP id ID2;"), "{header}");
    }

    #[cfg(unix)]
    #[test]
    fn a_maildir_others_can_write_to_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().expect("temp dir");
        let shared = base.path().join("shared");
        std::fs::create_dir(&shared).expect("dir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let Err(error) = Maildir::open(Some(shared)) else {
            panic!("a world-writable maildir was used");
        };
        assert!(error.to_string().contains("other users"), "{error}");
        let link = base.path().join("link");
        std::os::unix::fs::symlink(base.path(), &link).expect("symlink");
        assert!(Maildir::open(Some(link)).is_err());
        let own = base.path().join("own");
        let maildir = Maildir::open(Some(own.clone())).expect("a new directory is ours");
        assert_eq!(
            std::fs::metadata(&own)
                .expect("metadata")
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        drop(maildir);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_planted_link_at_the_spool_name_is_never_written_through() {
        let maildir = Maildir::open(None).expect("temp maildir");
        let victim = tempfile::NamedTempFile::new().expect("victim");
        std::fs::write(victim.path(), b"precious").expect("write");
        // Plant links under every name the next few messages could use.
        let now = Civil::from_unix(now_unix());
        for sequence in 1..=3 {
            for stamp in [now.compact(), Civil::from_unix(now_unix() + 1).compact()] {
                let name = format!(".{stamp}-c7-m{sequence}.partial");
                let _ = std::os::unix::fs::symlink(victim.path(), maildir.path().join(name));
            }
        }
        let _ = maildir.store(envelope(), "localhost").await;
        assert_eq!(std::fs::read(victim.path()).expect("read"), b"precious");
    }

    #[tokio::test]
    async fn stored_file_is_trace_header_plus_exact_content() {
        let maildir = Maildir::open(None).expect("temp maildir");
        let stored = maildir
            .store(envelope(), "localhost")
            .await
            .expect("stored");
        assert!(stored.path.starts_with(maildir.path()));
        assert_eq!(stored.read_content().expect("readable"), envelope().content);
        let whole = std::fs::read(&stored.path).expect("readable");
        assert!(whole.starts_with(b"Received: from "));
    }

    #[tokio::test]
    async fn a_spooled_message_is_its_pieces_in_order_and_appears_only_when_finished() {
        let maildir = Maildir::open(None).expect("temp maildir");
        let files = || std::fs::read_dir(maildir.path()).expect("listable").count();
        let mut spool = maildir
            .begin(&envelope(), "localhost")
            .await
            .expect("begun");
        spool.append(b"one\r\n".to_vec()).await.expect("written");
        spool.append(b"two\r\n".to_vec()).await.expect("written");
        // Only the hidden partial file so far.
        assert_eq!(files(), 1);
        let stored = spool.finish(b"three\r\n".to_vec()).await.expect("stored");
        assert_eq!(stored.size, 17);
        assert_eq!(
            stored.read_content().expect("readable"),
            b"one\r\ntwo\r\nthree\r\n"
        );
        assert_eq!(files(), 1);
        assert!(stored.path.exists());
    }

    #[tokio::test]
    async fn a_spool_dropped_before_it_is_finished_leaves_nothing() {
        let maildir = Maildir::open(None).expect("temp maildir");
        let mut spool = maildir
            .begin(&envelope(), "localhost")
            .await
            .expect("begun");
        spool.append(vec![b'x'; 4096]).await.expect("written");
        drop(spool);
        assert_eq!(
            std::fs::read_dir(maildir.path()).expect("listable").count(),
            0
        );
    }
}
