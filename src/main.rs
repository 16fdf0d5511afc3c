//! The studio's entry point (the Trunk-built binary).

fn main() {
    worker_studio_web::start();
}
