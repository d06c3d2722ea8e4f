// KVStore::create (the one place a kvstore type becomes an implementation),
// the single-process store, and the MPI runtime of the dist stores.
#include "fitbench/kvstore.h"

#include <cstdlib>

#if FITBENCH_HAVE_MPI
#include <mpi.h>

#include "kvstore/dist.h"
#endif

namespace fitbench {

namespace {

// local, device and nccl in one CPU process: one device's gradient is already
// the sum, so the optimizer updates in place.
class LocalKVStore final : public KVStore {
 public:
  explicit LocalKVStore(std::string type) : KVStore(std::move(type)) {}

  void init(const KVStoreModel& model, const LogLine&) override {
    FB_ASSERT(model.optimizer != nullptr);
    model_ = model;
  }

  void update() override { model_.optimizer->update(model_.params); }

 private:
  KVStoreModel model_;
};

#if FITBENCH_HAVE_MPI
bool process_holds_runtime = false;
#endif

}  // namespace

bool is_distributed_kvstore(const std::string& type) { return type.rfind("dist", 0) == 0; }

bool build_has_mpi() {
#if FITBENCH_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<KVStore> KVStore::create(const std::string& type, const KVStoreOptions& options) {
  if (type == "local" || type == "device" || type == "nccl") {
    // MXNet's set_gradient_compression accepts only device and dist stores;
    // with the single CPU device of this build, device has nothing to compress.
    if (options.compression.two_bit)
      fail_setting("compression", "2bit compression is for the gradients workers exchange: use it with "
                   "dist_sync, dist_device_sync or dist_async, not ", type);
    return std::make_unique<LocalKVStore>(type);
  }
  if (type == "dist_sync" || type == "dist_device_sync" || type == "dist_async") {
#if FITBENCH_HAVE_MPI
    if (!DistributedRuntime::active())
      fail_setting("kvstore", type, " needs MPI initialised by the program that trains (fitbench-cli does "
                   "it): start that program with mpirun -np <workers>");
    if (type == "dist_async") return make_dist_async_kvstore(options);
    return make_dist_sync_kvstore(type, options);
#else
    fail_setting("kvstore", type, " needs the distributed build of fitbench (MPI), which this build is not; use "
                 "local, device or nccl on one machine, or rebuild with libopenmpi-dev installed");
#endif
  }
  fail_setting("kvstore", type, " is not a kvstore type: choose local, device, nccl, dist_sync, dist_device_sync "
               "or dist_async");
}

#if FITBENCH_HAVE_MPI

DistributedRuntime::DistributedRuntime(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized || process_holds_runtime) fail("MPI is already initialised in this process (once per process)");
  int provided = 0;
  // MULTIPLE: dist_async's server thread and the training thread both talk to MPI.
  if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
    fail("MPI_Init_thread failed: start the workers with mpirun");
  // Errors come back as codes that become fitbench::Error, instead of ending the job silently.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  process_holds_runtime = true;
  dist::set_thread_multiple(provided >= MPI_THREAD_MULTIPLE);
}

DistributedRuntime::~DistributedRuntime() {
  process_holds_runtime = false;
  MPI_Finalize();
}

void DistributedRuntime::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]]
}

bool DistributedRuntime::active() { return process_holds_runtime; }

#else

DistributedRuntime::DistributedRuntime(int*, char***) {
  fail("the dist kvstores need the distributed build of fitbench (MPI), which this build is not: install "
       "libopenmpi-dev and rebuild, or use the local kvstore");
}

DistributedRuntime::~DistributedRuntime() = default;

void DistributedRuntime::abort(int) { std::abort(); }

bool DistributedRuntime::active() { return false; }

#endif

}  // namespace fitbench
