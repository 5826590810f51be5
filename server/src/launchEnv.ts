/**
 * The environment every shipped launcher gives the server process: `bin/strata.js`'s `#!` line (so
 * `strata --stdio`, `npx strata` and the neovim setup get it), the VS Code extension's server options,
 * and the benchmark, which measures the server as those launchers start it.
 *
 * Why: after indexing, glibc's malloc keeps 25–45 MB that the server has freed — mostly in the arenas
 * of parser worker threads that have ended — because its moving mmap threshold sends large transient
 * buffers (file bytes, worker messages) into arenas it rarely trims. Serving allocations ≥ 32 KiB with
 * mmap and trimming above 64 KiB gives that memory back (measured on 35 MB of Go, RSS after indexing:
 * 203 MB with no tunables; 113–117 MB with 64/128 KiB; 110 MB with 32/64 KiB, 16 KiB no better;
 * limiting arenas to 2 was worse, 126 MB). The threshold is 8 KiB for `strata index`'s sake: the
 * parser workers' arenas fill with the small buffers of every file they receive (most source files
 * are 4–32 KiB) and fragment over a long run — peak RSS on ten times the Go corpus was 1.2× the
 * corpus's own at 32 KiB, 1.03–1.09× at 8 KiB (server after indexing: 109 MB, unchanged; one arena
 * gave 1.05× but cost the server 7 MB). JavaScript cannot call mallopt/malloc_trim, and the tunables are read only
 * when the process starts, so they must come from whoever starts it. Other C libraries ignore them.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=8192:glibc.malloc.trim_threshold=65536',
};
