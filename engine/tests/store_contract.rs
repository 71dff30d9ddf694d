//! The in-memory store passes the store contract.

use engine::store::MemoryStore;
use engine::testsuite::store_contract;

#[tokio::test]
async fn the_memory_store_keeps_the_store_contract() {
    store_contract::run(|| async { MemoryStore::new() }).await;
}
