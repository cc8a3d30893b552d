use clap::Parser;
use server::config::{Command, Config};

fn main() -> std::process::ExitCode {
    let config = Config::parse();
    return_big_allocations_at_once();
    // One worker thread per CPU this process may run on (its affinity mask, e.g. a container's
    // cpuset or `taskset`), not per CPU of the machine: extra workers on the same core only
    // take turns.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run(config)),
        Err(e) => {
            eprintln!("natter: cannot start the async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> std::process::ExitCode {
    if let Some(Command::Admin { action }) = &config.command {
        return match server::admin_command::run(&config, action).await {
            Ok(said) => {
                println!("{said}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("natter admin: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    tracing_subscriber::fmt()
        .with_env_filter(config.log.as_str())
        .init();
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot listen on {}: {e}", config.addr);
            return std::process::ExitCode::FAILURE;
        }
    };
    match server::serve(config, listener).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("natter stopped: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Each password hash allocates about 19 MiB and frees it. glibc serves an allocation that big
/// with its own mmap, returned on free, until the first such free raises its "mmap threshold"
/// above that size; from then on these blocks come from the hashing threads' heaps and were
/// measured to stay there: RSS grew by 19.5 MB with every login. A fixed threshold (glibc's
/// default value, now without the raising) returns them to the system at once.
fn return_big_allocations_at_once() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
