//! Replay mode's work ahead of the person: the checkpoints made in the background while the
//! viewer waits for a key, and far jumps that wait for them instead of freezing the screen.
//!
//! The state after event N is folded from the nearest checkpoint before it, and stepping
//! forward only makes checkpoints up to where the person has been. On a freshly opened
//! million-event file, End would fold every event (seconds). Instead:
//!
//! ```text
//!   checkpoints  [0] [512] [1024] … [k·512]   cursor ──▶ next due at (k+1)·512
//!                 made by stepping or by warm-up │ folded by warm-up, a slice at a time
//! ```
//!
//! - [`App::replay_warm_up`] advances a checkpoint cursor — its own [`Snapshot`] folded
//!   forward from the last checkpoint, never touching what the views show — by at most a
//!   given number of events, and saves a checkpoint every [`CHECKPOINT_EVERY`] events. The
//!   loop calls it while no input is pending and stops calling once
//!   [`App::replay_warming`] is false (the whole file has checkpoints), so a warmed replay
//!   is idle again. A jump then costs at most `CHECKPOINT_EVERY - 1` parses.
//! - A jump further than [`SEEK_BEYOND`] events past the last checkpoint is a *seek*: the
//!   position stays, the notice row says how far the checkpoints have come, and the jump is
//!   made once warm-up reaches its checkpoint. Any replay key stops a seek (and does what
//!   it does); the checkpoints made so far are kept.
//!
//! Both fold with the same code as stepping ([`Snapshot::apply`]), so a checkpoint is the
//! same whichever made it. Defective lines are skipped as stepping skips them; a file cut
//! off mid-line ends at its last whole event ([`Indexed`](crate::transcript::index::Indexed)
//! leaves the cut line out).
//!
//! Layer: app state (no clock, no threads: the loop decides when to call; each call does
//! bounded work).

use super::state::{CHECKPOINT_EVERY, Snapshot};
use crate::app::App;

/// A jump further than this many events past the last checkpoint waits for the warm-up
/// (drawing its progress) instead of folding them all before the next frame. Nearer jumps
/// fold at once: at 2–5 µs an event that is tens of milliseconds, less than a person
/// notices, and tests without a loop can jump across a few thousand events directly.
pub const SEEK_BEYOND: usize = 32 * CHECKPOINT_EVERY;

/// The checkpoint cursor: the state after `position` events, between the last checkpoint
/// and the next one due.
#[derive(Debug)]
pub(in crate::app) struct Warm {
    position: usize,
    state: Snapshot,
}

impl App {
    /// Whether checkpoints remain to be made (the loop keeps calling
    /// [`App::replay_warm_up`] while this holds, and sleeps once it does not).
    pub fn replay_warming(&self) -> bool {
        self.replay
            .as_ref()
            .is_some_and(|r| r.checkpoints.len() * CHECKPOINT_EVERY <= r.len())
    }

    /// Whether a far jump is waiting for the checkpoints (its progress is on the notice
    /// row, so each slice of warm-up changes the screen).
    pub fn replay_seeking(&self) -> bool {
        self.replay.as_ref().is_some_and(|r| r.seeking.is_some())
    }

    /// Folds up to `budget` events (at least one) ahead of the last checkpoint, saving a
    /// checkpoint every [`CHECKPOINT_EVERY`] events, then finishes a waiting seek when its
    /// checkpoint is there. Nothing the views show changes, except through the seek.
    pub fn replay_warm_up(&mut self, budget: usize) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let mut left = budget.max(1);
        while left > 0 && replay.checkpoints.len() * CHECKPOINT_EVERY <= replay.len() {
            let next = replay.checkpoints.len() * CHECKPOINT_EVERY;
            let from = next - CHECKPOINT_EVERY;
            // The cursor goes on where it stopped unless stepping has made checkpoints
            // past it meanwhile; then it starts again from the last one.
            let mut warm = match replay.warm.take() {
                Some(warm) if (from..next).contains(&warm.position) => warm,
                _ => match replay.checkpoints.last() {
                    Some(last) => Warm {
                        position: from,
                        state: last.clone(),
                    },
                    None => return,
                },
            };
            let end = next.min(warm.position + left);
            for index in warm.position..end {
                warm.state.apply(&replay.read(index));
            }
            left -= end - warm.position;
            warm.position = end;
            if end == next {
                replay.checkpoints.push(warm.state.clone());
            }
            replay.warm = Some(warm);
        }
        if !self.replay_warming()
            && let Some(replay) = self.replay.as_mut()
        {
            replay.warm = None;
        }
        self.go_on_seeking();
    }

    /// A jump to `target` that would fold more than [`SEEK_BEYOND`] events: true when it
    /// became a seek (the loop's warm-up finishes it), false when it is near enough to
    /// make now.
    pub(in crate::app) fn seek_if_far(&mut self, target: usize) -> bool {
        let Some(replay) = self.replay.as_mut() else {
            return false;
        };
        let last = replay.checkpoints.len().saturating_sub(1) * CHECKPOINT_EVERY;
        if target <= last + SEEK_BEYOND {
            return false;
        }
        replay.seeking = Some(target);
        self.go_on_seeking();
        true
    }

    /// Makes the waiting jump when its checkpoint is there; otherwise says how far along.
    fn go_on_seeking(&mut self) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let Some(target) = replay.seeking else {
            return;
        };
        if target / CHECKPOINT_EVERY < replay.checkpoints.len() {
            replay.seeking = None;
            replay.message = None;
            self.jump_now(target);
            self.say_at_end();
            return;
        }
        let reached = (replay.checkpoints.len() - 1) * CHECKPOINT_EVERY;
        let percent = reached * 100 / target.max(1);
        replay.message = Some(format!(
            "seeking to event {target} of {}: {percent}% read (any key stops)",
            replay.len()
        ));
    }
}
