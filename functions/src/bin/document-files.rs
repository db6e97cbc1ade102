//! The `document-files` function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::lambda::run_http("document-files").await
}
