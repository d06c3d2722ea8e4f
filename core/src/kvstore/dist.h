// The dist kvstores (dist_*.cpp, built with MPI only), as KVStore::create sees them.
#pragma once

#include <memory>
#include <string>

#include "fitbench/kvstore.h"

namespace fitbench {

// In a process holding a DistributedRuntime. dist_sync_kvstore takes
// dist_sync or dist_device_sync.
std::unique_ptr<KVStore> make_dist_sync_kvstore(const std::string& type, const KVStoreOptions& options);
std::unique_ptr<KVStore> make_dist_async_kvstore(const KVStoreOptions& options);

namespace dist {
// Whether MPI granted MPI_THREAD_MULTIPLE (dist_async's server thread needs it).
void set_thread_multiple(bool granted);
}  // namespace dist

}  // namespace fitbench
