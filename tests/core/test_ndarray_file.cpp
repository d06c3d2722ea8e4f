// MXNet NDArray list files: round trips, hand-made V2 / V1 bytes, a legacy
// file written by MXNet itself, damaged files, dtype conversion and atomic writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fitbench/file_util.h"
#include "fitbench/ndarray_file.h"

#ifndef FITBENCH_SOURCE_DIR
#error "tests are built with -DFITBENCH_SOURCE_DIR=<repository root>"
#endif

namespace fitbench {
namespace {

using ::testing::HasSubstr;

// Little-endian bytes, appended by hand so the fixtures do not depend on the writer under test.
class Bytes {
 public:
  Bytes& u(uint64_t value, int width) {
    for (int i = 0; i < width; ++i) s_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    return *this;
  }
  Bytes& u32(uint32_t v) { return u(v, 4); }
  Bytes& i32(int32_t v) { return u(static_cast<uint32_t>(v), 4); }
  Bytes& u64(uint64_t v) { return u(v, 8); }
  Bytes& f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return u32(bits);
  }
  Bytes& str(const std::string& v) {
    u64(v.size());
    s_ += v;
    return *this;
  }
  const std::string& bytes() const { return s_; }

 private:
  std::string s_;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

template <class T>
Tensor make(Shape shape, DType dtype, const std::vector<T>& values) {
  Tensor t(std::move(shape), dtype);
  EXPECT_EQ(t.bytes(), values.size() * sizeof(T));
  std::memcpy(t.raw(), values.data(), t.bytes());
  return t;
}

std::vector<float> floats(const Tensor& t) {
  const Tensor f = to_float32(t);
  return std::vector<float>(f.f32(), f.f32() + f.size());
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

TEST(NDArrayFile, RoundTripsEveryDtypeAndTheNames) {
  test::TempDir dir;
  NamedArrays list;
  list.names = {"arg:fc1_weight", "arg:fc1_bias", "aux:bn_moving_var", "arg:h",    "arg:b",
                "arg:u8",         "arg:i8",       "arg:i64",           "arg:none", "arg:empty"};
  list.arrays = {make<float>({2, 3}, DType::Float32, {1, 2, 3, 4, 5, -6.5f}),
                 make<double>({2}, DType::Float64, {0.25, -1e300}),
                 make<int32_t>({1, 1, 3}, DType::Int32, {-7, 0, 2147483647}),
                 make<uint16_t>({2}, DType::Float16, {0x3C00, 0xC000}),
                 make<uint16_t>({1}, DType::BFloat16, {0x3F80}),
                 make<uint8_t>({3}, DType::UInt8, {0, 128, 255}),
                 make<int8_t>({2}, DType::Int8, {-128, 127}),
                 make<int64_t>({1}, DType::Int64, {-(int64_t{1} << 40)}),
                 Tensor(),
                 Tensor(Shape{0, 4})};
  save_ndarray_list(dir.file("model-0001.params"), list);
  const NamedArrays back = load_ndarray_list(dir.file("model-0001.params"));
  EXPECT_EQ(back.names, list.names);
  ASSERT_EQ(back.arrays.size(), list.arrays.size());
  for (size_t i = 0; i < list.arrays.size(); ++i) {
    EXPECT_EQ(back.arrays[i].defined(), list.arrays[i].defined()) << list.names[i];
    if (list.arrays[i].defined()) {
      EXPECT_TRUE(same_bytes(back.arrays[i], list.arrays[i])) << list.names[i];
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("model-0001.params.tmp-" + std::to_string(::getpid()))));

  NamedArrays unnamed;
  unnamed.arrays = {make<float>({1}, DType::Float32, {3.5f})};
  save_ndarray_list(dir.file("unnamed"), unnamed);
  const NamedArrays unnamed_back = load_ndarray_list(dir.file("unnamed"));
  EXPECT_TRUE(unnamed_back.names.empty());
  ASSERT_EQ(unnamed_back.arrays.size(), 1u);
  EXPECT_EQ(unnamed_back.arrays[0].f32()[0], 3.5f);
}

// Two arrays as MXNet 1.9's mx.nd.save writes them (V2 magic, i64 dims).
Bytes v2_fixture(int32_t second_stype = 0, int32_t second_flag = 2) {
  Bytes b;
  b.u64(0x112).u64(0).u64(2);
  b.u32(0xF993FAC9).i32(0).i32(2).u64(2).u64(3).i32(1).i32(0).i32(0);
  for (float v : {0.5f, -1.0f, 2.0f, 3.25f, 1e-3f, -7.0f}) b.f32(v);
  b.u32(0xF993FAC9).i32(second_stype).i32(1).u64(4).i32(2).i32(1).i32(second_flag);  // saved from gpu(1)
  for (uint16_t h : {0x3C00, 0xC000, 0x3800, 0x7BFF}) b.u(h, 2);                     // 1, -2, 0.5, 65504
  b.u64(2).str("arg:fc1_weight").str("aux:bn0_moving_mean");
  return b;
}

TEST(NDArrayFile, ReadsHandMadeV2Bytes) {
  test::TempDir dir;
  write_bytes(dir.file("v2.params"), v2_fixture().bytes());
  const NamedArrays list = load_ndarray_list(dir.file("v2.params"));
  EXPECT_EQ(list.names, (std::vector<std::string>{"arg:fc1_weight", "aux:bn0_moving_mean"}));
  ASSERT_EQ(list.arrays.size(), 2u);
  EXPECT_EQ(list.arrays[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(list.arrays[0].dtype(), DType::Float32);
  EXPECT_EQ(floats(list.arrays[0]), (std::vector<float>{0.5f, -1.0f, 2.0f, 3.25f, 1e-3f, -7.0f}));
  EXPECT_EQ(list.arrays[1].shape(), (Shape{4}));
  EXPECT_EQ(list.arrays[1].dtype(), DType::Float16);
  EXPECT_TRUE(list.arrays[1].device().is_cpu());
  EXPECT_EQ(floats(list.arrays[1]), (std::vector<float>{1.0f, -2.0f, 0.5f, 65504.0f}));
}

TEST(NDArrayFile, ReadsHandMadeV1Bytes) {
  test::TempDir dir;
  Bytes b;
  b.u64(0x112).u64(0).u64(1);
  b.u32(0xF993FAC8).u32(2).u64(1).u64(3).i32(1).i32(0).i32(4);  // V1: u32 ndim, i64 dims, no stype
  for (int32_t v : {-1, 0, 70000}) b.i32(v);
  b.u64(1).str("arg:x");
  write_bytes(dir.file("v1.params"), b.bytes());
  const NamedArrays list = load_ndarray_list(dir.file("v1.params"));
  EXPECT_EQ(list.names, (std::vector<std::string>{"arg:x"}));
  ASSERT_EQ(list.arrays.size(), 1u);
  EXPECT_EQ(list.arrays[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(list.arrays[0].dtype(), DType::Int32);
  EXPECT_EQ(floats(list.arrays[0]), (std::vector<float>{-1, 0, 70000}));
}

// Written by MXNet itself: six unnamed float32 arrays of shape (128,), each 0..127.
TEST(NDArrayFile, ReadsMxnetsLegacyFile) {
  const NamedArrays list =
      load_ndarray_list(FITBENCH_SOURCE_DIR "/tests/data/mxnet/legacy_ndarray.v0");
  EXPECT_TRUE(list.names.empty());
  ASSERT_EQ(list.arrays.size(), 6u);
  for (const Tensor& a : list.arrays) {
    ASSERT_EQ(a.shape(), (Shape{128}));
    ASSERT_EQ(a.dtype(), DType::Float32);
    for (int i = 0; i < 128; ++i) EXPECT_EQ(a.f32()[i], static_cast<float>(i));
  }
}

TEST(NDArrayFile, ReadsAParamsFileMxnetWrote) {
  // mx.nd.save({'arg:w': arange(6).reshape(2, 3) float32, 'aux:m': [0.5, -2] float16})
  const NamedArrays list = load_ndarray_list(FITBENCH_SOURCE_DIR "/tests/data/mxnet/two-arrays.params");
  ASSERT_EQ(list.names.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const Tensor t = to_float32(list.arrays[i]);
    if (list.names[i] == "arg:w") {
      EXPECT_EQ(t.shape(), (Shape{2, 3}));
      for (int j = 0; j < 6; ++j) EXPECT_EQ(t.f32()[j], float(j));
    } else {
      EXPECT_EQ(list.names[i], "aux:m");
      EXPECT_EQ(list.arrays[i].dtype(), DType::Float16);
      EXPECT_EQ(t.f32()[0], 0.5f);
      EXPECT_EQ(t.f32()[1], -2.0f);
    }
  }
}

TEST(NDArrayFile, EveryTruncationNamesTheFileAndOffset) {
  test::TempDir dir;
  const std::string full = v2_fixture().bytes();
  const std::string path = dir.file("cut.params");
  for (size_t length = 0; length < full.size(); ++length) {
    write_bytes(path, full.substr(0, length));
    const std::string message = test::error_message([&] { load_ndarray_list(path); });
    EXPECT_THAT(message, HasSubstr(path)) << length;
    EXPECT_THAT(message, HasSubstr("byte offset")) << length;
  }
  write_bytes(path, full.substr(0, 70));  // inside the first array's data, bytes 64 to 87
  EXPECT_THAT(test::error_message([&] { load_ndarray_list(path); }), HasSubstr("array 0 (2, 3)"));
}

TEST(NDArrayFile, RejectsSparseArraysAndUnknownTypes) {
  test::TempDir dir;
  const std::string sparse = dir.file("sparse.params");
  write_bytes(sparse, v2_fixture(/*second_stype=*/1).bytes());
  const std::string sparse_message = test::error_message([&] { load_ndarray_list(sparse); });
  EXPECT_THAT(sparse_message, HasSubstr(sparse));
  EXPECT_THAT(sparse_message, HasSubstr("array 1"));
  EXPECT_THAT(sparse_message, HasSubstr("row_sparse"));
  EXPECT_THAT(sparse_message, HasSubstr("byte offset 88"));  // where the second array starts

  const std::string odd = dir.file("odd.params");
  write_bytes(odd, v2_fixture(0, /*second_flag=*/7).bytes());
  const std::string odd_message = test::error_message([&] { load_ndarray_list(odd); });
  EXPECT_THAT(odd_message, HasSubstr(odd));
  EXPECT_THAT(odd_message, HasSubstr("array 1"));
  EXPECT_THAT(odd_message, HasSubstr("type flag 7"));
  EXPECT_THAT(odd_message, HasSubstr("byte offset 116"));  // the type flag itself
}

// Found by fuzz/fuzz_params: (2952841984, 3405419513, 0) of uint8 is empty,
// but its element count overflows int64_t before the 0 is reached.
TEST(NDArrayFile, RejectsShapesWhoseElementCountOverflows) {
  test::TempDir dir;
  Bytes b;
  b.u64(0x112).u64(0).u64(1);  // list header, reserved, one array
  b.u32(0xF993FAC9).i32(0).i32(3).u64(2952841984u).u64(3405419513u).u64(0);  // V2, dense, 3 dims
  b.i32(1).i32(0).i32(3);                                                      // cpu(0), uint8
  b.u64(0);                                                                    // no names
  const std::string path = dir.file("overflow.params");
  write_bytes(path, b.bytes());
  const std::string message = test::error_message([&] { load_ndarray_list(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("impossible shape (2952841984, 3405419513, 0)"));
}

TEST(NDArrayFile, RejectsFilesThatAreNotNDArrayLists) {
  test::TempDir dir;
  const std::string text = dir.file("notes.txt");
  write_bytes(text, "this is not a params file at all");
  EXPECT_THAT(test::error_message([&] { load_ndarray_list(text); }), HasSubstr(text));

  Bytes b;
  b.u64(0x112).u64(0).u64(1).u32(0xDEADBEEF);
  write_bytes(dir.file("magic.params"), b.bytes());
  const std::string magic_message = test::error_message([&] { load_ndarray_list(dir.file("magic.params")); });
  EXPECT_THAT(magic_message, HasSubstr("0xDEADBEEF"));
  EXPECT_THAT(magic_message, HasSubstr(dir.file("magic.params")));

  Bytes names;
  names.u64(0x112).u64(0).u64(0).u64(1).str("arg:orphan");
  write_bytes(dir.file("names.params"), names.bytes());
  EXPECT_THAT(test::error_message([&] { load_ndarray_list(dir.file("names.params")); }),
              HasSubstr("0 arrays but 1 names"));

  EXPECT_THAT(test::error_message([&] { load_ndarray_list(dir.file("missing.params")); }),
              HasSubstr(dir.file("missing.params")));
}

TEST(ToFloat32, ConvertsHalfPrecisionExactly) {
  const std::vector<uint16_t> halves = {0x0000, 0x8000, 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8001,
                                        0x03FF, 0x0400, 0x3555, 0x7C00, 0xFC00, 0x7E00};
  const std::vector<float> got = floats(make<uint16_t>({13}, DType::Float16, halves));
  const std::vector<float> want = {0.0f,
                                   -0.0f,
                                   1.0f,
                                   -2.0f,
                                   65504.0f,
                                   std::ldexp(1.0f, -24),  // smallest subnormal
                                   -std::ldexp(1.0f, -24),
                                   std::ldexp(1023.0f, -24),  // largest subnormal
                                   std::ldexp(1.0f, -14),     // smallest normal
                                   0.333251953125f,
                                   std::numeric_limits<float>::infinity(),
                                   -std::numeric_limits<float>::infinity()};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << "half 0x" << std::hex << halves[i];
    EXPECT_EQ(std::signbit(got[i]), std::signbit(want[i])) << "half 0x" << std::hex << halves[i];
  }
  EXPECT_TRUE(std::isnan(got[12]));
}

TEST(ToFloat32, ConvertsOtherDtypes) {
  EXPECT_EQ(floats(make<uint16_t>({2}, DType::BFloat16, {0x3F80, 0xC0A0})),
            (std::vector<float>{1.0f, -5.0f}));
  EXPECT_EQ(floats(make<double>({2}, DType::Float64, {0.5, -3.0})), (std::vector<float>{0.5f, -3.0f}));
  EXPECT_EQ(floats(make<uint8_t>({2}, DType::UInt8, {0, 255})), (std::vector<float>{0, 255}));
  EXPECT_EQ(floats(make<int8_t>({2}, DType::Int8, {-128, 127})), (std::vector<float>{-128, 127}));
  EXPECT_EQ(floats(make<int32_t>({2}, DType::Int32, {-5, 1 << 20})), (std::vector<float>{-5, 1 << 20}));
  EXPECT_EQ(floats(make<int64_t>({1}, DType::Int64, {-(int64_t{1} << 33)})),
            (std::vector<float>{-8589934592.0f}));
  const Tensor f = make<float>({1}, DType::Float32, {2.0f});
  EXPECT_EQ(to_float32(f).raw(), f.raw());  // already float32: shared, not copied
}

TEST(AtomicWrite, ReplacesTheFileAndLeavesNoTemporary) {
  test::TempDir dir;
  const std::string path = dir.file("x.bin");
  write_file_atomically(path, "old");
  write_file_atomically(path, std::string("new\0bytes", 9));
  EXPECT_EQ(read_file(path), std::string("new\0bytes", 9));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(AtomicWrite, AFailedWriteKeepsTheOldFile) {
  test::TempDir dir;
  const std::string path = dir.file("model-0003.params");
  write_file_atomically(path, "old contents");
  // The temporary name is taken by a directory, so the write cannot even start.
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  std::filesystem::create_directory(temp);
  const std::string message = test::error_message([&] { write_file_atomically(path, "new contents"); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("Is a directory"));
  EXPECT_EQ(read_file(path), "old contents");
  EXPECT_TRUE(std::filesystem::is_directory(temp));  // not ours to remove
}

TEST(AtomicWrite, AFailedRenameRemovesTheTemporary) {
  test::TempDir dir;
  // The target is a non-empty directory, which rename() cannot replace.
  const std::string path = dir.file("target");
  std::filesystem::create_directory(path);
  write_bytes(path + "/keep", "kept");
  const std::string message = test::error_message([&] { write_file_atomically(path, "data"); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_EQ(read_file(path + "/keep"), "kept");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);  // no temporary left
}

TEST(ReadFile, NamesAMissingFile) {
  test::TempDir dir;
  const std::string message = test::error_message([&] { read_file(dir.file("absent")); });
  EXPECT_THAT(message, HasSubstr(dir.file("absent")));
  EXPECT_THAT(message, HasSubstr("No such file"));
}

// --params /dev/zero used to read until memory ran out.
TEST(ReadFile, RefusesDevicesAndPipesAtOnce) {
  for (const std::string path : {"/dev/zero", "/dev/urandom"}) {
    const std::string message = test::error_message([&] { read_file(path); });
    EXPECT_THAT(message, HasSubstr(path));
    EXPECT_THAT(message, HasSubstr("not a regular file"));
  }
}

}  // namespace
}  // namespace fitbench
