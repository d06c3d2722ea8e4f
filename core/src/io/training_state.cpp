// fitbench's .states file, little-endian:
//   "FBST", u32 version (3), i32 epoch, i64 batches_done (version 2 on),
//   i32 batch_size, i64 epoch_batches (version 3 on), i64 num_update, f32 learning_rate,
//   string optimizer, NDArray list (as in .params) optimizer_states,
//   string rng_state, string data_state        (string = u64 length + bytes)
#include <cstdint>
#include <cstring>
#include <string>

#include "fitbench/file_util.h"
#include "fitbench/ndarray_file.h"
#include "fitbench/training_state.h"
#include "io/binary_io.h"

namespace fitbench {
namespace {

constexpr char kMagic[4] = {'F', 'B', 'S', 'T'};
constexpr uint32_t kVersion = 3;
constexpr uint32_t kFirstVersionWithBatches = 2;
constexpr uint32_t kFirstVersionWithBatchSize = 3;

}  // namespace

void save_training_state(const std::string& path, const TrainingState& state) {
  io::ByteWriter out;
  out.put_bytes(kMagic, sizeof kMagic);
  out.put<uint32_t>(kVersion);
  out.put<int32_t>(state.epoch);
  out.put<int64_t>(state.batches_done);
  out.put<int32_t>(state.batch_size);
  out.put<int64_t>(state.epoch_batches);
  out.put<int64_t>(state.num_update);
  out.put<float>(state.learning_rate);
  out.put_string(state.optimizer);
  io::write_ndarray_list(out, state.optimizer_states);
  out.put_string(state.rng_state);
  out.put_string(state.data_state);
  write_file_atomically(path, out.bytes());
}

TrainingState load_training_state(const std::string& path) {
  const std::string bytes = read_file(path);
  io::ByteReader in(bytes, path);
  if (std::memcmp(in.take(sizeof kMagic, "the file magic"), kMagic, sizeof kMagic) != 0)
    in.fail_at(0,
               "not a fitbench training-state file (it does not start with \"FBST\"); MXNet's .states hold a "
               "pickled optimizer fitbench cannot read: move the file away, and the resume starts the optimizer "
               "state afresh");
  const auto version = in.get<uint32_t>("the version");
  if (version == 0 || version > kVersion)
    in.fail_at(sizeof kMagic, "training-state version ", version,
               version > kVersion ? " was written by a newer fitbench" : " is not a valid version",
               "; this build reads versions 1 to ", kVersion);
  TrainingState state;
  state.epoch = in.get<int32_t>("the epoch");
  if (version >= kFirstVersionWithBatches) state.batches_done = in.get<int64_t>("the batches done");
  if (version >= kFirstVersionWithBatchSize) {
    state.batch_size = in.get<int32_t>("the batch size");
    state.epoch_batches = in.get<int64_t>("the batches per epoch");
  }
  state.num_update = in.get<int64_t>("the update count");
  state.learning_rate = in.get<float>("the learning rate");
  state.optimizer = in.get_string("the optimizer name");
  state.optimizer_states = io::read_ndarray_list(in);
  state.rng_state = in.get_string("the RNG state");
  state.data_state = in.get_string("the data iterator state");
  return state;
}

}  // namespace fitbench
