//! The flags of `smtpx demo`.
//!
//! Layer: CLI parsing.

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Run the sandbox in submission mode (STARTTLS before AUTH, AUTH before MAIL).
    #[arg(long)]
    pub submission: bool,

    /// Run the scripted submission with the headless probe instead of opening the explorer.
    #[arg(long)]
    pub headless: bool,
}

impl DemoArgs {
    pub fn into_plan(self) -> crate::demo::DemoPlan {
        crate::demo::DemoPlan {
            submission: self.submission,
            headless: self.headless,
        }
    }
}
