// Checked MPI calls, the TCP peer watch, and DistKVStore (see dist_common.h).
#include "kvstore/dist_common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "kvstore/dist.h"

namespace fitbench::dist {

namespace {

std::atomic<bool> granted_thread_multiple{false};

constexpr int64_t kChunk = int64_t{1} << 30;  // values per MPI call, below INT_MAX
constexpr char kGoodbye = 'B';
constexpr char kHeartbeat = 'H';
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

// Rank 0 listens on every address; the others learn the numeric addresses
// and the port over MPI, so no host name has to resolve (cluster nodes often
// have names that do not).
int listen_socket(uint16_t& port) {
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

// Where the workers find rank 0's listener: a fixed-size record for MPI_Bcast.
// `token` is random per job, so rank 0 only counts connections of its own
// workers, and a worker only trusts the rank 0 that echoes it.
struct Rendezvous {
  static constexpr int kMaxAddresses = 16;
  uint64_t token = 0;
  uint32_t addresses[kMaxAddresses] = {};  // IPv4, network byte order
  int32_t count = 0;
  uint16_t port = 0;
};

// This machine's IPv4 addresses, those of other interfaces first: a worker on
// another host can only reach those, one on this host reaches any of them.
void add_local_addresses(Rendezvous& r) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) fail("peer watch: cannot list this machine's network addresses: ", std::strerror(errno));
  std::vector<uint32_t> external, loopback;
  for (const ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !(a->ifa_flags & IFF_UP)) continue;
    const uint32_t ip = reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr;
    (a->ifa_flags & IFF_LOOPBACK ? loopback : external).push_back(ip);
  }
  ::freeifaddrs(list);
  // Loopback last, and always: processes on one machine need no interface.
  if (loopback.empty()) loopback.push_back(htonl(INADDR_LOOPBACK));
  external.insert(external.end(), loopback.begin(), loopback.end());
  for (uint32_t ip : external)
    if (r.count < Rendezvous::kMaxAddresses) r.addresses[r.count++] = ip;
}

