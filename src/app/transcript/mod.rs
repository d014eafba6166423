//! The transcript as the explorer shows it: the entries made from the driver's events
//! (`entries.rs`), the list of them with its layout cache (`layout.rs`), the scroll position
//! and the rows to draw (`scroll.rs`),
//! line-pick mode, a cursor over the entries with each line's explanation (`pick.rs`), and
//! search with highlighted matches (`find.rs`).
//!
//! Layer: app state.

pub mod entries;
pub mod find;
mod layout;
pub mod pick;
pub mod scroll;

pub use entries::{Entry, Kind, PREFIX_WIDTH};
pub use layout::{Entries, INDEXED_LINES};
pub use scroll::{Scroll, visible_rows};
