//! The flags of `smtpx learn`.
//!
//! Layer: CLI parsing.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct LearnArgs {
    /// The lesson to start: its number in the list, its name, or a unique part of it.
    /// Without it, the lessons are listed with the ones finished ticked.
    pub lesson: Option<String>,

    /// Use the lessons in DIR (one `.toml` file each, as in the source tree's `lessons/`)
    /// instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub lessons: Option<PathBuf>,

    #[command(flatten)]
    pub look: super::ThemeArgs,
}

impl LearnArgs {
    pub fn into_plan(self) -> crate::demo::LearnPlan {
        crate::demo::LearnPlan {
            lesson: self.lesson,
            lessons: self.lessons,
            high_contrast: self.look.high_contrast(),
        }
    }
}
