// KVStore::create's choices and errors, and the 2-bit quantiser against
// values worked out by hand (MXNet's rule: r = residual + grad; r >= t sends
// +t, r <= -t sends -t, else 0; the residual keeps r minus what was sent).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fitbench/error.h"
#include "fitbench/kvstore.h"

using namespace fitbench;

namespace {

std::string create_error(const std::string& type, GradientCompression gc = {}) {
  try {
    KVStore::create(type, {gc});
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST(KVStore, SingleProcessStoresAreOneWorker) {
  for (const char* type : {"local", "device", "nccl"}) {
    const auto kv = KVStore::create(type, {});
    EXPECT_EQ(kv->type(), type);
    EXPECT_EQ(kv->rank(), 0);
    EXPECT_EQ(kv->num_workers(), 1);
    EXPECT_FALSE(kv->sums_worker_batches());
    EXPECT_FALSE(kv->any_worker(false));
    EXPECT_TRUE(kv->any_worker(true));
  }
}

TEST(KVStore, LocalUpdateIsTheOptimizerStep) {
  Tensor weight = Tensor::full(Shape{3}, 1.0f), grad = Tensor::full(Shape{3}, 2.0f);
  OptimizerParams op;
  op.learning_rate = 0.1;
  auto sgd = Optimizer::create("sgd", op);
  std::vector<ParamRef> params{{"fc_bias", weight, grad}};
  sgd->create_states(params);
  auto kv = KVStore::create("local", {});
  kv->init({params, weight, grad, Tensor(), sgd.get()}, [](const std::string&) {});
  kv->update();
  for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(weight.f32()[i], 1.0f - 0.1f * 2.0f);
  EXPECT_EQ(sgd->num_update(), 1);
}

TEST(KVStore, UnknownTypeAndCompressionWithoutWorkersAreErrors) {
  EXPECT_NE(create_error("dist_bogus").find("local, device, nccl, dist_sync"), std::string::npos);
  const std::string gc = create_error("local", {true, 0.5f});
  EXPECT_NE(gc.find("2bit compression"), std::string::npos) << gc;
  EXPECT_NE(gc.find("dist_sync"), std::string::npos) << gc;
}

TEST(KVStore, DistStoreWithoutMpiNamesWhatToDo) {
  // Neither build starts MPI in a test process: the dist stores refuse with advice.
  const std::string e = create_error("dist_sync");
#if FITBENCH_HAVE_MPI
  EXPECT_NE(e.find("mpirun -np"), std::string::npos) << e;
#else
  EXPECT_NE(e.find("MPI"), std::string::npos) << e;
#endif
}

TEST(TwoBit, QuantisesWithErrorFeedback) {
  const std::vector<float> grad{0.6f, -0.7f, 0.2f, -0.3f, 0.5f, -0.5f, 1.4f, 0.0f};
  std::vector<float> residual{0.0f, 0.0f, 0.35f, -0.25f, 0.0f, 0.0f, 0.0f, 0.1f};
  std::vector<uint32_t> packed(two_bit_words(grad.size()), 0xFFFFFFFFu);
  ASSERT_EQ(packed.size(), 1u);
  quantize_2bit(grad.data(), residual.data(), packed.data(), grad.size(), 0.5f);
  // Codes 11 10 11 10 11 10 11 00 from value 0 upwards, two bits each.
  EXPECT_EQ(packed[0], 0x3BBBu);
  const std::vector<float> kept{0.1f, -0.2f, 0.05f, -0.05f, 0.0f, 0.0f, 0.9f, 0.1f};
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_NEAR(residual[i], kept[i], 1e-6) << i;

  std::vector<float> sent(grad.size(), 0.0f);
  dequantize_2bit_add(packed.data(), sent.data(), sent.size(), 0.5f);
  const std::vector<float> expected{0.5f, -0.5f, 0.5f, -0.5f, 0.5f, -0.5f, 0.5f, 0.0f};
  EXPECT_EQ(sent, expected);

  // A zero gradient next: only the residual 0.9 reaches the threshold.
  const std::vector<float> zero(grad.size(), 0.0f);
  quantize_2bit(zero.data(), residual.data(), packed.data(), zero.size(), 0.5f);
  EXPECT_EQ(packed[0], 0x3u << 12);
  EXPECT_NEAR(residual[6], 0.4f, 1e-6);
  EXPECT_NEAR(residual[0], 0.1f, 1e-6);
}

TEST(TwoBit, SeventeenthValueStartsTheSecondWordAndCodesAdd) {
  std::vector<float> grad(17, 0.0f), residual(17, 0.0f);
  grad[16] = -2.0f;
  grad[15] = 1.0f;
  std::vector<uint32_t> packed(two_bit_words(grad.size()));
  ASSERT_EQ(packed.size(), 2u);
  quantize_2bit(grad.data(), residual.data(), packed.data(), grad.size(), 1.0f);
  EXPECT_EQ(packed[0], 0x3u << 30);
  EXPECT_EQ(packed[1], 0x2u);
  EXPECT_FLOAT_EQ(residual[16], -1.0f);
  EXPECT_FLOAT_EQ(residual[15], 0.0f);
  // Two workers' codes add up, as the summed gradient does.
  std::vector<float> sum(17, 10.0f);
  dequantize_2bit_add(packed.data(), sum.data(), sum.size(), 1.0f);
  dequantize_2bit_add(packed.data(), sum.data(), sum.size(), 1.0f);
  EXPECT_FLOAT_EQ(sum[15], 12.0f);
  EXPECT_FLOAT_EQ(sum[16], 8.0f);
  EXPECT_FLOAT_EQ(sum[0], 10.0f);
}
