// Checked MPI calls, the TCP peer watch, and DistKVStore (see dist_common.h).
#include "kvstore/dist_common.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kvstore/dist.h"

namespace fitbench::dist {

namespace {

std::atomic<bool> granted_thread_multiple{false};

constexpr int64_t kChunk = int64_t{1} << 30;  // values per MPI call, below INT_MAX
constexpr char kGoodbye = 'B';
constexpr char kLost = 'L';  // followed by the lost rank, 4 bytes
constexpr int kConnectTimeoutMs = 60000;

bool send_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    // MSG_NOSIGNAL: a peer that is gone must not end this process with SIGPIPE.
    const ssize_t sent = ::send(fd, p, n, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    p += sent;
    n -= static_cast<size_t>(sent);
  }
  return true;
}

bool recv_all(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t got = ::recv(fd, p, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

// Rank 0 listens on any address; the others learn its host name and port.
int listen_socket(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("peer watch: cannot create a socket: ", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, SOMAXCONN) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    fail("peer watch: cannot listen on a TCP port: ", why);
  }
  port = ntohs(addr.sin_port);
  return fd;
}

int connect_to(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int e = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); e != 0)
    fail("peer watch: cannot resolve rank 0's host '", host, "': ", gai_strerror(e));
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) fail("peer watch: cannot connect to rank 0 at ", host, ":", port, ": ", std::strerror(errno));
  return fd;
}

}  // namespace

void set_thread_multiple(bool granted) { granted_thread_multiple = granted; }
bool thread_multiple() { return granted_thread_multiple; }

void check_mpi(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  fail("MPI call ", call, " failed (", file, ":", line, "): ", std::string(text, static_cast<size_t>(len)),
       "; another worker has probably stopped");
}

void broadcast_floats(const Tensor& t, int root) {
  for (int64_t begin = 0; begin < t.size(); begin += kChunk)
    FB_MPI(MPI_Bcast(t.f32() + begin, static_cast<int>(std::min(kChunk, t.size() - begin)), MPI_FLOAT, root,
                     MPI_COMM_WORLD));
}

void allreduce_sum_floats(const Tensor& t) {
  for (int64_t begin = 0; begin < t.size(); begin += kChunk)
    FB_MPI(MPI_Allreduce(MPI_IN_PLACE, t.f32() + begin, static_cast<int>(std::min(kChunk, t.size() - begin)),
                         MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD));
}

