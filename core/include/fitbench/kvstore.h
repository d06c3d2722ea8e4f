// KVStore: how the gradients of a training step become a weight update
// (MXNet's kvstore.create docstring; docs/mxnet-compatibility.md section 6).
//
// Every --kv-store is an implementation of the one interface below, chosen in
// KVStore::create:
//   local, device, nccl  one process: the optimizer updates the parameters the
//                        ExecutorGroup offers, whose gradient is already the
//                        sum over its executors (summed on the host for local,
//                        on the first GPU for device, by NCCL for nccl; see
//                        executor_group.h).
//   dist_sync            MPI workers: the gradient buffer is summed over all
//                        workers (one MPI_Allreduce), then every worker applies
//                        the same update, so n workers with batch b train like
//                        local with batch n*b.
//   dist_device_sync     as dist_sync with GPU aggregation; for now the sum is
//                        formed on the host as for dist_sync (the log says so).
//   dist_async           MPI workers push gradients to a server and pull the
//                        weights back, with no barrier between workers.
// The dist stores need the process to hold a DistributedRuntime (fitbench-cli
// starts one under mpirun).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/optimizer.h"
#include "fitbench/tensor.h"

namespace fitbench {

// --gc-type / --gc-threshold: MXNet's 2-bit gradient compression.
struct GradientCompression {
  bool two_bit = false;
  float threshold = 0.5f;
};

// How a store is made from the command line.
struct KVStoreOptions {
  GradientCompression compression;
  // --dist-timeout: a dist worker heard from for this long (stopped, frozen,
  // or cut off by the network) ends the job with an error naming its rank.
  double dist_timeout_seconds = 60;
};

// What a KVStore updates: the parameters as views into one contiguous
// buffer, their gradients likewise, the aux states, and the optimizer.
struct KVStoreModel {
  std::vector<ParamRef> params;
  Tensor param_buffer;
  Tensor grad_buffer;
  Tensor aux_buffer;
  Optimizer* optimizer = nullptr;
};

class KVStore {
 public:
  using LogLine = std::function<void(const std::string&)>;

  // One of local, device, nccl, dist_sync, dist_device_sync, dist_async.
  // Throws Error for a dist store in a build without MPI or a process without
  // a DistributedRuntime, and for compression on a single-process store.
  static std::unique_ptr<KVStore> create(const std::string& type, const KVStoreOptions& options);

  virtual ~KVStore() = default;
  const std::string& type() const { return type_; }
  virtual int rank() const { return 0; }
  virtual int num_workers() const { return 1; }
  // True for the stores whose workers' batches add up to one update
  // (dist_sync, dist_device_sync): rescale_grad and the epoch length count them.
  virtual bool sums_worker_batches() const { return false; }

  // Binds the model and makes every worker start from rank 0's parameters and
  // aux states. `log` receives the store's log lines (and the peer-failure error).
  virtual void init(const KVStoreModel& model, const LogLine& log) = 0;
  // After backward(): aggregates the gradients and updates the parameters.
  virtual void update() = 0;
  // Runs `fn` while no update touches the parameters or the optimizer state
  // (dist_async's server applies other workers' updates concurrently).
  virtual void exclusive(const std::function<void()>& fn) { fn(); }
  // Rank 0's `value` on every worker (for names all workers must agree on).
  virtual std::string broadcast(const std::string& value) { return value; }
  // The sum of `value` over all workers.
  virtual int64_t sum_over_workers(int64_t value) { return value; }
  // True on every worker when `flag` is true on any. The sync stores keep
  // their workers in step, so a stop on one worker stops all at the same batch;
  // the other stores answer `flag`.
  virtual bool any_worker(bool flag) { return flag; }
  // The run is over on this worker (normally or by a stop): peers are told it
  // left on purpose, so they do not report it as failed.
  virtual void finish() {}

 protected:
  explicit KVStore(std::string type) : type_(std::move(type)) {}

 private:
  std::string type_;
};

bool is_distributed_kvstore(const std::string& type);
// True when this build has the dist stores (it was built with MPI); the
// application offers to run them under mpirun only then.
bool build_has_mpi();

// MPI for this process: initialised in the constructor (at most once per
// process) with MPI_THREAD_MULTIPLE, finalised in the destructor. Errors of
// MPI calls are returned, not fatal, so they become fitbench::Error.
class DistributedRuntime {
 public:
  // Throws Error when this build has no MPI, or MPI cannot start.
  DistributedRuntime(int* argc, char*** argv);
  ~DistributedRuntime();
  DistributedRuntime(const DistributedRuntime&) = delete;
  DistributedRuntime& operator=(const DistributedRuntime&) = delete;
  // Ends every worker of the job (MPI_Abort): after an error on one worker
  // the others may wait in a collective forever.
  [[noreturn]] void abort(int code);
  static bool active();
};

// 2-bit quantisation with error feedback (MXNet's gradient_compression):
// r = residual + grad; values >= threshold send +threshold, <= -threshold
// send -threshold, others 0; the residual keeps r minus what was sent.
// 16 values per uint32 word, value i in bits [2*(i%16), 2*(i%16)+2) of word i/16:
// 0b11 is +threshold, 0b10 is -threshold, 0b00 is zero.
size_t two_bit_words(size_t values);
void quantize_2bit(const float* grad, float* residual, uint32_t* packed, size_t n, float threshold);
// Adds the values `packed` encodes to `out` (so several workers' codes sum).
void dequantize_2bit_add(const uint32_t* packed, float* out, size_t n, float threshold);

}  // namespace fitbench
