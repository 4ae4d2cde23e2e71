//! glibc's allocator, set for a server that builds large structures once
//! and then serves for a long time.
//!
//! By default glibc gives each thread that allocates concurrently its own
//! arena (up to eight per core), and memory freed in one arena is reused
//! only by threads attached to it; it also raises its mmap threshold to the
//! size of each large block freed (up to 32 MiB), after which large buffers
//! come from arenas and stay resident after they are freed. A registry that
//! signs 100,000 records on one blocking thread and then loads indexes on
//! others kept ~110 MiB of freed memory resident that way.
//!
//! On other targets every function does nothing and returns `false`.

/// Limits glibc to `arenas` arenas and fixes its mmap threshold at
/// `mmap_threshold` bytes (blocks at least that large are mapped and
/// unmapped on their own, and the threshold no longer moves). Call it
/// first thing in `main`, before any thread starts. Returns whether glibc
/// took both settings.
pub fn tune_for_server(arenas: u32, mmap_threshold: usize) -> bool {
    imp::tune(arenas, mmap_threshold)
}

/// Gives freed memory at the top and in the middle of every arena back to
/// the system (`malloc_trim(0)`): worth a call after a large structure is
/// dropped. Returns whether any memory was released.
pub fn release_free_memory() -> bool {
    imp::trim()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    pub fn tune(arenas: u32, mmap_threshold: usize) -> bool {
        let (Ok(arenas), Ok(threshold)) = (
            libc::c_int::try_from(arenas),
            libc::c_int::try_from(mmap_threshold),
        ) else {
            return false;
        };
        #[allow(unsafe_code)]
        // SAFETY: `mallopt` takes two integers and changes allocator
        // parameters under glibc's own lock; any value is accepted or
        // refused with 0, never undefined behaviour.
        let (a, m) = unsafe {
            (
                libc::mallopt(libc::M_ARENA_MAX, arenas),
                libc::mallopt(libc::M_MMAP_THRESHOLD, threshold),
            )
        };
        a == 1 && m == 1
    }

    pub fn trim() -> bool {
        #[allow(unsafe_code)]
        // SAFETY: `malloc_trim` takes a padding size and walks glibc's own
        // arenas under their locks; it touches no memory of ours.
        let released = unsafe { libc::malloc_trim(0) };
        released == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub fn tune(_arenas: u32, _mmap_threshold: usize) -> bool {
        false
    }

    pub fn trim() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn glibc_takes_the_settings_and_gives_freed_memory_back() {
        let glibc = cfg!(all(target_os = "linux", target_env = "gnu"));
        assert_eq!(super::tune_for_server(2, 256 * 1024), glibc);
        // A threshold no C int holds is not passed on.
        assert!(!super::tune_for_server(2, usize::MAX));
        // Many blocks under the threshold, freed below one still held (so
        // the free memory is not at the top of the heap, which `free`
        // returns by itself): only trimming gives it back.
        let blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![i as u8; 8 * 1024]).collect();
        let pin = vec![1u8; 1024];
        drop(blocks);
        assert_eq!(super::release_free_memory(), glibc);
        assert_eq!(pin.len(), 1024);
    }
}
