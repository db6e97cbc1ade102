//! [`OutboxMailer`]: "sends" e-mails by writing them to a folder that the local portal shows at
//! `/dev/mail`, so that a person can follow the links in them.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use portal_domain::ports::mailer::{Email, MailError, Mailer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const MAX_ID_BYTES: usize = 200;
const MESSAGE_EXTENSION: &str = "json";

/// One e-mail in the outbox: `{dir}/{email.id}.json`, written whole or not at all.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
}

/// An e-mail as the outbox keeps it: the e-mail's fields and when it was (last) sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentEmail {
    #[serde(flatten)]
    pub email: Email,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
}

impl OutboxMailer {
    /// An outbox in `dir`, created on the first send.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Every e-mail in the outbox, oldest first (by `sent_at`, then id).
    pub async fn list(&self) -> Result<Vec<SentEmail>, MailError> {
        let dir = self.dir.clone();
        let mut sent = run_blocking(move || {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(missing) if missing.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(failed) => return Err(failed),
            };
            let mut sent = Vec::new();
            for entry in entries {
                let path = entry?.path();
                let is_message = path.extension().is_some_and(|ext| ext == MESSAGE_EXTENSION)
                    && path
                        .file_stem()
                        .and_then(|stem| stem.to_str())
                        .is_some_and(is_safe_id);
                if is_message && let Some(email) = read_message(&path)? {
                    sent.push(email);
                }
            }
            Ok(sent)
        })
        .await?;
        sent.sort_by(|a, b| (a.sent_at, &a.email.id).cmp(&(b.sent_at, &b.email.id)));
        Ok(sent)
    }

    /// The e-mail with this id, if it was sent (an id that could never be sent is not found).
    pub async fn get(&self, id: &str) -> Result<Option<SentEmail>, MailError> {
        if !is_safe_id(id) {
            return Ok(None);
        }
        let path = self.message_path(id);
        run_blocking(move || read_message(&path)).await
    }

    fn message_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.{MESSAGE_EXTENSION}"))
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    /// Writes the message to a temporary file, fsyncs it and renames it over `{id}.json`, so a
    /// message is whole once sent and sending the same id again replaces it.
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        if !is_safe_id(&email.id) {
            return Err(MailError::Rejected(format!(
                "the e-mail id {:?} is not a safe file name",
                email.id
            )));
        }
        let message = SentEmail {
            email: email.clone(),
            sent_at: OffsetDateTime::now_utc(),
        };
        let json = serde_json::to_vec_pretty(&message)
            .map_err(|failed| MailError::Unavailable(Box::new(failed)))?;
        let dir = self.dir.clone();
        let path = self.message_path(&email.id);
        run_blocking(move || {
            fs::create_dir_all(&dir)?;
            // The leading dot keeps unfinished messages out of `list`.
            let mut file = tempfile::Builder::new()
                .prefix(".sending-")
                .tempfile_in(&dir)?;
            file.write_all(&json)?;
            file.as_file().sync_all()?;
            file.persist(&path).map_err(|failed| failed.error)?;
            sync_dir(&dir)
        })
        .await
    }
}

/// 1 to 200 of `[A-Za-z0-9._-]`, not starting with a dot: a file name on every system, never a
/// hidden or temporary file, never a path.
fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_BYTES
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn read_message(path: &Path) -> io::Result<Option<SentEmail>> {
    match fs::read(path) {
        Ok(json) => Ok(Some(serde_json::from_slice(&json)?)),
        Err(missing) if missing.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(failed) => Err(failed),
    }
}

/// Makes the rename durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Runs file work off the async runtime; every I/O failure means the outbox is unavailable.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, MailError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|lost| MailError::Unavailable(Box::new(lost)))?
        .map_err(|failed| MailError::Unavailable(Box::new(failed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(id: &str, subject: &str) -> Email {
        Email {
            id: id.to_owned(),
            to: "learner@example.org".to_owned(),
            subject: subject.to_owned(),
            text: "Follow https://portal.example/verify?t=abc".to_owned(),
            html: "<p>Follow <a href=\"https://portal.example/verify?t=abc\">this</a></p>"
                .to_owned(),
        }
    }

    #[tokio::test]
    async fn sending_an_id_twice_leaves_one_message() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxMailer::new(dir.path().join("outbox"));
        outbox.send(&email("verify-1", "first")).await.unwrap();
        outbox.send(&email("verify-1", "again")).await.unwrap();
        let sent = outbox.list().await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].email, email("verify-1", "again"));
        assert_eq!(outbox.get("verify-1").await.unwrap(), Some(sent[0].clone()));
        let files = fs::read_dir(dir.path().join("outbox")).unwrap().count();
        assert_eq!(files, 1, "no temporary file is left behind");
    }

    #[tokio::test]
    async fn list_is_oldest_first_and_skips_what_is_not_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxMailer::new(dir.path().to_owned());
        for id in ["c", "a", "b"] {
            outbox.send(&email(id, id)).await.unwrap();
            // Distinct send times, so that the order is by time and not by the id tie-break.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        fs::write(dir.path().join(".sending-x"), "partial").unwrap();
        fs::write(dir.path().join("notes.txt"), "not a message").unwrap();
        let ids: Vec<_> = outbox
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.email.id)
            .collect();
        assert_eq!(ids, ["c", "a", "b"]);
    }

    #[tokio::test]
    async fn unsafe_ids_are_rejected_and_never_found() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxMailer::new(dir.path().to_owned());
        for id in [
            "",
            ".hidden",
            "../escape",
            "a/b",
            "a b",
            &"x".repeat(MAX_ID_BYTES + 1),
        ] {
            assert!(
                matches!(
                    outbox.send(&email(id, "s")).await,
                    Err(MailError::Rejected(_))
                ),
                "{id:?}"
            );
            assert_eq!(outbox.get(id).await.unwrap(), None);
        }
        assert!(outbox.list().await.unwrap().is_empty());
    }

    #[test]
    fn the_file_holds_the_email_and_an_rfc3339_sent_at() {
        let sent = SentEmail {
            email: email("e1", "Hello"),
            sent_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        };
        let json = serde_json::to_value(&sent).unwrap();
        assert_eq!(json["id"], "e1");
        assert_eq!(json["subject"], "Hello");
        assert_eq!(json["sent_at"], "2023-11-14T22:13:20Z");
        assert_eq!(serde_json::from_value::<SentEmail>(json).unwrap(), sent);
    }
}
