//! Secrets in the SASL client are wiped from memory when dropped: [`Credentials`] wipe
//! every field, and the types that carry secret bytes are marked [`ZeroizeOnDrop`]. The
//! markers are checked here at compile time; `auth/tests.rs` checks each secret *field*'s
//! type the same way, so a secret moved into a plain `String` or `Vec<u8>` fails the build
//! of the tests.
//!
//! Layer: protocol core (`proto`), part of `auth`.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{ClientLine, Credentials, SaslClient};

/// Wipes the username and authzid too: LOGIN sends the username base64'd like the password,
/// and who logs in is private. The secret is wiped by its own [`Zeroizing`].
impl Zeroize for Credentials {
    fn zeroize(&mut self) {
        self.authzid.zeroize();
        self.username.zeroize();
        self.secret.zeroize();
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for Credentials {}

/// Compile-time check that every type here holding a secret is wiped when dropped.
const _: () = {
    const fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<Credentials>();
    wiped_on_drop::<ClientLine>();
    wiped_on_drop::<SaslClient>();
    // `ClientLine::bytes`, PLAIN/CRAM-MD5/XOAUTH2 payloads, `SaslResponse::Data`.
    wiped_on_drop::<Zeroizing<Vec<u8>>>();
    wiped_on_drop::<Zeroizing<String>>();
};

/// Every part of a client line that can carry a secret is a [`Zeroizing`] buffer: the wire
/// bytes, and the base64 inside `Command::Auth` and `Command::AuthResponse`.
impl ZeroizeOnDrop for ClientLine {}

/// The only secret a client holds is its [`Credentials`], wiped when it is dropped.
impl ZeroizeOnDrop for SaslClient {}
