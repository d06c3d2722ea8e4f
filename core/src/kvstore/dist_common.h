// What the MPI kvstores share: checked MPI calls, the peer watch that turns a
// dead worker into a clear error, and the base class with rank, size and the
// small collectives.
#pragma once

#include <mpi.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fitbench/kvstore.h"

namespace fitbench::dist {

// Throws Error naming the MPI call, the file and line, and MPI's message.
void check_mpi(int code, const char* call, const char* file, int line);
#define FB_MPI(call) ::fitbench::dist::check_mpi((call), #call, __FILE__, __LINE__)

bool thread_multiple();

// MPI calls that may move more than INT_MAX values, split into chunks.
void broadcast_floats(const Tensor& t, int root);
void allreduce_sum_floats(const Tensor& t);

// Waits for `request` with short sleeps between tests: a worker waiting for
// another leaves the CPU to it (blocking MPI calls spin, which halves a
// 2-core machine shared by 2 workers).
void wait_sleeping(MPI_Request& request);

// Heartbeat over plain TCP, beside MPI: every worker holds a connection to
// rank 0. The kernel closes a killed process's sockets at once, so the end of
// a connection without a goodbye means that worker is gone. A process that is
// stopped, frozen or cut off by the network keeps its socket but falls
// silent: each side's watcher thread sends a heartbeat every second, and a
// peer not heard from for `timeout_seconds` is gone too. Rank 0 relays the
// news to the others. The watcher thread then logs which rank stopped and ends
// the job with MPI_Abort, since a worker waiting in a collective would wait
// forever (OpenMPI cannot continue without a rank). The heartbeat comes from
// its own thread, so long batches, validation or saves never look like silence.
class PeerWatch {
 public:
  // Collective: every rank of MPI_COMM_WORLD constructs it at the same time.
  PeerWatch(int rank, int size, KVStore::LogLine log, double timeout_seconds);
  ~PeerWatch();
  PeerWatch(const PeerWatch&) = delete;
  PeerWatch& operator=(const PeerWatch&) = delete;
  // This worker ends on purpose: says goodbye and stops watching.
  void finish();

 private:
  void watch();
  [[noreturn]] void lost(int peer_rank, const std::string& how);

  int rank_;
  KVStore::LogLine log_;
  double timeout_seconds_;
  std::vector<int> fds_;    // rank 0: one per other worker (index = rank - 1); others: one, to rank 0
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
  bool finished_ = false;
};

// The MPI stores: rank and size of MPI_COMM_WORLD, the peer watch, the
// parameters broadcast from rank 0 at init, 2-bit residuals.
class DistKVStore : public KVStore {
 public:
  DistKVStore(std::string type, const KVStoreOptions& options);
  int rank() const override { return rank_; }
  int num_workers() const override { return size_; }
  std::string broadcast(const std::string& value) override;
  int64_t sum_over_workers(int64_t value) override;
  void finish() override;

 protected:
  // Binds the model, starts the peer watch and copies rank 0's parameters and aux states to every worker.
  void bind(const KVStoreModel& model, const LogLine& log);
  // The 2-bit code of this step's gradient (residual kept for the next step).
  const std::vector<uint32_t>& compress();

  int rank_ = 0;
  int size_ = 1;
  GradientCompression compression_;
  double timeout_seconds_;
  KVStoreModel model_;
  LogLine log_;
  std::unique_ptr<PeerWatch> watch_;
  std::vector<float> residual_;
  std::vector<uint32_t> packed_;
};

}  // namespace fitbench::dist
