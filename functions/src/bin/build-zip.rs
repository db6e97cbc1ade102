//! The `build-zip` scheduled function.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::lambda::run_scheduled("build-zip").await
}
