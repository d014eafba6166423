//! The flags of `smtpx demo`.
//!
//! Layer: CLI parsing.

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Open manners instead of a submission port's: AUTH offered before STARTTLS and mail
    /// taken without AUTH (by default the demo is a submission port, RFC 6409: STARTTLS,
    /// then AUTH, then mail).
    #[arg(long)]
    pub open: bool,

    /// The default; kept so older command lines still work.
    #[arg(long, hide = true, conflicts_with = "open")]
    pub submission: bool,

    /// Run the scripted submission with the headless probe instead of opening the explorer.
    #[arg(long)]
    pub headless: bool,

    #[command(flatten)]
    pub look: super::ThemeArgs,
}

impl DemoArgs {
    pub fn into_plan(self) -> crate::demo::DemoPlan {
        crate::demo::DemoPlan {
            submission: !self.open,
            headless: self.headless,
            high_contrast: self.look.high_contrast(),
        }
    }
}