void wait_sleeping(MPI_Request& request) {
  for (;;) {
    int done = 0;
    FB_MPI(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
    if (done) return;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

PeerWatch::PeerWatch(int rank, int size, KVStore::LogLine log) : rank_(rank), log_(std::move(log)) {
  if (size < 2) return;
  char address[HOST_NAME_MAX + 16] = {};
  int listener = -1;
  if (rank_ == 0) {
    int port = 0;
    listener = listen_socket(port);
    char host[HOST_NAME_MAX + 1] = {};
    ::gethostname(host, sizeof host - 1);
    std::snprintf(address, sizeof address, "%s %d", host, port);
  }
  FB_MPI(MPI_Bcast(address, sizeof address, MPI_CHAR, 0, MPI_COMM_WORLD));
  if (rank_ == 0) {
    fds_.assign(static_cast<size_t>(size - 1), -1);
    for (int i = 1; i < size; ++i) {
      if (!wait_readable(listener, kConnectTimeoutMs)) {
        ::close(listener);
        fail("peer watch: not every worker connected to rank 0 within ", kConnectTimeoutMs / 1000,
             " s (a firewall between the machines?)");
      }
      const int fd = ::accept(listener, nullptr, nullptr);
      int32_t peer = -1;
      if (fd < 0 || !recv_all(fd, &peer, sizeof peer) || peer < 1 || peer >= size) {
        ::close(listener);
        fail("peer watch: a connection to rank 0 did not introduce itself as a worker");
      }
      fds_[static_cast<size_t>(peer - 1)] = fd;
    }
    ::close(listener);
  } else {
    const std::string text(address);
    const auto space = text.find(' ');
    const int fd = connect_to(text.substr(0, space), text.substr(space + 1));
    const int32_t me = rank_;
    send_all(fd, &me, sizeof me);
    fds_.push_back(fd);
  }
  FB_MPI(MPI_Barrier(MPI_COMM_WORLD));
  if (::pipe(stop_pipe_) != 0) fail("peer watch: cannot create a pipe: ", std::strerror(errno));
  thread_ = std::thread([this] { watch(); });
}

PeerWatch::~PeerWatch() {
  // Without finish() this worker is failing: peers see the connection end
  // without a goodbye and report this rank.
  if (thread_.joinable()) {
    const char byte = 0;
    [[maybe_unused]] const auto n = ::write(stop_pipe_[1], &byte, 1);
    thread_.join();
  }
  for (int fd : fds_)
    if (fd >= 0) ::close(fd);
  for (int fd : stop_pipe_)
    if (fd >= 0) ::close(fd);
}

void PeerWatch::finish() {
  if (finished_) return;
  finished_ = true;
  if (thread_.joinable()) {
    const char byte = 0;
    [[maybe_unused]] const auto n = ::write(stop_pipe_[1], &byte, 1);
    thread_.join();
  }
  for (int& fd : fds_) {
    if (fd < 0) continue;
    send_all(fd, &kGoodbye, 1);
    ::close(fd);
    fd = -1;
  }
}

void PeerWatch::watch() {
  for (;;) {
    std::vector<pollfd> polled{{stop_pipe_[0], POLLIN, 0}};
    std::vector<int> ranks{-1};
    for (size_t i = 0; i < fds_.size(); ++i) {
      if (fds_[i] < 0) continue;
      polled.push_back({fds_[i], POLLIN, 0});
      ranks.push_back(rank_ == 0 ? static_cast<int>(i) + 1 : 0);
    }
    if (polled.size() == 1) return;  // every peer said goodbye
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (polled[0].revents) return;
    for (size_t i = 1; i < polled.size(); ++i) {
      if (!polled[i].revents) continue;
      char what = 0;
      if (!recv_all(polled[i].fd, &what, 1)) lost(ranks[i], "its heartbeat connection closed without a goodbye");
      if (what == kLost) {
        int32_t gone = 0;
        if (!recv_all(polled[i].fd, &gone, sizeof gone)) lost(0, "its heartbeat connection closed without a goodbye");
        lost(gone, "reported by rank 0");
      }
      // A goodbye: that worker (rank 0 for the others) finished on purpose.
      if (rank_ != 0) return;
      ::close(fds_[static_cast<size_t>(ranks[i] - 1)]);
      fds_[static_cast<size_t>(ranks[i] - 1)] = -1;
    }
  }
}

void PeerWatch::lost(int peer_rank, const std::string& how) {
  if (rank_ == 0)
    for (int fd : fds_)
      if (fd >= 0) {
        const int32_t gone = peer_rank;
        send_all(fd, &kLost, 1);
        send_all(fd, &gone, sizeof gone);
      }
  log_("Error: worker rank " + std::to_string(peer_rank) + " stopped unexpectedly (" + how +
       "); ending this worker. The last complete checkpoint is kept.");
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // not reached: MPI_Abort ends the process
}

DistKVStore::DistKVStore(std::string type, const GradientCompression& compression)
    : KVStore(std::move(type)), compression_(compression) {
  FB_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  FB_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size_));
}

std::string DistKVStore::broadcast(const std::string& value) {
  int64_t size = static_cast<int64_t>(value.size());
  FB_MPI(MPI_Bcast(&size, 1, MPI_INT64_T, 0, MPI_COMM_WORLD));
  std::string out = rank_ == 0 ? value : std::string(static_cast<size_t>(size), '\0');
  FB_MPI(MPI_Bcast(out.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD));
  return out;
}

int64_t DistKVStore::sum_over_workers(int64_t value) {
  int64_t sum = 0;
  FB_MPI(MPI_Allreduce(&value, &sum, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  return sum;
}

void DistKVStore::finish() {
  if (watch_) watch_->finish();
}

void DistKVStore::bind(const KVStoreModel& model, const LogLine& log) {
  FB_ASSERT(model.optimizer != nullptr);
  model_ = model;
  log_ = log;
  watch_ = std::make_unique<PeerWatch>(rank_, size_, log);
  broadcast_floats(model_.param_buffer, 0);
  if (model_.aux_buffer.defined()) broadcast_floats(model_.aux_buffer, 0);
  if (compression_.two_bit) {
    const auto n = static_cast<size_t>(model_.grad_buffer.size());
    residual_.assign(n, 0.0f);
    packed_.assign(two_bit_words(n), 0);
    log_("2-bit gradient compression, threshold " + std::to_string(compression_.threshold) +
         ", with error feedback");
  }
}

const std::vector<uint32_t>& DistKVStore::compress() {
  quantize_2bit(model_.grad_buffer.f32(), residual_.data(), packed_.data(), residual_.size(),
                compression_.threshold);
  return packed_;
}

}  // namespace fitbench::dist
