use clap::Parser;
use server::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
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
