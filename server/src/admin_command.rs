//! `natter admin grant|revoke|list`: who is an administrator, changed from the command line
//! (on the database the other flags name, with no server running or beside running ones).

use crate::config::{AdminAction, Config};
use crate::error::Error;
use app::protocol::Username;

/// Carries out `action`; what to print when it worked.
pub async fn run(config: &Config, action: &AdminAction) -> Result<String, Error> {
    // A mistyped --data-dir must not quietly make an empty database and say nobody is there.
    let url = config.database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(path).exists() {
            return Err(Error::Config(format!(
                "there is no database at {path}: give the --data-dir (or --database-url) the server uses"
            )));
        }
    }
    let (_, accounts) = crate::open_storage(config).await?;
    let parse = |name: &str| Username::parse(name).map_err(|e| Error::Config(e.message));
    match action {
        AdminAction::Grant { user } => {
            let name = parse(user)?;
            accounts.set_admin(&name, true).await?;
            Ok(format!("{name} is an administrator now."))
        }
        AdminAction::Revoke { user } => {
            let name = parse(user)?;
            accounts.set_admin(&name, false).await?;
            Ok(format!("{name} is no longer an administrator."))
        }
        AdminAction::List => {
            let admins = accounts.admins().await?;
            if admins.is_empty() {
                return Ok("There are no administrators.".to_owned());
            }
            Ok(admins
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}
