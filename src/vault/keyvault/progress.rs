//! The fetch progress bar: hidden for the first second and whenever stderr is not a
//! terminal, so quick runs and logs stay clean. It shows counts, never names or values.

use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long fetching must last before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// A progress bar that reveals itself after [`DELAY`].
pub(crate) struct Progress {
    bar: Arc<ProgressBar>,
    reveal: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// Starts counting `total` requests; `enabled` is false when stderr is not interactive.
    pub(crate) fn start(total: usize, enabled: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("fetching secrets {bar:30} {pos}/{len}") {
            bar.set_style(style);
        }
        let bar = Arc::new(bar);
        let reveal = (enabled && total > 0).then(|| {
            let bar = bar.clone();
            tokio::spawn(async move {
                tokio::time::sleep(DELAY).await;
                if !bar.is_finished() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
            })
        });
        Self { bar, reveal }
    }

    /// Counts `n` more answers.
    pub(crate) fn advance(&self, n: usize) {
        self.bar.inc(n as u64);
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(reveal) = &self.reveal {
            reveal.abort();
        }
        self.bar.finish_and_clear();
    }
}
