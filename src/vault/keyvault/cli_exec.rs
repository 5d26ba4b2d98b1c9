//! Runs the `az` command for the Azure CLI credential with an optional `PATH` and a
//! deadline, so a hung `az` cannot hang the run.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use azure_identity::Executor;

/// An [`Executor`] that kills the command when it outlives its deadline.
#[derive(Debug)]
pub(crate) struct CliExecutor {
    path: Option<OsString>,
    timeout: Duration,
}

impl CliExecutor {
    pub(crate) fn new(path: Option<OsString>, timeout: Duration) -> Self {
        Self { path, timeout }
    }
}

#[async_trait::async_trait]
impl Executor for CliExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        let timeout = self.timeout;
        // Waiting happens on a blocking thread since tokio's process support is not built in.
        tokio::task::spawn_blocking(move || run_with_deadline(command, timeout))
            .await
            .map_err(io::Error::other)?
    }
}

fn run_with_deadline(mut command: Command, timeout: Duration) -> io::Result<Output> {
    let mut child = command.spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;

    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let message = format!("`az` did not finish within {} s", timeout.as_secs());
            return Err(io::Error::new(io::ErrorKind::TimedOut, message));
        }
        thread::sleep(Duration::from_millis(20));
    };

    Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}
