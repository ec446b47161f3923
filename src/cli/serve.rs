//! `rapport serve`: validate settings, migrate, listen, deliver to agent webhooks, and run
//! background jobs.

use crate::config::{self, Settings};
use crate::db;
use crate::intake::webhook;
use crate::startup::{self, AppState};
use std::net::TcpListener;

pub fn run(bind: Option<String>) -> Result<(), String> {
    let settings = Settings::from_env(config::process_env, bind, |path| {
        let losing_it = if path.ends_with("secrets.key") {
            "without it the stored secrets cannot be read"
        } else {
            "without it everyone is signed out"
        };
        tracing::warn!(
            "generated a new key in {} (keep this file: {losing_it})",
            path.display()
        );
    })
    .map_err(|e| e.to_string())?;
    tracing::info!(?settings, "starting");

    let pool = db::pool(
        &settings.database_url,
        settings.db_pool_size,
        settings.statement_timeout,
    );
    {
        let mut connection = pool
            .get()
            .map_err(|e| format!("DATABASE_URL: cannot connect to the database: {e}"))?;
        let applied = db::migrate(&mut connection)
            .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
        for version in applied {
            tracing::info!(version, "applied migration");
        }
    }

    let listener = TcpListener::bind(&settings.bind)
        .map_err(|e| format!("RAPPORT_BIND: cannot listen on {}: {e}", settings.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("Rapport is serving the dashboard at http://{address}");

    // Bound here, before anything runs, so a taken port is a start-up error with its name.
    let smtp_listener = match &settings.smtp_bind {
        Some(bind) => {
            let listener = TcpListener::bind(bind)
                .map_err(|e| format!("RAPPORT_SMTP_BIND: cannot listen on {bind}: {e}"))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(
                "Rapport accepts mail over SMTP at {address} for <integration id>+<token>@{}",
                settings.smtp_domain.as_deref().unwrap_or_default()
            );
            Some(listener)
        }
        None => None,
    };

    actix_web::rt::System::new().block_on(async move {
        // Agent webhook deliveries run beside the server, on the same runtime.
        let _webhooks = webhook::worker::spawn(pool.clone(), &settings)?;
        // Background jobs (imports, purges) likewise; stopped with the server, their jobs
        // given back for the next start to resume.
        let _jobs = crate::jobs::worker::spawn(pool.clone(), &settings)?;
        if let Some(listener) = smtp_listener {
            let state = actix_web::web::Data::new(AppState::new(pool.clone(), settings.clone()));
            crate::intake::email::smtp::spawn(listener, state).map_err(|e| e.to_string())?;
        }
        let server =
            startup::run(listener, AppState::new(pool, settings)).map_err(|e| e.to_string())?;
        server.await.map_err(|e| e.to_string())
    })
}
