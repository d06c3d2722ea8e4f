// The .states file: round trip, wrong magic, newer version, version 1 and 2 files, truncation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "file_test_util.h"
#include "fitbench/ndarray_file.h"
#include "fitbench/training_state.h"

namespace fitbench {
namespace {

using ::testing::HasSubstr;

TrainingState sample_state() {
  TrainingState state;
  state.epoch = 7;
  state.batches_done = 123;
  state.batch_size = 64;
  state.epoch_batches = 937;
  state.num_update = (int64_t{1} << 33) + 5;
  state.learning_rate = 0.0125f;
  state.optimizer = "nag";
  Tensor momentum = Tensor::full(Shape{2, 3}, -0.5f);
  Tensor counts(Shape{2}, DType::Int64);
  counts.data<int64_t>()[0] = 3;
  counts.data<int64_t>()[1] = -4;
  state.optimizer_states.names = {"fc1_weight", "fc1_bias"};
  state.optimizer_states.arrays = {momentum, counts};
  state.rng_state = std::string("5489 17 \0 binary ok", 19);
  state.data_state = "ndarray_iter/1 1 2 3";
  return state;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(TrainingState, RoundTrips) {
  test::TempDir dir;
  const TrainingState state = sample_state();
  save_training_state(dir.file("run-0007.states"), state);
  const TrainingState back = load_training_state(dir.file("run-0007.states"));
  EXPECT_EQ(back.epoch, state.epoch);
  EXPECT_EQ(back.batches_done, state.batches_done);
  EXPECT_EQ(back.batch_size, state.batch_size);
  EXPECT_EQ(back.epoch_batches, state.epoch_batches);
  EXPECT_EQ(back.num_update, state.num_update);
  EXPECT_EQ(back.learning_rate, state.learning_rate);
  EXPECT_EQ(back.optimizer, state.optimizer);
  EXPECT_EQ(back.rng_state, state.rng_state);
  EXPECT_EQ(back.data_state, state.data_state);
  EXPECT_EQ(back.optimizer_states.names, state.optimizer_states.names);
  ASSERT_EQ(back.optimizer_states.arrays.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const Tensor& a = back.optimizer_states.arrays[i];
    const Tensor& b = state.optimizer_states.arrays[i];
    EXPECT_EQ(a.shape(), b.shape());
    EXPECT_EQ(a.dtype(), b.dtype());
    EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.bytes()), 0);
  }

  const std::string bytes = file_bytes(dir.file("run-0007.states"));
  EXPECT_EQ(bytes.substr(0, 8), std::string("FBST\x03\0\0\0", 8));  // magic, u32 version 3
}

TEST(TrainingState, EmptyStateRoundTrips) {
  test::TempDir dir;
  save_training_state(dir.file("empty.states"), TrainingState{});
  const TrainingState back = load_training_state(dir.file("empty.states"));
  EXPECT_EQ(back.epoch, 0);
  EXPECT_TRUE(back.optimizer.empty());
  EXPECT_TRUE(back.optimizer_states.arrays.empty());
}

TEST(TrainingState, RejectsOtherFiles) {
  test::TempDir dir;
  const std::string params = dir.file("model-0001.params");
  save_ndarray_list(params, sample_state().optimizer_states);
  const std::string message = test::error_message([&] { load_training_state(params); });
  EXPECT_THAT(message, HasSubstr(params));
  EXPECT_THAT(message, HasSubstr("FBST"));

  EXPECT_THAT(test::error_message([&] { load_training_state(dir.file("absent.states")); }),
              HasSubstr(dir.file("absent.states")));
}

TEST(TrainingState, RejectsANewerVersion) {
  test::TempDir dir;
  const std::string path = dir.file("future.states");
  save_training_state(path, sample_state());
  std::string bytes = file_bytes(path);
  bytes[4] = 4;
  write_bytes(path, bytes);
  const std::string message = test::error_message([&] { load_training_state(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("version 4"));
  EXPECT_THAT(message, HasSubstr("newer"));
}

// Version 1 (before snapshots kept their position) has no batches_done after
// the epoch; version 2 has it, but not the batch size and batches per epoch.
TEST(TrainingState, ReadsVersionsOneAndTwo) {
  test::TempDir dir;
  const std::string path = dir.file("old.states");
  save_training_state(path, sample_state());
  const std::string current = file_bytes(path);
  constexpr size_t after_batches = 12 + sizeof(int64_t);  // magic 4, version 4, epoch 4, batches_done
  const size_t batch_size_bytes = sizeof(int32_t) + sizeof(int64_t);
  for (const int version : {1, 2}) {
    std::string bytes = current;
    bytes[4] = static_cast<char>(version);
    bytes.erase(after_batches, batch_size_bytes);
    if (version == 1) bytes.erase(12, sizeof(int64_t));
    write_bytes(path, bytes);
    const TrainingState back = load_training_state(path);
    EXPECT_EQ(back.epoch, 7) << version;
    EXPECT_EQ(back.batches_done, version == 1 ? 0 : 123) << version;
    EXPECT_EQ(back.batch_size, 0) << version;
    EXPECT_EQ(back.epoch_batches, 0) << version;
    EXPECT_EQ(back.num_update, sample_state().num_update) << version;
    EXPECT_EQ(back.data_state, sample_state().data_state) << version;
  }
}

TEST(TrainingState, EveryTruncationNamesTheFile) {
  test::TempDir dir;
  const std::string path = dir.file("cut.states");
  save_training_state(path, sample_state());
  const std::string full = file_bytes(path);
  for (size_t length = 0; length < full.size(); ++length) {
    write_bytes(path, full.substr(0, length));
    const std::string message = test::error_message([&] { load_training_state(path); });
    EXPECT_THAT(message, HasSubstr(path)) << length;
    EXPECT_THAT(message, HasSubstr("byte offset")) << length;
  }
}

}  // namespace
}  // namespace fitbench
