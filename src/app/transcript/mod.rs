//! The transcript as the explorer shows it: the entries made from the driver's events
//! (`entries.rs`), the scroll position and the layout arithmetic behind it (`scroll.rs`),
//! and line-pick mode, a cursor over the entries with each line's explanation (`pick.rs`).
//!
//! Layer: app state.

pub mod entries;
mod pick;
pub mod scroll;

pub use entries::{Entry, Kind, PREFIX_WIDTH};
pub use scroll::{Scroll, visible_rows};