std::string dotted(uint32_t ip) {
  char text[INET_ADDRSTRLEN] = {};
  in_addr a{};
  a.s_addr = ip;
  ::inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

// A TCP connection to ip:port, or -1 with `why` set when it is refused or not
// made within `timeout_ms` (an address of another network drops the SYN, and
// the kernel would retry it for minutes).
int connect_within(uint32_t ip, uint16_t port, int timeout_ms, std::string& why) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = ip;
  addr.sin_port = htons(port);
  int error = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int ready = ::poll(&p, 1, timeout_ms);
      socklen_t len = sizeof error;
      if (ready <= 0)
        error = ETIMEDOUT;
      else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        error = errno;
    }
  }
  if (error != 0) {
    why = std::strerror(error);
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

// The first of rank 0's addresses that answers with the job's token: the
// worker introduces itself (rank, token) and rank 0 echoes the token.
int connect_to_rank0(const Rendezvous& r, int32_t rank) {
  constexpr int kPerAddressMs = 3000;
  std::string tried;
  for (int i = 0; i < r.count; ++i) {
    std::string why;
    const int fd = connect_within(r.addresses[i], r.port, kPerAddressMs, why);
    if (fd >= 0) {
      uint64_t echo = 0;
      if (send_all(fd, &rank, sizeof rank) && send_all(fd, &r.token, sizeof r.token) &&
          wait_readable(fd, kPerAddressMs) && recv_all(fd, &echo, sizeof echo) && echo == r.token)
        return fd;
      ::close(fd);
      why = "another program answered";
    }
    tried += (tried.empty() ? "" : ", ") + dotted(r.addresses[i]) + " (" + why + ")";
  }
  fail("peer watch: cannot reach rank 0 on port ", r.port, " at any of its addresses: ", tried,
       ". Is a firewall between the machines?");
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

PeerWatch::PeerWatch(int rank, int size, KVStore::LogLine log, double timeout_seconds)
    : rank_(rank), log_(std::move(log)), timeout_seconds_(timeout_seconds) {
  if (size < 2) return;
  Rendezvous rendezvous;
  int listener = -1;
  if (rank_ == 0) {
    listener = listen_socket(rendezvous.port);
    rendezvous.token = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    add_local_addresses(rendezvous);
  }
  FB_MPI(MPI_Bcast(&rendezvous, sizeof rendezvous, MPI_BYTE, 0, MPI_COMM_WORLD));
  if (rank_ == 0) {
    fds_.assign(static_cast<size_t>(size - 1), -1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kConnectTimeoutMs);
    for (int joined = 0; joined < size - 1;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !wait_readable(listener, static_cast<int>(left.count()))) {
        ::close(listener);
        fail("peer watch: only ", joined, " of ", size - 1, " workers connected to rank 0 within ",
             kConnectTimeoutMs / 1000, " s (a firewall between the machines?)");
      }
      const int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0) continue;
      int32_t peer = -1;
      uint64_t token = 0;
      // Anything but a worker of this job (a port scan, a stray client) is
      // dropped; the deadline still holds.
      if (!wait_readable(fd, 3000) || !recv_all(fd, &peer, sizeof peer) || !recv_all(fd, &token, sizeof token) ||
          token != rendezvous.token || peer < 1 || peer >= size || fds_[static_cast<size_t>(peer - 1)] >= 0 ||
          !send_all(fd, &token, sizeof token)) {
        ::close(fd);
        continue;
      }
      fds_[static_cast<size_t>(peer - 1)] = fd;
      ++joined;
    }
    ::close(listener);
  } else {
    fds_.push_back(connect_to_rank0(rendezvous, rank_));
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
  using Clock = std::chrono::steady_clock;
  const auto timeout = std::chrono::duration<double>(timeout_seconds_);
  const auto beat = std::min<Clock::duration>(std::chrono::seconds(1),
                                              std::chrono::duration_cast<Clock::duration>(timeout / 4));
  const auto peer_rank = [this](size_t i) { return rank_ == 0 ? static_cast<int>(i) + 1 : 0; };
  std::vector<Clock::time_point> heard(fds_.size(), Clock::now());
  Clock::time_point next_beat = Clock::now();
  for (;;) {
    const auto now = Clock::now();
    if (now >= next_beat) {
      for (int fd : fds_)
        if (fd >= 0) send_all(fd, &kHeartbeat, 1);
      next_beat = now + beat;
    }
    std::vector<pollfd> polled{{stop_pipe_[0], POLLIN, 0}};
    std::vector<size_t> index{0};
    for (size_t i = 0; i < fds_.size(); ++i) {
      if (fds_[i] < 0) continue;
      if (now - heard[i] > timeout)
        lost(peer_rank(i), detail::concat("nothing heard from it for ", timeout_seconds_,
                                          " s (--dist-timeout): it is stopped, frozen, or cut off by the network"));
      polled.push_back({fds_[i], POLLIN, 0});
      index.push_back(i);
    }
    if (polled.size() == 1) return;  // every peer said goodbye
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_beat - Clock::now());
    if (::poll(polled.data(), polled.size(), static_cast<int>(std::max<int64_t>(wait.count(), 0))) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (polled[0].revents) return;
    for (size_t k = 1; k < polled.size(); ++k) {
      if (!polled[k].revents) continue;
      const size_t i = index[k];
      char what = 0;
      if (!recv_all(polled[k].fd, &what, 1)) lost(peer_rank(i), "its heartbeat connection closed without a goodbye");
      heard[i] = Clock::now();
      if (what == kHeartbeat) continue;
      if (what == kLost) {
        int32_t gone = 0;
        if (!recv_all(polled[k].fd, &gone, sizeof gone)) lost(0, "its heartbeat connection closed without a goodbye");
        lost(gone, "reported by rank 0");
      }
      // A goodbye: that worker (rank 0 for the others) finished on purpose.
      if (rank_ != 0) return;
      ::close(fds_[i]);
      fds_[i] = -1;
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

DistKVStore::DistKVStore(std::string type, const KVStoreOptions& options)
    : KVStore(std::move(type)), compression_(options.compression), timeout_seconds_(options.dist_timeout_seconds) {
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
  watch_ = std::make_unique<PeerWatch>(rank_, size_, log, timeout_seconds_);
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
