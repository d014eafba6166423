//! The content type of an attachment, guessed from its file name's extension.
//!
//! Layer: protocol core (`proto`), pure. A child of [`message`](super).

/// The media type ([RFC 2046](https://www.rfc-editor.org/rfc/rfc2046)) for a file name, by
/// its extension; `application/octet-stream` when the extension is unknown or missing, which
/// every reader accepts as "bytes to save".
pub fn guess(file_name: &str) -> &'static str {
    let Some((_, extension)) = file_name.rsplit_once('.') else {
        return OCTET_STREAM;
    };
    let extension = extension.to_ascii_lowercase();
    TYPES
        .iter()
        .find(|(ext, _)| *ext == extension)
        .map_or(OCTET_STREAM, |(_, media)| media)
}

const OCTET_STREAM: &str = "application/octet-stream";

/// The common extensions. `.eml` is absent on purpose: `message/rfc822` may not be
/// base64-encoded (RFC 2046 §5.2.1), so a saved message goes as bytes.
const TYPES: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("text", "text/plain"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("htm", "text/html"),
    ("html", "text/html"),
    ("css", "text/css"),
    ("ics", "text/calendar"),
    ("vcf", "text/vcard"),
    ("xml", "application/xml"),
    ("json", "application/json"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("tar", "application/x-tar"),
    ("7z", "application/x-7z-compressed"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("svg", "image/svg+xml"),
    ("ico", "image/vnd.microsoft.icon"),
    ("mp3", "audio/mpeg"),
    ("wav", "audio/wav"),
    ("mp4", "video/mp4"),
    ("pem", "application/x-pem-file"),
    ("p7s", "application/pkcs7-signature"),
    ("asc", "application/pgp-signature"),
];

#[cfg(test)]
mod tests {
    use super::guess;

    #[test]
    fn extensions_map_to_media_types_case_insensitively() {
        assert_eq!(guess("report.PDF"), "application/pdf");
        assert_eq!(guess("a.b.png"), "image/png");
        assert_eq!(guess("notes.txt"), "text/plain");
        assert_eq!(guess("Makefile"), "application/octet-stream");
        assert_eq!(guess("x.unknown"), "application/octet-stream");
        assert_eq!(guess("saved.eml"), "application/octet-stream");
    }
}
