use clap::Parser;
use server::config::Config;

fn main() -> std::process::ExitCode {
    let config = Config::parse();
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
