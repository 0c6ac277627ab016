//! Keeping the scan out of osqueryd's way: the scanning threads run at the
//! lowest CPU and I/O priority, and the memory a scan used is handed back
//! to the OS before the extension goes idle.

/// The nice value the scanning threads run at (the lowest priority).
pub const SCAN_NICE: i32 = 19;

/// Lower the calling thread (only it: on Linux `setpriority` with a
/// thread id and `ioprio_set` with `IOPRIO_WHO_PROCESS` apply per thread)
/// to nice [`SCAN_NICE`] and the idle I/O class, so queries, osqueryd and
/// the host's own work always come first.
pub fn lower_current_thread() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::syscall(libc::SYS_gettid) } as libc::id_t;
        // SAFETY: plain syscalls on our own thread id; no memory is passed.
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, SCAN_NICE) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        const IOPRIO_WHO_PROCESS: libc::c_long = 1;
        const IOPRIO_CLASS_IDLE: libc::c_long = 3;
        const IOPRIO_CLASS_SHIFT: libc::c_long = 13;
        // SAFETY: as above.
        let r = unsafe {
            libc::syscall(
                libc::SYS_ioprio_set,
                IOPRIO_WHO_PROCESS,
                tid as libc::c_long,
                IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT,
            )
        };
        if r != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        // Elsewhere nice applies to the whole process: the table threads
        // only copy rows, so that costs queries little.
        // SAFETY: plain syscall; no memory is passed.
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, SCAN_NICE) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Keep the heap in few arenas: glibc gives each thread that allocates its
/// own (up to 8 per core), and each keeps what a large answer once needed.
/// The Thrift server answers on up to 10 threads.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before the
    // server's threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Give freed heap memory back to the OS (glibc keeps it by default), so
/// the resident size between scans is what the cache holds, not what the
/// scan and the plugin sandbox peaked at.
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The calling thread's nice value.
pub fn current_thread_nice() -> i32 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::syscall(libc::SYS_gettid) } as libc::id_t;
        // SAFETY: plain syscall on our own thread id. (-1 is also a valid
        // nice value; errno is not checked because our own tid exists.)
        unsafe { libc::getpriority(libc::PRIO_PROCESS, tid) }
    }
    #[cfg(not(target_os = "linux"))]
    // SAFETY: plain syscall on our own process.
    unsafe {
        libc::getpriority(libc::PRIO_PROCESS, 0)
    }
}

/// This process's CPU time (user + system, ms) and peak resident size (KiB).
pub fn own_usage() -> (u64, u64) {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct we pass; it is zero-initialised.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr()) } != 0 {
        return (0, 0);
    }
    // SAFETY: initialised above (zeroed, then filled).
    let ru = unsafe { ru.assume_init() };
    let ms = |t: libc::timeval| t.tv_sec as u64 * 1000 + t.tv_usec as u64 / 1000;
    (ms(ru.ru_utime) + ms(ru.ru_stime), ru.ru_maxrss as u64)
}
