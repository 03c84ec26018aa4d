//! What the pipeline needs from the process around it: stage timings and peak memory for
//! benchmarks (`OCTOLINT_TIMINGS`), and handing freed memory back to the system.

/// Stage timings on stderr when `OCTOLINT_TIMINGS` is set (for benchmarks).
pub(super) struct Timer {
    pub(super) on: bool,
    last: std::time::Instant,
}

impl Timer {
    pub(super) fn new() -> Self {
        Timer {
            on: std::env::var_os("OCTOLINT_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    /// Start the next lap now (a stage that ran beside another is timed on its own).
    pub(super) fn restart(&mut self) {
        self.last = std::time::Instant::now();
    }

    pub(super) fn lap(&mut self, stage: &str) {
        if self.on {
            eprintln!(
                "octolint: {stage:<10} {:>8.1} ms{}",
                self.last.elapsed().as_secs_f64() * 1e3,
                peak_rss().map_or(String::new(), |kb| format!("  (peak RSS {} MB)", kb / 1024))
            );
        }
        self.last = std::time::Instant::now();
    }
}

/// The process's peak resident set so far, in KiB (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Hand the pages freed by a stage back to the system. glibc keeps freed memory in each
/// worker thread's arena, where the next stage (on another thread) cannot reuse it; the
/// parse stage frees every `hcl-edit` tree and the render stage its scratch data. On the
/// shared corpus this lowers the peak RSS by about 30 MB, for about a millisecond.
pub(super) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free memory of the allocator's arenas; it takes
    // no pointer and may be called at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
